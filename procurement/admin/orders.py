"""Purchase orders and their lines: created through order_create, placed and cancelled here."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from core.admin.common import (
    RefusalShownOnForm,
    SavesOnlyEditedFields,
    ViewOnlyAdmin,
    ViewOnlyInline,
    asks_first,
    run_each,
)
from core.admin.export import CsvExportMixin
from core.admin.forms import ReasonForm, StatedReasonForm
from core.admin.history import EventSource, HistoryAdminMixin, record_events

from .. import services
from ..models import (
    IntendedUse,
    OrderEvent,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)

record_events(PurchaseOrder, EventSource(OrderEvent, "order"))

# ---------------------------------------------------------------------------------------------
# Purchase orders


class OrderLineInline(admin.TabularInline):
    """Lines are written only on the add page, where `order_create` checks them.

    Once the order exists (even as a draft) they are read-only here: a saved inline edit would
    bypass the service and its checks (a two-letter currency, a quantity of zero).
    """

    model = PurchaseOrderLine
    extra = 1
    min_num = 1
    validate_min = True
    fields = [
        "product",
        "quantity",
        "unit_price",
        "currency",
        "required_standard",
        "intended_use",
        "needed_by",
        "mismatch",
    ]
    readonly_fields = ["mismatch"]
    autocomplete_fields = ["product", "required_standard"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product__claimed_standard")

    @admin.display(description="intended-use mismatch")
    def mismatch(self, line: PurchaseOrderLine) -> str:
        if line.pk is None:
            return "-"
        return "MISMATCH" if line.intended_use_mismatch else "no"

    # `obj` is the order: None on the add page, the only page where lines are written.

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_delete_permission(request, obj)


class OrderEventInline(ViewOnlyInline):
    model = OrderEvent
    fields = ["at", "from_status", "to_status", "actor", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(
    HistoryAdminMixin, CsvExportMixin, RefusalShownOnForm, SavesOnlyEditedFields, admin.ModelAdmin
):
    """Drafts are created through `order_create`; status changes only by the actions."""

    csv_columns = [
        "reference",
        "supplier",
        "status",
        "line_count",
        "units_ordered",
        "created_at",
        "created_by",
        "placed_at",
        "notes",
    ]
    list_display = [
        "reference",
        "supplier",
        "status",
        "line_count",
        "units_ordered",
        "created_at",
        "placed_at",
    ]
    list_filter = ["status", ("supplier", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["supplier"]
    search_fields = ["reference", "supplier__name", "lines__product__name", "lines__product__sku"]
    autocomplete_fields = ["supplier"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "created_at", "created_by", "placed_at"]
    inlines = [OrderLineInline, OrderEventInline]
    actions = ["place_orders", "cancel_orders"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(lines_count=Count("lines"), units=Coalesce(Sum("lines__quantity"), 0))
        )

    @admin.display(description="lines", ordering="lines_count")
    def line_count(self, order: PurchaseOrder) -> int:
        return order.lines_count

    @admin.display(description="units ordered", ordering="units")
    def units_ordered(self, order: PurchaseOrder) -> int:
        return order.units

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != OrderStatus.DRAFT:
            return ["reference", "supplier", *self.readonly_fields]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else [OrderLineInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != OrderStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would not ask per order whether it is a draft.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # A new order and its lines are written by `order_create`, not by the model form.

    def construct_change_message(self, request, form, formsets, add=False):
        if add:
            return [{"added": {}}]  # the lines were written by order_create, not the formsets
        return super().construct_change_message(request, form, formsets, add)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            return super().save_related(request, form, formsets, change)
        order = services.order_create(
            supplier=form.cleaned_data["supplier"],
            reference=form.cleaned_data["reference"],
            notes=form.cleaned_data.get("notes", ""),
            lines=[_order_line_input(line) for fs in formsets for line in _kept_forms(fs)],
            actor=request.user,
        )
        form.instance.pk = order.pk
        form.instance.created_at = order.created_at
        form.instance.created_by = order.created_by

    @admin.action(description="Place selected orders", permissions=["change"])
    @asks_first(
        StatedReasonForm,
        title="Place purchase orders",
        submit="Place orders",
        warning="A placed order is binding on the supplier; only drafts with lines are placed.",
    )
    def place_orders(self, request, queryset, *, reason: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda order: services.order_place(order=order, actor=request.user, reason=reason),
            "Placed",
        )

    @admin.action(description="Cancel selected orders", permissions=["change"])
    @asks_first(ReasonForm, title="Cancel purchase orders", submit="Cancel orders")
    def cancel_orders(self, request, queryset, *, reason: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda order: services.order_cancel(order=order, actor=request.user, reason=reason),
            "Cancelled",
        )


def _kept_forms(formset):
    return [
        form
        for form in formset.forms
        if form.has_changed() and not form.cleaned_data.get("DELETE", False)
    ]


def _order_line_input(form) -> services.OrderLineInput:
    data = form.cleaned_data
    return services.OrderLineInput(
        product=data["product"],
        quantity=data["quantity"],
        unit_price=data["unit_price"],
        required_standard=data["required_standard"],
        intended_use=data.get("intended_use") or IntendedUse.MEDICAL,
        currency=data.get("currency") or "EUR",
        needed_by=data.get("needed_by"),
    )


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(HistoryAdminMixin, ViewOnlyAdmin):
    """Lines are written with their order by `order_create`; this list is for searching."""

    list_display = [
        "order",
        "product",
        "quantity",
        "unit_price",
        "currency",
        "required_standard",
        "intended_use",
        "mismatch",
    ]
    list_filter = ["intended_use", "order__status", "product__category"]
    list_select_related = ["order", "product__claimed_standard", "required_standard"]
    search_fields = ["order__reference", "product__name", "product__sku"]

    @admin.display(boolean=True, description="intended-use mismatch")
    def mismatch(self, line: PurchaseOrderLine) -> bool:
        return line.intended_use_mismatch


@admin.register(OrderEvent)
class OrderEventAdmin(ViewOnlyAdmin):
    list_display = ["at", "order", "from_status", "to_status", "actor", "reason"]
    list_filter = ["to_status"]
    list_select_related = ["order", "actor"]
    search_fields = ["order__reference", "reason", "actor__username"]
    date_hierarchy = "at"
