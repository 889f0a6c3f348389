"""python manage.py load_demo [--reset] [--force]: load the spring-2020 respirator case with
made-up names, supply side and quality side.

Demo logins (all with the password ``demo-pass-2020``): ``officer`` (ministry officer),
``inspector``, ``clerk`` (warehouse clerk), ``nurse`` (hospital staff at HOSP-001 and HOSP-011)
and the superuser ``admin``. Running it again changes nothing; ``--reset`` removes what the demo
created and loads it again. The story lives in `procurement.demo` (orders, receipt, release on
documents, dispatch) and `inspections.demo` (certificate, complaint, inspections, supplier level,
recall RC-2020-001 with its notices, answers, returns and reminders, returns of the rejected lots
to their suppliers with credit claims). The command lives here because inspections may import
procurement, never the reverse.

The recall's notices and reminders leave after the load commits: without a Celery broker they
are sent in-process (e-mails to var/mail/; the demo hospitals' webhooks at 127.0.0.1:8765 have
no receiver, so those deliveries fail with "connection refused" and wait for a retry).

Because the password is published, the command refuses unless DEBUG is on (``make demo`` sets
DEBUG=true) or ``--force`` is given, and it refuses whenever a hospital code or a role username of
the demo is already taken by something the demo did not create.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from core.errors import DomainError
from procurement import demo as supply

from ... import demo


class Command(BaseCommand):
    help = (
        "Load the demo story (1.3 million KN95 respirators, 600,000 dispatched to 25 hospitals, "
        "every lot failing two inspections, recall RC-2020-001 in progress, rejected lots and "
        "rapid tests returned to their suppliers) and print the logins "
        f"(password {supply.DEMO_PASSWORD})."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove what the demo created (only that) and load it again.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Load even though DEBUG is off. The demo logins have a published password: use "
                "this only on a demo or development database."
            ),
        )

    def handle(self, *args, reset: bool = False, force: bool = False, **options) -> None:
        try:
            summary = demo.load_demo(stdout=self.stdout, reset=reset, force=force)
        except demo.DemoRefused as exc:
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(f"The demo could not be loaded: {exc.message}") from exc
        except ProtectedError as exc:
            raise CommandError(
                "The demo could not be reset: data outside the demo still refers to demo rows "
                f"({exc}). Nothing was changed."
            ) from exc
        self.stdout.write(demo.render_report(summary))
