"""Returns to suppliers and their credit claims: made by the lot action "Return to supplier with
a credit claim", read-only here; the claim's status changes only through the actions below."""

from __future__ import annotations

from django.contrib import admin

from core.admin.common import ViewOnlyInline, asks_first, run_each
from core.admin.export import CsvExportMixin
from core.admin.forms import ReasonForm
from core.admin.history import EventSource, HistoryAdminMixin, record_events

from .. import services
from ..models import CreditClaimEvent, CreditClaimStatus, SupplierReturn

record_events(SupplierReturn, EventSource(CreditClaimEvent, "supplier_return"))


class CreditClaimEventInline(ViewOnlyInline):
    model = CreditClaimEvent
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    verbose_name_plural = "credit claim events"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(SupplierReturn)
class SupplierReturnAdmin(HistoryAdminMixin, CsvExportMixin, admin.ModelAdmin):
    """Written by `supplier_return_create`; the change permission only opens the claim actions."""

    csv_columns = [
        "lot",
        "supplier",
        "quantity",
        "authorisation_reference",
        "credit_amount",
        "currency",
        "claim_status",
        "created_at",
        "created_by",
    ]
    list_display = [
        "lot",
        "supplier",
        "quantity",
        "authorisation_reference",
        "credit_amount",
        "currency",
        "claim_status",
        "created_at",
    ]
    list_filter = ["claim_status"]
    list_select_related = ["lot__shipment__order__supplier"]
    search_fields = ["authorisation_reference", "lot__lot_number"]
    date_hierarchy = "created_at"
    fields = [
        "lot",
        "supplier",
        "quantity",
        "movement",
        "authorisation_reference",
        "credit_amount",
        "currency",
        "claim_status",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [CreditClaimEventInline]
    actions = ["mark_accepted", "mark_paid", "mark_refused"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("lot__shipment__order__supplier", "movement", "created_by")
        )

    @admin.display(description="supplier", ordering="lot__shipment__order__supplier__name")
    def supplier(self, supplier_return: SupplierReturn):
        return supplier_return.lot.shipment.order.supplier

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The list's actions need it; a return itself is never edited (its page is view only).
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _set_status(self, request, queryset, status: str, reason: str, done: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda supplier_return: services.credit_claim_set_status(
                supplier_return=supplier_return, status=status, actor=request.user, reason=reason
            ),
            done,
        )

    @admin.action(description="Mark the credit claim accepted", permissions=["change"])
    @asks_first(
        ReasonForm,
        title="The supplier accepted the credit claim",
        submit="Mark accepted",
        warning="Say how the supplier accepted the claim (letter, e-mail, credit note number).",
    )
    def mark_accepted(self, request, queryset, *, reason: str) -> int:
        return self._set_status(
            request, queryset, CreditClaimStatus.ACCEPTED, reason, "Claim accepted"
        )

    @admin.action(description="Mark the credit claim paid", permissions=["change"])
    @asks_first(
        ReasonForm,
        title="The credit claim was paid",
        submit="Mark paid",
        warning="Only an accepted claim can be paid. Name the payment or credit note.",
    )
    def mark_paid(self, request, queryset, *, reason: str) -> int:
        return self._set_status(request, queryset, CreditClaimStatus.PAID, reason, "Claim paid")

    @admin.action(description="Mark the credit claim refused", permissions=["change"])
    @asks_first(
        ReasonForm,
        title="The supplier refused the credit claim",
        submit="Mark refused",
        warning="A refusal is final. Say why the supplier refused the claim.",
    )
    def mark_refused(self, request, queryset, *, reason: str) -> int:
        return self._set_status(
            request, queryset, CreditClaimStatus.REFUSED, reason, "Claim refused"
        )
