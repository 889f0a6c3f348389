"""The ministry panel.

Reference data (standards, suppliers, products, hospitals) is edited here directly. Everything
with a status or a quantity is read-only: it changes only through the admin actions and the two
small views (receive a shipment, dispatch a lot), each of which calls a service in
`procurement.services`. A service that refuses raises a `DomainError`; its message is shown to
the person as it is, and the other selected objects still go ahead.
"""

from . import ledger, lots, orders, reference, shipments

__all__ = ["ledger", "lots", "orders", "reference", "shipments"]
