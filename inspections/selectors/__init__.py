"""Reads of the quality side that are more than one filter(), by subject: `inspections` (the plan
a lot will be inspected under, the inspector's queue, the API's list), `complaints`, `recalls`
(who got units of a lot, the recall's effectiveness), `dashboard` and `recovery` (the ministry
dashboard), `portal` (what a hospital's staff see) and `reports` (the figures of the ministry's
reports). The first three are named here; the others are imported as modules.
"""

from .complaints import complaints_for_user
from .inspections import (
    LotPlan,
    criteria_for,
    inspection_plan_for,
    inspections_with_findings,
    lot_plan,
    lots_awaiting_first_inspection,
    lots_awaiting_override,
    lots_awaiting_second_inspection,
    lots_needing_recall,
    lots_with_inspection_requested,
    next_stage,
    supplier_state,
    unit_criteria,
    with_latest_inspection,
)
from .recalls import (
    Consignee,
    Effectiveness,
    FailedDelivery,
    HospitalEffectiveness,
    LotUnits,
    Units,
    hospital_returns_for_user,
    notice_deliveries_with_last_attempt,
    recall_consignees,
    recall_effectiveness,
    recalls_effectiveness,
    recalls_with_lots,
)

__all__ = [
    "Consignee",
    "Effectiveness",
    "FailedDelivery",
    "HospitalEffectiveness",
    "LotPlan",
    "LotUnits",
    "Units",
    "complaints_for_user",
    "criteria_for",
    "hospital_returns_for_user",
    "inspection_plan_for",
    "inspections_with_findings",
    "lot_plan",
    "lots_awaiting_first_inspection",
    "lots_awaiting_override",
    "lots_awaiting_second_inspection",
    "lots_needing_recall",
    "lots_with_inspection_requested",
    "next_stage",
    "notice_deliveries_with_last_attempt",
    "recall_consignees",
    "recall_effectiveness",
    "recalls_effectiveness",
    "recalls_with_lots",
    "supplier_state",
    "unit_criteria",
    "with_latest_inspection",
]
