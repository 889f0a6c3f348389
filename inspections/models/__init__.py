"""Quality-side tables: what a standard demands, how a lot is sampled and judged, what was found,
how hard each supplier's next lots are inspected, and the complaints, recalls, notices and
returns that follow.

Verdicts are computed by `inspections.services`, never typed in; the plan used is snapshotted on
the inspection so that a later change of tables or supplier level cannot rewrite history. One
module per aggregate; this package names them all.
"""

from .certificates import Certificate, CertificateEvent, VerificationStatus
from .complaints import Complaint, ComplaintCategory, ComplaintEvent, ComplaintStatus
from .inspections import (
    ClassResult,
    CriterionResult,
    Inspection,
    InspectionEvent,
    InspectionStage,
    Outcome,
    PanelResult,
    Verdict,
)
from .levels import LevelState, SupplierLevel, SupplierLevelEvent
from .notices import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeAttempt,
    NoticeDelivery,
    NoticeReply,
    NoticeReplyLine,
    NoticeReplyVersion,
)
from .recalls import (
    RECALL_TRANSITIONS,
    URGENT_CLASSES,
    EffectivenessLevel,
    Recall,
    RecallAction,
    RecallClass,
    RecallDepth,
    RecallEvent,
    RecallStatus,
)
from .returns import HospitalReturn, ReturnStatus
from .standards import Comparison, Criterion, CriterionBasis, DefectClass, InspectionPlan, Severity

__all__ = [
    "RECALL_TRANSITIONS",
    "URGENT_CLASSES",
    "Certificate",
    "CertificateEvent",
    "Channel",
    "ClassResult",
    "Comparison",
    "Complaint",
    "ComplaintCategory",
    "ComplaintEvent",
    "ComplaintStatus",
    "Criterion",
    "CriterionBasis",
    "CriterionResult",
    "DefectClass",
    "DeliveryStatus",
    "EffectivenessLevel",
    "HospitalReturn",
    "Inspection",
    "InspectionEvent",
    "InspectionPlan",
    "InspectionStage",
    "LevelState",
    "Notice",
    "NoticeAttempt",
    "NoticeDelivery",
    "NoticeReply",
    "NoticeReplyLine",
    "NoticeReplyVersion",
    "Outcome",
    "PanelResult",
    "Recall",
    "RecallAction",
    "RecallClass",
    "RecallDepth",
    "RecallEvent",
    "RecallStatus",
    "ReturnStatus",
    "Severity",
    "SupplierLevel",
    "SupplierLevelEvent",
    "Verdict",
    "VerificationStatus",
]
