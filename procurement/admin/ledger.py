"""The ledger and event tables, view only: services write them, nobody edits them."""

from __future__ import annotations

from django.contrib import admin

from ..models import (
    Distribution,
    LotEvent,
    StockBalance,
    StockMovement,
)
from .common import (
    ViewOnlyAdmin,
)

# ---------------------------------------------------------------------------------------------
# Ledger and event tables: view only


@admin.register(LotEvent)
class LotEventAdmin(ViewOnlyAdmin):
    list_display = ["at", "lot", "kind", "from_status", "to_status", "actor", "reason"]
    list_filter = ["kind", "to_status"]
    list_select_related = ["lot", "actor"]
    search_fields = ["lot__lot_number", "reason", "actor__username"]
    date_hierarchy = "at"


@admin.register(StockMovement)
class StockMovementAdmin(ViewOnlyAdmin):
    list_display = [
        "at",
        "kind",
        "lot",
        "quantity",
        "from_location",
        "to_location",
        "reference",
        "actor",
    ]
    list_filter = ["kind", "to_location__kind"]
    list_select_related = ["lot", "from_location", "to_location", "actor"]
    search_fields = ["lot__lot_number", "reference"]
    date_hierarchy = "at"


@admin.register(StockBalance)
class StockBalanceAdmin(ViewOnlyAdmin):
    list_display = ["lot", "location", "quantity"]
    list_filter = ["location__kind", "lot__status"]
    list_select_related = ["lot", "location"]
    search_fields = ["lot__lot_number", "location__name"]


@admin.register(Distribution)
class DistributionAdmin(ViewOnlyAdmin):
    list_display = [
        "dispatched_at",
        "lot",
        "product",
        "hospital",
        "quantity",
        "status",
        "dispatched_by",
    ]
    list_filter = ["status", "lot__status", ("hospital", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["lot__order_line__product", "hospital", "dispatched_by"]
    search_fields = ["lot__lot_number", "hospital__code", "hospital__name", "note"]
    date_hierarchy = "dispatched_at"

    @admin.display(description="product", ordering="lot__order_line__product__name")
    def product(self, distribution: Distribution):
        return distribution.lot.order_line.product
