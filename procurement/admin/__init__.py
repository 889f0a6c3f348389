"""The ministry panel.

Reference data (standards, suppliers, products, hospitals) is edited here directly. Everything
with a status or a quantity is read-only: it changes only through the admin actions and three
small views (receive a shipment, dispatch a lot, record a return from a hospital), each of which
calls a service in `procurement.services`. A service that refuses raises a `DomainError`; its
message is shown to the person as it is, and the other selected objects still go ahead (when it
refuses every one of them, the action's page stays open with the input as typed). Lot actions
are offered by role: inspectors decide, warehouse clerks move stock, officers do everything.
"""

from . import imports, ledger, lots, orders, reference, shipments, supplier_returns, tokens

__all__ = [
    "imports",
    "ledger",
    "lots",
    "orders",
    "reference",
    "shipments",
    "supplier_returns",
    "tokens",
]
