"""Supplier inspection levels: moved by the switching rules as inspections are recorded; an
officer approves reduced inspection, returns a supplier from reduced to normal (irregular
production or other conditions) or reinstates a discontinued supplier through the actions."""

from __future__ import annotations

from django.contrib import admin

from core.admin.common import ViewOnlyAdmin, ViewOnlyInline, asks_first, run_each
from core.admin.forms import ReasonForm
from core.admin.history import EventSource, HistoryAdminMixin, record_events
from procurement.models import Supplier

from .. import services
from ..models import SupplierLevel, SupplierLevelEvent
from .common import ActionsByRole, RoleAccess

_LEVEL_CHANGES = {"from_field": "from_state", "to_field": "to_state"}
record_events(
    SupplierLevel,
    EventSource(SupplierLevelEvent, "level", **_LEVEL_CHANGES, details=(("After", "inspection"),)),
)
# A supplier's history includes its inspection levels (procurement cannot import them).
record_events(
    Supplier,
    EventSource(
        SupplierLevelEvent,
        "level__supplier",
        **_LEVEL_CHANGES,
        details=(("Product category", "level.category"), ("After", "inspection")),
    ),
)


class SupplierLevelEventInline(RoleAccess, ViewOnlyInline):
    model = SupplierLevelEvent
    fields = ["at", "from_state", "to_state", "actor", "reason", "inspection"]
    verbose_name_plural = "changes of level"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "inspection__lot")


@admin.register(SupplierLevel)
class SupplierLevelAdmin(HistoryAdminMixin, RoleAccess, ActionsByRole, ViewOnlyAdmin):
    list_display = [
        "supplier",
        "category",
        "state",
        "reduced_proposed",
        "consecutive_accepted",
        "recent_original",
        "rejected_while_tightened",
    ]
    list_filter = ["state", "category", "reduced_proposed"]
    list_select_related = ["supplier"]
    search_fields = ["supplier__name"]
    fields = [
        "supplier",
        "category",
        "state",
        "reduced_proposed",
        "recent_original",
        "consecutive_accepted",
        "rejected_while_tightened",
    ]
    readonly_fields = fields
    inlines = [SupplierLevelEventInline]
    actions = ["approve_reduced", "return_to_normal", "reinstate"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("supplier")

    @admin.action(description="Approve reduced inspection")
    @asks_first(
        ReasonForm,
        title="Approve reduced inspection",
        submit="Approve reduced inspection",
        warning=(
            "Reduced inspection takes smaller samples. It can be approved only when it is "
            "proposed: on normal inspection, after 10 lots in a row were accepted."
        ),
    )
    def approve_reduced(self, request, queryset, *, reason: str) -> int:
        def approve(level: SupplierLevel) -> None:
            services.supplier_level_approve_reduced(level=level, actor=request.user, reason=reason)
            level.refresh_from_db()  # the message names the new level

        return run_each(self, request, queryset, approve, "Reduced inspection approved")

    @admin.action(
        description="Return to normal inspection (irregular production or other conditions)"
    )
    @asks_first(
        ReasonForm,
        title="Return to normal inspection",
        submit="Return to normal inspection",
        warning=(
            "Only a supplier on reduced inspection returns to normal, where samples are larger "
            "again. Say what warrants it: production became irregular or delayed, or other "
            "conditions call for normal inspection."
        ),
    )
    def return_to_normal(self, request, queryset, *, reason: str) -> int:
        def back_to_normal(level: SupplierLevel) -> None:
            services.supplier_level_return_to_normal(level=level, actor=request.user, reason=reason)
            level.refresh_from_db()  # the message names the new level

        return run_each(self, request, queryset, back_to_normal, "Returned to normal inspection")

    @admin.action(description="Reinstate supplier (after corrective action)")
    @asks_first(
        ReasonForm,
        title="Reinstate a discontinued supplier",
        submit="Reinstate",
        warning=(
            "The supplier's lots of this category are received again, on tightened inspection. "
            "Name the corrective action the supplier took."
        ),
    )
    def reinstate(self, request, queryset, *, reason: str) -> int:
        def reinstate(level: SupplierLevel) -> None:
            services.supplier_level_reinstate(level=level, actor=request.user, reason=reason)
            level.refresh_from_db()  # the message names the new level

        return run_each(self, request, queryset, reinstate, "Reinstated on tightened inspection")
