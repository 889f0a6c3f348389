"""The distribution planner's reads: lots with what the warehouse holds of them, and why a lot
cannot be planned now."""

from __future__ import annotations

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..models import LocationKind, Lot, StockBalance
from ..services.distribution import lot_dispatch_refusal


def lots_with_warehouse_stock() -> QuerySet[Lot]:
    """Lots with `in_warehouse` (units in the central warehouse, 0 when none) and what a plan
    page shows of them joined in."""
    in_warehouse = StockBalance.objects.filter(
        lot=OuterRef("pk"), location__kind=LocationKind.WAREHOUSE
    ).values("quantity")[:1]
    return Lot.objects.select_related(
        "order_line__product__claimed_standard", "order_line__required_standard"
    ).annotate(in_warehouse=Coalesce(Subquery(in_warehouse), Value(0), output_field=IntegerField()))


def lot_plan_refusal(lot: Lot) -> str:
    """Why nothing of the lot can be dispatched now, or "" when it can (the page's early word;
    the service decides under lock): the services' rule, or an empty warehouse."""
    refusal = lot_dispatch_refusal(lot)
    if not refusal and getattr(lot, "in_warehouse", None) == 0:
        refusal = _("Nothing of lot %(lot)s is left in the warehouse.") % {"lot": lot.lot_number}
    return refusal
