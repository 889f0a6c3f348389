"""Complaints: which a user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from procurement.selectors import hospitals_for_user

from ..models import (
    Complaint,
)


def complaints_for_user(user) -> QuerySet[Complaint]:
    """Complaints the user may see: all for ministry roles, their hospitals' for hospital staff
    (scoped by `procurement.selectors.hospitals_for_user`, like deliveries), newest first."""
    return Complaint.objects.filter(hospital__in=hospitals_for_user(user)).select_related(
        "lot__order_line__product", "hospital", "distribution", "reported_by"
    )
