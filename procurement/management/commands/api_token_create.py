"""python manage.py api_token_create NAME --role ROLE [--hospital CODE ...] --by USERNAME

Creates an API token for another system and prints its key, once. The same service as the
ministry panel's "Add API token" page: the user named by --by must be a ministry officer."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from core.roles import Role

from ... import services
from ...models import Hospital


class Command(BaseCommand):
    help = "Create an API token; prints the key, which is not shown again."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Which system uses it.")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--hospital", action="append", default=[], help="Hospital code (hospital staff)."
        )
        parser.add_argument("--by", required=True, help="Username of the ministry officer.")
        parser.add_argument("--days", type=int, help="Expires after this many days.")
        parser.add_argument("--email", default="", help="Who runs the integration.")

    def handle(self, *args, name, role, hospital, by, days, email, **options) -> None:
        actor = get_user_model().objects.filter(username=by).first()
        if actor is None:
            raise CommandError(f"No user named {by!r}.")
        hospitals = list(Hospital.objects.filter(code__in=hospital))
        unknown = sorted(set(hospital) - {h.code for h in hospitals})
        if unknown:
            raise CommandError(f"Unknown hospital code(s): {', '.join(unknown)}.")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            token, key = services.api_token_create(
                name=name,
                role=role,
                hospitals=hospitals,
                expires_at=expires_at,
                contact_email=email,
                actor=actor,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Created API token {token.name} ({token.prefix}). Key, shown once:")
        self.stdout.write(key)
