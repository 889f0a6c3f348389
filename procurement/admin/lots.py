"""Lots: every status change is an action that asks for its reason and calls a service."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from core.admin.common import (
    ViewOnlyInline,
)
from core.admin.export import CsvExportMixin
from core.admin.history import EventSource, HistoryAdminMixin, record_events
from core.roles import Role, has_role

from ..models import (
    Distribution,
    LocationKind,
    Lot,
    LotEvent,
    LotStatus,
    PurchaseOrderLine,
    ReleaseBasis,
    StockBalance,
    StockMovement,
)
from .lot_actions import MISMATCH_WARNING, NEEDS_TEST_WARNING, LotStatusActions, role_offers
from .lot_pages import LotPages

record_events(Lot, EventSource(LotEvent, "lot", kind_field="kind", details=(("Details", "data"),)))

# ---------------------------------------------------------------------------------------------
# Lots


class NeedsTestFilter(admin.SimpleListFilter):
    title = "needs a test"
    parameter_name = "needs_test"

    def lookups(self, request, model_admin):
        return [("yes", "Yes: released on documents"), ("no", "No")]

    def queryset(self, request, queryset):
        needs_test = Q(status=LotStatus.RELEASED, release_basis=ReleaseBasis.DOCUMENTS)
        if self.value() == "yes":
            return queryset.filter(needs_test)
        if self.value() == "no":
            return queryset.exclude(needs_test)
        return queryset


class MismatchFilter(admin.SimpleListFilter):
    title = "intended-use mismatch"
    parameter_name = "mismatch"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        mismatch = PurchaseOrderLine.intended_use_mismatch_q("order_line__")
        if self.value() == "yes":
            return queryset.filter(mismatch)
        if self.value() == "no":
            return queryset.exclude(mismatch)
        return queryset


class LotEventInline(ViewOnlyInline):
    model = LotEvent
    fields = ["at", "kind", "from_status", "to_status", "actor", "reason", "data"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class StockBalanceInline(ViewOnlyInline):
    model = StockBalance
    fields = ["location", "quantity"]
    verbose_name_plural = "stock balances (where the units are now)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location")


class StockMovementInline(ViewOnlyInline):
    model = StockMovement
    fields = ["at", "kind", "quantity", "from_location", "to_location", "reference", "actor"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_location", "to_location", "actor")


class DistributionInline(ViewOnlyInline):
    model = Distribution
    fields = ["dispatched_at", "hospital", "quantity", "status", "dispatched_by", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("hospital", "dispatched_by")


# Who may read a lot's traceability page (inspections/reports/views.py, TRACE_ROLES): those who
# see lots and their inspections. Only they are offered the link to it.
TRACE_ROLES = (Role.MINISTRY_OFFICER, Role.INSPECTOR)


def _warehouse_units():
    balance = StockBalance.objects.filter(
        lot=OuterRef("pk"), location__kind=LocationKind.WAREHOUSE
    ).values("quantity")[:1]
    return Coalesce(Subquery(balance), Value(0))


@admin.register(Lot)
class LotAdmin(LotPages, LotStatusActions, HistoryAdminMixin, CsvExportMixin, admin.ModelAdmin):
    """Lots come only from receiving a shipment; their status changes only by the actions."""

    csv_columns = [
        "lot_number",
        "product",
        "order",
        "shipment__order__supplier",
        "status",
        "release_basis",
        "released_at",
        "needs_test",
        "mismatch",
        "quantity_received",
        "in_warehouse",
        "manufactured_on",
        "expires_on",
        "received_at",
        "shipment",
    ]
    list_display = [
        "lot_number",
        "product",
        "order",
        "status",
        "needs_test",
        "mismatch",
        "quantity_received",
        "in_warehouse",
        "expires_on",
        "received_at",
    ]
    list_filter = [
        "status",
        NeedsTestFilter,
        MismatchFilter,
        "release_basis",
        "order_line__product__category",
        ("shipment__order__supplier", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["order_line__product__claimed_standard", "shipment__order"]
    search_fields = [
        "lot_number",
        "shipment__reference",
        "shipment__order__reference",
        "order_line__product__name",
        "order_line__product__sku",
    ]
    date_hierarchy = "received_at"
    fieldsets = [
        (
            "Status",
            {
                "fields": [
                    "status",
                    "needs_test_notice",
                    "release_basis",
                    "released_at",
                    "events_link",
                ]
            },
        ),
        (
            "Lot",
            {
                "fields": [
                    "lot_number",
                    "product",
                    "shipment",
                    "order_line",
                    "mismatch_notice",
                    "manufactured_on",
                    "expires_on",
                ]
            },
        ),
        ("Stock", {"fields": ["quantity_received", "received_at", "in_warehouse"]}),
    ]
    readonly_fields = flatten_fieldsets(fieldsets)  # every field: edits go through actions
    inlines = [StockBalanceInline, DistributionInline, StockMovementInline, LotEventInline]
    actions = [
        "release_on_documents",
        "release_on_inspection",
        "put_on_hold",
        "reject",
        "recall",
        "dispose",
        "return_to_supplier",
        "dispatch_to_hospital",
        "record_return",
        "correct_dates",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("order_line__product__claimed_standard", "shipment__order")
            .annotate(warehouse_units=_warehouse_units())
        )

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if has_role(request.user, *TRACE_ROLES):
            columns.insert(1, "trace_link")
        return columns

    @admin.display(description="trace")
    def trace_link(self, lot: Lot) -> str:
        url = reverse("reports:lot_trace", args=[lot.pk])
        return format_html('<a href="{}" title="The lot\'s whole life">Trace</a>', url)

    @admin.display(description="product", ordering="order_line__product__name")
    def product(self, lot: Lot):
        return lot.order_line.product

    @admin.display(description="order", ordering="shipment__order__reference")
    def order(self, lot: Lot):
        return lot.shipment.order

    @admin.display(boolean=True, description="needs a test")
    def needs_test(self, lot: Lot) -> bool:
        return lot.needs_test

    @admin.display(boolean=True, description="use mismatch")
    def mismatch(self, lot: Lot) -> bool:
        return lot.order_line.intended_use_mismatch

    @admin.display(description="in warehouse", ordering="warehouse_units")
    def in_warehouse(self, lot: Lot) -> int:
        return lot.warehouse_units

    @admin.display(description="needs a test")
    def needs_test_notice(self, lot: Lot) -> str:
        if lot.needs_test:
            return format_html("<strong>YES.</strong> {}", NEEDS_TEST_WARNING)
        return "No"

    @admin.display(description="intended-use mismatch")
    def mismatch_notice(self, lot: Lot) -> str:
        if lot.order_line.intended_use_mismatch:
            return format_html("<strong>YES.</strong> {}", MISMATCH_WARNING)
        return "No"

    @admin.display(description="events")
    def events_link(self, lot: Lot) -> str:
        url = reverse("admin:procurement_lotevent_changelist")
        query = urlencode({"lot__id__exact": lot.pk})
        return format_html('<a href="{}?{}">All events of this lot</a>', url, query)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        return {name: a for name, a in actions.items() if role_offers(request.user, name)}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        lot_actions = [c for c in self.get_action_choices(request) if c[0]]
        extra_context = {
            **(extra_context or {}),
            "lot_actions": lot_actions,
            "may_dispatch": any(name == "dispatch_to_hospital" for name, _ in lot_actions),
            "may_record_return": any(name == "record_return" for name, _ in lot_actions),
            "may_trace": has_role(request.user, *TRACE_ROLES),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "needs_test_warning": NEEDS_TEST_WARNING,
            "mismatch_warning": MISMATCH_WARNING,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # Actions: each calls one service per selected lot.
