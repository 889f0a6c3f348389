"""python manage.py check_ledger: does every lot's stock add up? Exits 1 on any violation."""

from django.core.management.base import BaseCommand, CommandError

from ...selectors import ledger_violations, lot_count


class Command(BaseCommand):
    help = (
        "Check, for every lot, that received = held + returned to supplier + destroyed + "
        "consumed + lost in return, that balances match the movements and that none is negative."
    )

    def handle(self, *args, **options) -> None:
        violations = ledger_violations()
        for entry in violations:
            self.stdout.write(f"{entry.lot_number}: " + "; ".join(entry.problems))
        total = lot_count()
        if violations:
            self.stdout.write(f"{len(violations)} of {total} lots violate the ledger.")
            raise CommandError("ledger check failed", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Ledger clean: {total} lots checked, 0 violations."))
