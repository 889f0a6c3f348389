"""What the supply side's webhook events carry (`data` of `lot.status_changed` and
`return.received`; the fields are listed in `core.outbox.webhooks`)."""

from __future__ import annotations

from collections.abc import Callable

from core.outbox.webhooks import webhook_publish

from ..models import Hospital, Lot, LotEvent


def lot_ref(lot: Lot) -> dict:
    """A lot as every payload names it."""
    product = lot.order_line.product
    return {
        "id": lot.pk,
        "number": lot.lot_number,
        "product": {"sku": product.sku, "name": product.name},
    }


def lot_status_changed_payload(event: LotEvent) -> dict:
    return {
        "lot": lot_ref(event.lot),
        "from": event.from_status,
        "to": event.to_status,
        "reason": event.reason,
        "by": event.actor.get_username() if event.actor else None,
        "at": event.at,
        "lot_event_id": event.pk,
    }


def return_received_payload(event: LotEvent, hospital: Hospital) -> dict:
    """Units a hospital sent back, counted at the warehouse: after a shipment in transit
    (`return_receive`) or handed in directly (`stock_return_from_hospital`)."""
    data = event.data
    shipped = data.get("shipped", data.get("quantity"))
    received = data.get("received", data.get("quantity"))
    return {
        "lot": lot_ref(event.lot),
        "hospital": {"code": hospital.code, "name": hospital.name},
        "shipped": shipped,
        "received": received,
        "missing": shipped - received,
        "reference": data.get("reference", ""),
        "remark": event.reason,
        "received_by": event.actor.get_username() if event.actor else None,
        "at": event.at,
        "lot_event_id": event.pk,
    }


def lot_event_publish(event: LotEvent, webhook_event: str, payload: Callable[[], dict]) -> None:
    """Publish a change recorded as a lot event; the event row names it for good."""
    webhook_publish(event=webhook_event, payload=payload, key=f"lot-event:{event.pk}")
