"""Supply-side tables: what the ministry bought, what arrived, and where every unit is.

Statuses and quantities on these tables are written only by `procurement.services`; the admin,
pages, API and tasks call those services. Every status change leaves an event row, and stock is an
append-only ledger (`StockMovement`) with a per-location balance (`StockBalance`) kept beside it.
One module per aggregate; this package names them all.
"""

from .distribution import Distribution
from .imports import (
    IMPORT_TRANSITIONS,
    ImportJob,
    ImportJobEvent,
    ImportKind,
    ImportStatus,
    import_job_upload_to,
)
from .lots import LOT_TRANSITIONS, Lot, LotEvent, LotStatus, ReleaseBasis, Shipment, lot_may_move
from .orders import ORDER_TRANSITIONS, OrderEvent, OrderStatus, PurchaseOrder, PurchaseOrderLine
from .reference import (
    Hospital,
    HospitalMembership,
    IntendedUse,
    Product,
    ProductCategory,
    Standard,
    Supplier,
    UserPreference,
)
from .stock import (
    TERMINAL_LOCATION_KINDS,
    Location,
    LocationKind,
    MovementKind,
    StockBalance,
    StockMovement,
)
from .supplier_returns import (
    CREDIT_CLAIM_TRANSITIONS,
    CreditClaimEvent,
    CreditClaimStatus,
    SupplierReturn,
)
from .tokens import ApiToken

__all__ = [
    "CREDIT_CLAIM_TRANSITIONS",
    "IMPORT_TRANSITIONS",
    "LOT_TRANSITIONS",
    "ORDER_TRANSITIONS",
    "TERMINAL_LOCATION_KINDS",
    "ApiToken",
    "CreditClaimEvent",
    "CreditClaimStatus",
    "Distribution",
    "Hospital",
    "HospitalMembership",
    "ImportJob",
    "ImportJobEvent",
    "ImportKind",
    "ImportStatus",
    "IntendedUse",
    "Location",
    "LocationKind",
    "Lot",
    "LotEvent",
    "LotStatus",
    "MovementKind",
    "OrderEvent",
    "OrderStatus",
    "Product",
    "ProductCategory",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReleaseBasis",
    "Shipment",
    "Standard",
    "StockBalance",
    "StockMovement",
    "Supplier",
    "SupplierReturn",
    "UserPreference",
    "import_job_upload_to",
    "lot_may_move",
]
