"""Checks other apps add without procurement importing them (the dependency runs one way:
inspections imports procurement). Each guard raises a DomainError to refuse. inspections
registers its guards in InspectionsConfig.ready().

Each list is defined here, once, and re-exported by the package: the guards inspections appends
through `procurement.services` land in the very list `receiving` and `lots` iterate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Lot, PurchaseOrder
    from .receiving import LotInput

ReceiptGuard = Callable[["PurchaseOrder", Sequence["LotInput"]], None]
ReleaseGuard = Callable[["Lot", str], None]
receipt_guards: list[ReceiptGuard] = []
release_guards: list[ReleaseGuard] = []
