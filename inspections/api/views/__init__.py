"""The quality side's resources under /api/v1/, by subject. Each viewset reads through a selector
(scoping happens there) and changes state only in its actions, which call services.
"""

from .common import HOSPITAL, OFFICER, QUALITY, SUB_LIST, QualityMixin, QualityViewSet
from .complaints import ComplaintViewSet
from .inspections import (
    CertificateViewSet,
    InspectionPlanViewSet,
    InspectionViewSet,
    SupplierLevelViewSet,
)
from .notices import HospitalReturnViewSet, NoticeViewSet
from .recalls import RecallViewSet

__all__ = [
    "HOSPITAL",
    "OFFICER",
    "QUALITY",
    "SUB_LIST",
    "CertificateViewSet",
    "ComplaintViewSet",
    "HospitalReturnViewSet",
    "InspectionPlanViewSet",
    "InspectionViewSet",
    "NoticeViewSet",
    "QualityMixin",
    "QualityViewSet",
    "RecallViewSet",
    "SupplierLevelViewSet",
]
