"""The lot list's status actions: each asks for its reason (and evidence, dates or credit where
the service needs them) on an intermediate page and calls one service per selected lot."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet

from core.admin.common import (
    asks_first,
    run_each,
)
from core.admin.forms import ReasonForm
from core.roles import Role, has_role

from .. import admin_forms, services
from ..models import (
    Lot,
    PurchaseOrderLine,
    ReleaseBasis,
)

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


NEEDS_TEST_WARNING = (
    "Released on documents alone: this lot is in use but still needs a test (an inspection)."
)
MISMATCH_WARNING = (
    "Intended-use mismatch: ordered for medical use, but the product is certified only to a "
    "non-medical standard (or to none)."
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


class LotStatusActions:
    """Release, hold, reject, recall, dispose, return to the supplier, correct dates."""

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
    @asks_first(ReasonForm, title="Put lots on hold", submit="Put on hold")
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
        ReasonForm,
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
        ReasonForm,
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
