"""Every write of the quality side, by subject: `lots` (inspections, the decisions they take,
supplier levels, certificates), `complaints` (problems hospitals report), `recalls` (preparing
and issuing a recall) and `notices` (delivering recall notices through their outbox rows).
Callers import from here: `from inspections import services; services.inspection_record(...)`."""

from .complaints import (
    COMPLAINT_EMAILS,
    complaint_close,
    complaint_email_key,
    complaint_escalate,
    complaint_report,
)
from .lots import (
    InspectionInput,
    Panel,
    certificate_set_verification,
    inspection_conflict_decide,
    inspection_record,
    refuse_discontinued_supplier,
    refuse_release_on_dead_documents,
    supplier_level_approve_reduced,
    supplier_level_reinstate,
    supplier_level_return_to_normal,
)
from .recalls import (
    recall_cancel,
    recall_create,
    recall_defaults_from_inspection,
    recall_issue,
)

__all__ = [
    "COMPLAINT_EMAILS",
    "InspectionInput",
    "Panel",
    "certificate_set_verification",
    "complaint_close",
    "complaint_email_key",
    "complaint_escalate",
    "complaint_report",
    "inspection_conflict_decide",
    "inspection_record",
    "recall_cancel",
    "recall_create",
    "recall_defaults_from_inspection",
    "recall_issue",
    "refuse_discontinued_supplier",
    "refuse_release_on_dead_documents",
    "supplier_level_approve_reduced",
    "supplier_level_reinstate",
    "supplier_level_return_to_normal",
]
