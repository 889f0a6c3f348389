"""python manage.py load_demo [--reset]: load the spring-2020 respirator case with made-up names.

Demo logins (all with the password ``demo-pass-2020``): ``officer`` (ministry officer),
``inspector``, ``clerk`` (warehouse clerk), ``nurse`` (hospital staff at HOSP-001 and HOSP-011)
and the superuser ``admin``. Running it again changes nothing; ``--reset`` removes what the demo
created and loads it again. The story itself lives in `procurement.demo`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from procurement import demo
from procurement.errors import DomainError


class Command(BaseCommand):
    help = (
        "Load the demo story (1.3 million KN95 respirators, 600,000 dispatched to 25 hospitals, "
        f"rapid tests in quarantine) and print the logins (password {demo.DEMO_PASSWORD})."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove what the demo created (only that) and load it again.",
        )

    def handle(self, *args, reset: bool = False, **options) -> None:
        try:
            summary = demo.load_demo(stdout=self.stdout, reset=reset)
        except DomainError as exc:
            raise CommandError(f"The demo could not be loaded: {exc.message}") from exc
        except ProtectedError as exc:
            raise CommandError(
                "The demo could not be reset: data outside the demo still refers to demo rows "
                f"({exc}). Nothing was changed."
            ) from exc
        self.stdout.write(demo.render_report(summary))
