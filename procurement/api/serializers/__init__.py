"""What the supply side's API reads and takes, by subject. Read serializers show a model as it is;
input serializers only shape a request: the service checks the rules.
"""

from .common import (
    MAX_UNITS,
    TEXT_MAX,
    OptionalReasonSerializer,
    ReadOnlyModelSerializer,
    ReasonSerializer,
)
from .distribution import (
    DispatchSerializer,
    DistributionSerializer,
    DistributionStatus,
    ReceiptConfirmSerializer,
    StockMovementSerializer,
    UseRecordedSerializer,
    UseRecordSerializer,
)
from .lots import (
    LocationKindTotalsSerializer,
    LocationUnitsSerializer,
    LotCorrectDatesSerializer,
    LotDisposeSerializer,
    LotEventSerializer,
    LotInputSerializer,
    LotReleaseSerializer,
    LotSerializer,
    LotTraceabilitySerializer,
    ShipmentReceiveSerializer,
    ShipmentSerializer,
)
from .orders import (
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderLineInputSerializer,
    OrderLineSerializer,
    PurchaseOrderSerializer,
)
from .reference import HospitalSerializer, ProductSerializer, StandardSerializer, SupplierSerializer
from .supplier_returns import (
    CreditClaimEventSerializer,
    CreditClaimStatusSerializer,
    SupplierReturnCreateSerializer,
    SupplierReturnSerializer,
)

__all__ = [
    "MAX_UNITS",
    "TEXT_MAX",
    "CreditClaimEventSerializer",
    "CreditClaimStatusSerializer",
    "DispatchSerializer",
    "DistributionSerializer",
    "DistributionStatus",
    "HospitalSerializer",
    "LocationKindTotalsSerializer",
    "LocationUnitsSerializer",
    "LotCorrectDatesSerializer",
    "LotDisposeSerializer",
    "LotEventSerializer",
    "LotInputSerializer",
    "LotReleaseSerializer",
    "LotSerializer",
    "LotTraceabilitySerializer",
    "OptionalReasonSerializer",
    "OrderCreateSerializer",
    "OrderEventSerializer",
    "OrderLineInputSerializer",
    "OrderLineSerializer",
    "ProductSerializer",
    "PurchaseOrderSerializer",
    "ReadOnlyModelSerializer",
    "ReasonSerializer",
    "ReceiptConfirmSerializer",
    "ShipmentReceiveSerializer",
    "ShipmentSerializer",
    "StandardSerializer",
    "StockMovementSerializer",
    "SupplierReturnCreateSerializer",
    "SupplierReturnSerializer",
    "SupplierSerializer",
    "UseRecordSerializer",
    "UseRecordedSerializer",
]
