"""The ledger and event tables, view only: services write them, nobody edits them."""

from __future__ import annotations

from django.contrib import admin

from core.admin.common import ViewOnlyAdmin
from core.admin.export import CsvExportMixin
from core.admin.history import HistoryAdminMixin

from ..models import Distribution, ImportKind, LotEvent, StockBalance, StockMovement
from .imports import ImportFromCsvMixin

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


class DiscrepancyFilter(admin.SimpleListFilter):
    """Deliveries a hospital confirmed with a different quantity than was dispatched."""

    title = "receipt"
    parameter_name = "discrepancy"

    def lookups(self, request, model_admin):
        return [("yes", "with a discrepancy"), ("unconfirmed", "not confirmed yet")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(Distribution.discrepancy_q())
        if self.value() == "unconfirmed":
            return queryset.filter(status=Distribution.Status.DISPATCHED)
        return queryset


@admin.register(Distribution)
class DistributionAdmin(ImportFromCsvMixin, HistoryAdminMixin, CsvExportMixin, ViewOnlyAdmin):
    csv_columns = [
        "dispatched_at",
        "lot",
        "product",
        "hospital",
        "quantity",
        "status",
        "quantity_received",
        "discrepancy",
        "confirmed_at",
        "confirmed_by",
        "dispatched_by",
        "note",
        "receipt_remark",
    ]
    import_kind = ImportKind.DISTRIBUTION_PLAN
    list_display = [
        "dispatched_at",
        "lot",
        "product",
        "hospital",
        "quantity",
        "status",
        "quantity_received",
        "discrepancy",
        "dispatched_by",
    ]
    list_filter = [
        "status",
        DiscrepancyFilter,
        "lot__status",
        ("hospital", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["lot__order_line__product", "hospital", "dispatched_by"]
    search_fields = ["lot__lot_number", "hospital__code", "hospital__name", "note"]
    date_hierarchy = "dispatched_at"
    fields = [
        "lot",
        "hospital",
        "quantity",
        "dispatched_at",
        "dispatched_by",
        "note",
        "status",
        "quantity_received",
        "discrepancy",
        "confirmed_at",
        "confirmed_by",
        "receipt_remark",
    ]
    readonly_fields = fields

    @admin.display(description="product", ordering="lot__order_line__product__name")
    def product(self, distribution: Distribution):
        return distribution.lot.order_line.product

    @admin.display(description="difference")
    def discrepancy(self, distribution: Distribution) -> str:
        difference = distribution.discrepancy
        return "-" if not difference else f"{difference:+,}"
