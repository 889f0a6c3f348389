"""The supply side's resources under /api/v1/, by subject. Each viewset reads through a selector
(scoping happens there) and changes state only in its actions, which call services.
"""

from .common import DECIDERS, DISPATCHERS, OFFICER, ActionRole, ServiceActions
from .distribution import DistributionViewSet, StockMovementViewSet
from .lots import LotViewSet, ShipmentViewSet
from .orders import PurchaseOrderViewSet
from .reference import HospitalViewSet, ProductViewSet, StandardViewSet, SupplierViewSet
from .supplier_returns import SupplierReturnViewSet

__all__ = [
    "DECIDERS",
    "DISPATCHERS",
    "OFFICER",
    "ActionRole",
    "DistributionViewSet",
    "HospitalViewSet",
    "LotViewSet",
    "ProductViewSet",
    "PurchaseOrderViewSet",
    "ServiceActions",
    "ShipmentViewSet",
    "StandardViewSet",
    "StockMovementViewSet",
    "SupplierReturnViewSet",
    "SupplierViewSet",
]
