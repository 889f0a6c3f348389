"""Every write of the quality side, by subject: `inspections` (recording one and the decisions it
takes), `levels` (the supplier's inspection level), `certificates`, `complaints` (problems
hospitals report), `recalls` (preparing and issuing a recall), `notices` (delivering recall
notices through their outbox rows) and `replies` (a hospital's answer to its notice, its
returns and their receipt at the warehouse).
Callers import from here: `from inspections import services; services.inspection_record(...)`."""

from .certificates import certificate_set_verification, refuse_release_on_dead_documents
from .complaints import (
    COMPLAINT_EMAILS,
    complaint_close,
    complaint_email_key,
    complaint_escalate,
    complaint_report,
)
from .inspections import (
    InspectionInput,
    Panel,
    inspection_conflict_decide,
    inspection_record,
)
from .levels import (
    refuse_discontinued_supplier,
    supplier_level_approve_reduced,
    supplier_level_reinstate,
    supplier_level_return_to_normal,
)
from .recalls import (
    recall_cancel,
    recall_close,
    recall_create,
    recall_defaults_from_inspection,
    recall_issue,
    recall_may_move,
    recall_reopen,
    recall_start_closing,
)
from .replies import (
    ExplanationNeeded,
    hospital_return_receive,
    hospital_return_ship,
    notice_reply,
)

__all__ = [
    "COMPLAINT_EMAILS",
    "ExplanationNeeded",
    "InspectionInput",
    "Panel",
    "certificate_set_verification",
    "complaint_close",
    "complaint_email_key",
    "complaint_escalate",
    "complaint_report",
    "hospital_return_receive",
    "hospital_return_ship",
    "inspection_conflict_decide",
    "inspection_record",
    "notice_reply",
    "recall_cancel",
    "recall_close",
    "recall_create",
    "recall_defaults_from_inspection",
    "recall_issue",
    "recall_may_move",
    "recall_reopen",
    "recall_start_closing",
    "refuse_discontinued_supplier",
    "refuse_release_on_dead_documents",
    "supplier_level_approve_reduced",
    "supplier_level_reinstate",
    "supplier_level_return_to_normal",
]
