"""Lots: every status change is an action that asks for its reason and calls a service."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from .. import admin_forms, services
from ..errors import DomainError
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
from ..roles import Role, has_role
from .common import (
    MISMATCH_WARNING,
    NEEDS_TEST_WARNING,
    ViewOnlyInline,
    asks_first,
    input_page,
    run_each,
)
from .export import CsvExportMixin
from .history import EventSource, HistoryAdminMixin, record_events

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


# The lot actions each role is offered; ministry officers and superusers are offered all of them.
# The services check the roles again: this keeps people from being offered what they may not do.
LOT_ACTIONS_BY_ROLE = {
    Role.INSPECTOR: {"release_on_inspection", "put_on_hold", "reject"},
    Role.WAREHOUSE_CLERK: {"dispatch_to_hospital", "record_return"},
}


def role_offers(user, action: str) -> bool:
    """Whether the user's roles offer this lot action (or the page behind it)."""
    if has_role(user, Role.MINISTRY_OFFICER):
        return True
    return any(
        action in names and has_role(user, role) for role, names in LOT_ACTIONS_BY_ROLE.items()
    )


MISMATCH_OVERRIDE_WARNING = (
    "{mismatch} Selected lots with this mismatch: {lots}. They are released only with a "
    "ministry officer's written override: say in the override field why they may be used anyway."
)


def warns_of_mismatch(
    warning: str, *, lots: Callable[[QuerySet], QuerySet[Lot]] = lambda selected: selected
) -> Callable[[QuerySet], str]:
    """The warning of an action that may release lots, led by a notice naming the selected lots
    with an intended-use mismatch (they need the form's override field). `lots` gives the lots of
    the selected objects; for an action on lots, the selection itself."""

    def text(selected: QuerySet) -> str:
        rule = PurchaseOrderLine.intended_use_mismatch_q("order_line__")
        mismatched = [str(lot) for lot in lots(selected).filter(rule)]
        if not mismatched:
            return warning
        notice = MISMATCH_OVERRIDE_WARNING.format(
            mismatch=MISMATCH_WARNING, lots=", ".join(mismatched)
        )
        return f"{notice} {warning}"

    return text


SUPPLIER_RETURN_WARNING = (
    "Every unit the warehouse holds of each selected lot goes back to its supplier, and the lot "
    "becomes disposed: this is final. Only rejected or recalled lots, once no hospital holds "
    "units and none are in transit back."
)


def _supplier_return_warning(selected: QuerySet[Lot]) -> str:
    """The warning of the return action, with the credit each lot gets when no amount is given
    (the selection comes from `LotAdmin.get_queryset`, with its warehouse units)."""
    defaults = []
    for lot in selected:
        line = lot.order_line
        credit = services.credit_claim_default(order_line=line, quantity=lot.warehouse_units)
        defaults.append(
            f"{lot}: {lot.warehouse_units:,} units at {line.unit_price} {line.currency} = "
            f"{credit:,} {line.currency}"
        )
    return f"{SUPPLIER_RETURN_WARNING} Credit claimed when the amount is left blank: " + (
        "; ".join(defaults) + "."
    )


# Who may read a lot's traceability page (inspections/reports/views.py, TRACE_ROLES): those who
# see lots and their inspections. Only they are offered the link to it.
TRACE_ROLES = (Role.MINISTRY_OFFICER, Role.INSPECTOR)


def _warehouse_units():
    balance = StockBalance.objects.filter(
        lot=OuterRef("pk"), location__kind=LocationKind.WAREHOUSE
    ).values("quantity")[:1]
    return Coalesce(Subquery(balance), Value(0))


