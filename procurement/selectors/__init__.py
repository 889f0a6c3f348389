"""Reads of the supply side that are more than one filter(), by subject: `hospitals` (who sees
which hospital's records: hospital scoping lives there and nowhere else), `lots` (where they
stand, units by location), `ledger` (the ledger check), `lists` (what the API's and the panel's
lists read), `planning` (the distribution planner's lots) and `imports` (CSV import jobs). The
first four are named here; `planning` and `imports` are imported as modules (they read through
services' rules, which import this package).
"""

from .hospitals import (
    distributions_for_user,
    hospitals_for_user,
    hospitals_holding,
    hospitals_stock_on_hand,
    user_language,
    user_may_act_for_hospital,
)
from .ledger import LotLedger, ledger_violations
from .lists import (
    lots_for_list,
    movements_for_list,
    order_events,
    orders_with_lines,
    shipments_with_lots,
    supplier_returns_for_list,
)
from .lots import (
    LocationUnits,
    LotUnits,
    lot_count,
    lot_status_counts,
    lot_units_at_hospital,
    lot_units_by_location,
    lot_was_dispatched,
    lots_awaiting_inspection,
    lots_dispatchable,
    lots_needing_test,
    oldest_quarantined_receipt,
)

__all__ = [
    "LocationUnits",
    "LotLedger",
    "LotUnits",
    "distributions_for_user",
    "hospitals_for_user",
    "hospitals_holding",
    "hospitals_stock_on_hand",
    "ledger_violations",
    "lot_count",
    "lot_status_counts",
    "lot_units_at_hospital",
    "lot_units_by_location",
    "lot_was_dispatched",
    "lots_awaiting_inspection",
    "lots_dispatchable",
    "lots_for_list",
    "lots_needing_test",
    "movements_for_list",
    "oldest_quarantined_receipt",
    "order_events",
    "orders_with_lines",
    "shipments_with_lots",
    "supplier_returns_for_list",
    "user_language",
    "user_may_act_for_hospital",
]
