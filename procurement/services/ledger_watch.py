"""Ledger watch: the nightly check that every lot's ledger adds up."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from ..selectors import ledger_violations


def ledger_check_report() -> int:
    """Run the ledger check and e-mail the ministry's quality desk when any lot does not add up.

    Returns the number of lots in violation. Called by the nightly `ledger_check_task`.
    """
    violations = ledger_violations()
    if violations and settings.MINISTRY_ALERT_EMAILS:
        lines = [f"{entry.lot_number}: " + "; ".join(entry.problems) for entry in violations]
        send_mail(
            subject=f"Ledger check: {len(violations)} lot(s) do not add up",
            message="\n".join(lines),
            from_email=None,
            recipient_list=settings.MINISTRY_ALERT_EMAILS,
        )
    return len(violations)