@admin.register(Lot)
class LotAdmin(HistoryAdminMixin, CsvExportMixin, admin.ModelAdmin):
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

    @admin.action(description="Release on documents (emergency)", permissions=["change"])
    @asks_first(
        admin_forms.ReleaseOnDocumentsForm,
        title="Emergency release on documents",
        submit="Release on documents",
        warning=warns_of_mismatch(
            "An emergency release on documents alone: the lots may be dispatched at once, but "
            "each still needs a test (an inspection) and is listed as needing one until then. "
            "Say why the release cannot wait."
        ),
    )
    def release_on_documents(
        self, request, queryset, *, reason: str, mismatch_override: str = ""
    ) -> int:
        def release(lot):
            services.lot_release(
                lot=lot,
                actor=request.user,
                basis=ReleaseBasis.DOCUMENTS,
                reason=reason,
                mismatch_override=mismatch_override,
            )

        return run_each(
            self, request, queryset, release, "Released on documents, still to be tested"
        )

    @admin.action(description="Correct manufacturing or expiry date", permissions=["change"])
    @asks_first(
        admin_forms.CorrectDatesForm,
        title="Correct a lot's dates",
        submit="Correct the dates",
        warning=(
            "The expiry date decides whether a lot may be dispatched. Give the dates as printed "
            "on the goods and say where they come from; the old dates stay in the lot's events."
        ),
    )
    def correct_dates(self, request, queryset, *, reason: str, manufactured_on, expires_on) -> int:
        def correct(lot):
            # A blank date is left as it is on each lot (the service takes both dates).
            services.lot_correct_dates(
                lot=lot,
                actor=request.user,
                manufactured_on=manufactured_on or lot.manufactured_on,
                expires_on=expires_on or lot.expires_on,
                reason=reason,
            )

        return run_each(self, request, queryset, correct, "Dates corrected")

    @admin.action(description="Release on accepted inspection", permissions=["change"])
    @asks_first(
        admin_forms.ReleaseOnInspectionForm,
        title="Release on an accepted inspection",
        submit="Release",
        warning=warns_of_mismatch("Give the inspection or laboratory report the release rests on."),
    )
    def release_on_inspection(
        self, request, queryset, *, reason: str, mismatch_override: str = ""
    ) -> int:
        def release(lot):
            services.lot_release(
                lot=lot,
                actor=request.user,
                basis=ReleaseBasis.INSPECTION,
                reason=reason,
                mismatch_override=mismatch_override,
            )

        return run_each(self, request, queryset, release, "Released on inspection")

    @admin.action(description="Put on hold", permissions=["change"])
    @asks_first(admin_forms.ReasonForm, title="Put lots on hold", submit="Put on hold")
    def put_on_hold(self, request, queryset, *, reason: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda lot: services.lot_hold(lot=lot, actor=request.user, reason=reason),
            "Put on hold",
        )

    @admin.action(description="Reject", permissions=["change"])
    @asks_first(
        admin_forms.ReasonForm,
        title="Reject lots",
        submit="Reject",
        warning="Only lots of which no unit ever left the warehouse can be rejected.",
    )
    def reject(self, request, queryset, *, reason: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda lot: services.lot_reject(lot=lot, actor=request.user, reason=reason),
            "Rejected",
        )

    @admin.action(description="Recall", permissions=["change"])
    @asks_first(
        admin_forms.ReasonForm,
        title="Recall lots",
        submit="Recall",
        warning="Only lots with units dispatched to hospitals can be recalled.",
    )
    def recall(self, request, queryset, *, reason: str) -> int:
        return run_each(
            self,
            request,
            queryset,
            lambda lot: services.lot_recall(lot=lot, actor=request.user, reason=reason),
            "Recalled",
        )

    @admin.action(description="Dispose (return to supplier or destroy)", permissions=["change"])
    @asks_first(
        admin_forms.DisposeForm,
        title="Dispose of lots",
        submit="Dispose",
        warning=(
            "The warehouse stock of each rejected or recalled lot leaves the ministry for good. "
            "Units still at hospitals must be returned first."
        ),
    )
    def dispose(self, request, queryset, *, method: str, reason: str, reference: str) -> int:
        def dispose(lot):
            services.lot_dispose(
                lot=lot, actor=request.user, method=method, reason=reason, reference=reference
            )

        return run_each(self, request, queryset, dispose, "Disposed")

    @admin.action(description="Return to supplier with a credit claim", permissions=["change"])
    @asks_first(
        admin_forms.SupplierReturnForm,
        title="Return lots to the supplier with a credit claim",
        submit="Return to supplier",
        warning=_supplier_return_warning,
    )
    def return_to_supplier(
        self, request, queryset, *, authorisation_reference: str, credit_amount, reason: str
    ) -> int:
        if credit_amount is not None and queryset.count() > 1:
            self.message_user(
                request,
                "A credit amount is for one lot: select one lot, or leave the amount blank to "
                "claim each lot's default.",
                messages.ERROR,
            )
            return 0

        def return_lot(lot):
            services.supplier_return_create(
                lot=lot,
                actor=request.user,
                authorisation_reference=authorisation_reference,
                credit_amount=credit_amount,
                reason=reason,
            )

        return run_each(self, request, queryset, return_lot, "Returned to the supplier")

    @admin.action(description="Dispatch to hospital (one lot)", permissions=["change"])
    def dispatch_to_hospital(self, request, queryset):
        return self._one_lot(request, queryset, "admin:procurement_lot_dispatch", "dispatch")

    @admin.action(description="Record a return from a hospital (one lot)", permissions=["change"])
    def record_return(self, request, queryset):
        return self._one_lot(
            request, queryset, "admin:procurement_lot_return", "record a return for"
        )

    def _one_lot(self, request, queryset, url_name: str, what: str):
        pks = list(queryset.values_list("pk", flat=True)[:2])
        if len(pks) != 1:
            self.message_user(request, f"Select exactly one lot to {what}.", messages.WARNING)
            return None
        return redirect(url_name, pks[0])

    def get_urls(self):
        return [
            path(
                "<path:object_id>/dispatch/",
                self.admin_site.admin_view(self.dispatch_view),
                name="procurement_lot_dispatch",
            ),
            path(
                "<path:object_id>/return/",
                self.admin_site.admin_view(self.return_view),
                name="procurement_lot_return",
            ),
            *super().get_urls(),
        ]

    def dispatch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        lot = self._lot_to_act_on(request, object_id, "dispatch_to_hospital")
        form = admin_forms.DispatchForm(_posted(request), admin_site=self.admin_site)

        def dispatch(data) -> str:
            distribution = services.distribution_dispatch(lot=lot, actor=request.user, **data)
            return f"Dispatched {distribution}."

        return self._one_lot_page(
            request,
            lot,
            form,
            dispatch,
            title=f"Dispatch lot {lot} to a hospital",
            submit="Dispatch",
            warning=f"{lot.warehouse_units:,} units of {lot.product} are in the warehouse.",
        )

    def return_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        lot = self._lot_to_act_on(request, object_id, "record_return")
        form = admin_forms.ReturnForm(_posted(request), lot=lot)

        def record(data) -> str:
            services.stock_return_from_hospital(lot=lot, actor=request.user, **data)
            return (
                f"Recorded the return of {data['quantity']:,} units of lot {lot} from "
                f"{data['hospital']} to the central warehouse."
            )

        holding = form.fields["hospital"].queryset.exists()
        return self._one_lot_page(
            request,
            lot,
            form,
            record,
            title=f"Record a return of lot {lot} from a hospital",
            submit="Record the return",
            warning=(
                "The units go back into the central warehouse."
                if holding
                else f"No hospital holds units of lot {lot}: there is nothing to return."
            ),
        )

    def _lot_to_act_on(self, request: HttpRequest, object_id: str, action: str) -> Lot:
        lot = self.get_object(request, object_id)
        if lot is None:
            raise Http404("No such lot.")
        if not (self.has_change_permission(request, lot) and role_offers(request.user, action)):
            raise PermissionDenied
        return lot

    def _one_lot_page(self, request, lot: Lot, form, call, **page) -> HttpResponse:
        """Run `call` with the form's data; on a refusal keep the input and show why."""
        if form.is_bound and form.is_valid():
            try:
                done = call(form.cleaned_data)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:procurement_lot_change", lot.pk)
        cancel_url = reverse("admin:procurement_lot_change", args=[lot.pk])
        return input_page(self, request, form=form, cancel_url=cancel_url, **page)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None
