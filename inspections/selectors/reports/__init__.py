"""Reads for the reports. Each selector returns a frozen dataclass with everything its page, CSV
and PDF need, read in a fixed number of queries whatever the number of hospitals, events,
inspections or lots (the tests hold them to it).

- `lot_trace(lot)`: a lot's whole life: order and line, shipment, certificates, inspections with
  their sampling plans and verdicts, every event of every kind, where every unit is now (the
  ledger's balances: the sum is what was received), complaints, recalls, returns.
- `recall_status_report(recall)`: the status report a recall owes (FDA guidance, EU field safety
  notice process): notices sent and how, who answered, units returned, non-responders, expected
  completion, and the reconciliation delivered = used + returned + destroyed + unaccounted (plus,
  while the recall runs, units on their way back or still on hand at hospitals).
- `supplier_scorecard(supplier)`: lots received, accepted and rejected, rejection rate, the
  inspection level per product category with its history, recalls, open credit claims.
"""

from .common import actor_name
from .lots import (
    LOT_MATCHES_SHOWN,
    PLACE_ORDER,
    HospitalLotUnits,
    LotRecall,
    LotTrace,
    TimelineEntry,
    Whereabouts,
    lot_trace,
    lots_matching,
    lots_numbered,
)
from .recalls import (
    ChannelCount,
    ChannelDelivery,
    NoticeStatus,
    RecallReport,
    Reconciliation,
    recall_status_report,
)
from .suppliers import (
    FAILED_STATUSES,
    OPEN_CLAIM_STATUSES,
    CategoryLevel,
    LevelChange,
    LotFate,
    SupplierScorecard,
    supplier_scorecard,
)

__all__ = [
    "FAILED_STATUSES",
    "LOT_MATCHES_SHOWN",
    "OPEN_CLAIM_STATUSES",
    "PLACE_ORDER",
    "CategoryLevel",
    "ChannelCount",
    "ChannelDelivery",
    "HospitalLotUnits",
    "LevelChange",
    "LotFate",
    "LotRecall",
    "LotTrace",
    "NoticeStatus",
    "RecallReport",
    "Reconciliation",
    "SupplierScorecard",
    "TimelineEntry",
    "Whereabouts",
    "actor_name",
    "lot_trace",
    "lots_matching",
    "lots_numbered",
    "recall_status_report",
    "supplier_scorecard",
]
