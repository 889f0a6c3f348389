"""Every write that matters on the supply side. Pages, admin actions, the API, tasks and the demo
loader all call these functions; nothing else changes a status or a quantity.

Each service locks what it changes (`select_for_update`), checks its guard, writes with
`update_fields`, records an event row in the same transaction, and raises a `DomainError` with a
message for people when the move is not allowed. Asking for the status a lot is already in is a
no-op.

By subject: `orders` (create, place, cancel), `receiving` (shipments into quarantined lots),
`lots` (a lot's status and dates, and the lock/move/event helpers the others share),
`supplier_returns` (returns to the supplier and their credit claims), `distribution` (dispatch,
receipt confirmation, use at hospitals), `returns` (units coming back from hospitals, reported
use of recalled lots), `planning` (a distribution plan: many hospitals at once, all or none),
`ledger` (the movements and balances every quantity change writes), `imports` (CSV import jobs
and the rows they write), `guards` (the checks inspections adds), `preferences`,
`ledger_watch`, `tokens` (API tokens for other systems) and `webhook_payloads` (what this side's
webhook events carry; `core.outbox.webhooks` publishes them). The dependency runs one way:
`ledger` and `guards` <- `orders`, `lots` <- the rest.

Callers import from here: `from procurement import services; services.lot_release(...)`. A test
that replaces a function a service calls patches the submodule where that service looks it up
(`procurement.services.receiving._check_lots_fit_order`), not this package.
"""

from .distribution import (
    NO_CONSUMPTION_STATUSES,
    distribution_confirm_receipt,
    distribution_dispatch,
    distribution_dispatch_many,
    lot_dispatch_refusal,
    receipt_discrepancy_email_key,
    stock_consume,
)
from .guards import ReceiptGuard, ReleaseGuard, receipt_guards, release_guards
from .ledger_watch import ledger_check_report
from .lots import (
    DISPOSAL_KINDS,
    lot_correct_dates,
    lot_dispose,
    lot_hold,
    lot_recall,
    lot_reject,
    lot_release,
)
from .orders import OrderLineInput, order_cancel, order_create, order_place
from .planning import distribution_plan_dispatch
from .preferences import user_language_set
from .receiving import LotInput, shipment_receive
from .returns import (
    RETURN_REFERENCE_MAX,
    RETURNABLE_STATUSES,
    recall_use_report,
    return_receive,
    return_ship,
    stock_return_from_hospital,
)
from .supplier_returns import (
    CENT,
    MAX_CREDIT,
    credit_claim_default,
    credit_claim_set_status,
    supplier_return_create,
)
from .tokens import api_token_authenticate, api_token_create, api_token_revoke

__all__ = [
    "CENT",
    "DISPOSAL_KINDS",
    "MAX_CREDIT",
    "NO_CONSUMPTION_STATUSES",
    "RETURNABLE_STATUSES",
    "RETURN_REFERENCE_MAX",
    "LotInput",
    "OrderLineInput",
    "ReceiptGuard",
    "ReleaseGuard",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "credit_claim_default",
    "credit_claim_set_status",
    "distribution_confirm_receipt",
    "distribution_dispatch",
    "distribution_dispatch_many",
    "distribution_plan_dispatch",
    "ledger_check_report",
    "lot_correct_dates",
    "lot_dispatch_refusal",
    "lot_dispose",
    "lot_hold",
    "lot_recall",
    "lot_reject",
    "lot_release",
    "order_cancel",
    "order_create",
    "order_place",
    "recall_use_report",
    "receipt_discrepancy_email_key",
    "receipt_guards",
    "release_guards",
    "return_receive",
    "return_ship",
    "shipment_receive",
    "stock_consume",
    "stock_return_from_hospital",
    "supplier_return_create",
    "user_language_set",
]
