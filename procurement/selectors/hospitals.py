"""Who sees what: the hospitals a user belongs to and the records scoped to them, and the language
a user's pages and e-mails are in."""

from __future__ import annotations

from django.db.models import F, QuerySet, Sum

from core.roles import Role, has_role

from ..models import (
    Distribution,
    Hospital,
    Lot,
    StockBalance,
    UserPreference,
)


def hospitals_for_user(user) -> QuerySet[Hospital]:
    """Hospitals whose records the user may see: all for ministry roles, their own for hospital
    staff. A membership alone, without the hospital staff role, grants nothing."""
    if has_role(user, Role.MINISTRY_OFFICER, Role.INSPECTOR, Role.WAREHOUSE_CLERK):
        return Hospital.objects.all()
    if not has_role(user, Role.HOSPITAL_STAFF):
        return Hospital.objects.none()
    return Hospital.objects.filter(memberships__user=user).distinct()


def user_may_act_for_hospital(user, hospital: Hospital) -> bool:
    """Whether the user is hospital staff and belongs to this hospital."""
    return (
        user is not None
        and has_role(user, Role.HOSPITAL_STAFF)
        and hospital.memberships.filter(user=user).exists()
    )


def hospitals_holding(lot: Lot) -> QuerySet[Hospital]:
    """Hospitals that hold units of a lot now, with `units_held`, largest holding first."""
    return (
        Hospital.objects.filter(location__balances__lot=lot, location__balances__quantity__gt=0)
        .annotate(units_held=Sum("location__balances__quantity"))
        .order_by("-units_held", "name")
    )


def distributions_for_user(user) -> QuerySet[Distribution]:
    """Deliveries the user may see, newest first, with what a list needs joined in."""
    return Distribution.objects.filter(hospital__in=hospitals_for_user(user)).select_related(
        "lot__order_line__product", "hospital"
    )


def hospitals_stock_on_hand(hospitals) -> QuerySet[StockBalance]:
    """What several hospitals hold now, per lot, in one query (only lots they still hold): by
    hospital name, then first-expiring first (lots without an expiry date last), then lot number.
    Each balance has its lot's product and its location's hospital joined in."""
    return (
        StockBalance.objects.filter(location__hospital__in=hospitals, quantity__gt=0)
        .select_related("lot__order_line__product", "location__hospital")
        .order_by(
            "location__hospital__name",
            "location__hospital__pk",
            F("lot__expires_on").asc(nulls_last=True),
            "lot__lot_number",
        )
    )


def user_language(user) -> str | None:
    """The language a user reads pages and e-mails in: their own choice, else (hospital staff)
    their first hospital's language, else None (the browser's or the site default decides)."""
    if user is None or not user.is_authenticated:
        return None
    chosen = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    if chosen:
        return chosen
    return (
        hospitals_for_user(user)
        .filter(memberships__user=user)
        .order_by("name")
        .values_list("language", flat=True)
        .first()
    )
