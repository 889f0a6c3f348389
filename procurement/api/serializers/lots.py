"""Shipments and lots: what they show, what receiving, releasing, disposing and correcting take,
and a lot's traceability."""

from __future__ import annotations

from rest_framework import serializers

from ...models import (
    LocationKind,
    Lot,
    LotEvent,
    PurchaseOrder,
    PurchaseOrderLine,
    ReleaseBasis,
    Shipment,
)
from ...services import DISPOSAL_KINDS
from .common import MAX_UNITS, TEXT_MAX, ReadOnlyModelSerializer


class LotSerializer(ReadOnlyModelSerializer):
    """A lot's row: its own fields and the ids of what it belongs to. Kept flat and free of
    per-row lookups: the lots list is the API's busiest."""

    # Annotated by `selectors.lots_for_list`, which every lot the API shows is read through.
    product = serializers.CharField(source="product_sku")
    supplier = serializers.IntegerField(source="supplier_pk")
    # Declared: the model field is not editable, and DRF would then leave out that it may be
    # blank (a lot not released yet).
    release_basis = serializers.ChoiceField(choices=ReleaseBasis.choices, allow_blank=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "lot_number",
            "status",
            "release_basis",
            "quantity_received",
            "manufactured_on",
            "expires_on",
            "received_at",
            "released_at",
            "shipment",
            "order_line",
            "product",
            "supplier",
        ]

    def to_representation(self, lot: Lot) -> dict:
        """The row built directly, at a fraction of the generic field-by-field cost (the lots
        list is benchmarked at 100 rows a page). The declared fields still describe it in the
        schema, and a test holds this row equal to what they would produce."""
        return {
            "id": lot.pk,
            "lot_number": lot.lot_number,
            "status": lot.status,
            "release_basis": lot.release_basis,
            "quantity_received": lot.quantity_received,
            "manufactured_on": lot.manufactured_on.isoformat() if lot.manufactured_on else None,
            "expires_on": lot.expires_on.isoformat() if lot.expires_on else None,
            "received_at": _MOMENT.to_representation(lot.received_at),
            "released_at": _MOMENT.to_representation(lot.released_at) if lot.released_at else None,
            "shipment": lot.shipment_id,
            "order_line": lot.order_line_id,
            "product": lot.product_sku,
            "supplier": lot.supplier_pk,
        }


# Formats a moment as every other DateTimeField of the API does (in the site's time zone).
_MOMENT = serializers.DateTimeField()


class LotEventSerializer(ReadOnlyModelSerializer):
    """One thing that happened to a lot: who, when, from which status to which, and why."""

    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = LotEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "at", "reason", "data"]


class ShipmentSerializer(ReadOnlyModelSerializer):
    """A delivery from the supplier against an order, with the lots it was received in."""

    received_by = serializers.CharField(
        source="received_by.username", default=None, allow_null=True
    )
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = ["id", "order", "reference", "received_at", "received_by", "notes", "lots"]


class LotInputSerializer(serializers.Serializer):
    order_line = serializers.PrimaryKeyRelatedField(queryset=PurchaseOrderLine.objects.all())
    lot_number = serializers.CharField(max_length=60)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    manufactured_on = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class ShipmentReceiveSerializer(serializers.Serializer):
    """A shipment arriving against a placed order, in one or more lots."""

    order = serializers.PrimaryKeyRelatedField(queryset=PurchaseOrder.objects.all())
    reference = serializers.CharField(max_length=60)
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Now when not given."
    )
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    lots = LotInputSerializer(many=True, allow_empty=False)


class LotReleaseSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(
        choices=ReleaseBasis.choices,
        help_text="`inspection`: on an accepted inspection (name it in the reason). "
        "`documents`: an emergency release on documents alone, by a ministry officer.",
    )
    reason = serializers.CharField(max_length=TEXT_MAX)
    mismatch_override = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="A ministry officer's written override, needed when the lot's order line has "
        "an intended-use mismatch.",
    )


class LotDisposeSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in DISPOSAL_KINDS],
        help_text="Return the warehouse's units to the supplier, or destroy them.",
    )
    reason = serializers.CharField(max_length=TEXT_MAX)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class LotCorrectDatesSerializer(serializers.Serializer):
    """A date left out keeps the lot's; a date given as null clears it."""

    manufactured_on = serializers.DateField(required=False, allow_null=True)
    expires_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=TEXT_MAX)


class LocationUnitsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LocationKind.choices, read_only=True)
    location = serializers.IntegerField(read_only=True)
    hospital = serializers.IntegerField(read_only=True, allow_null=True)
    hospital_code = serializers.CharField(read_only=True)
    hospital_name = serializers.CharField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)


def _totals_serializer() -> type[serializers.Serializer]:
    """Units per location kind, one field for each kind, so the schema names them all."""
    fields = {
        kind.value: serializers.IntegerField(read_only=True, help_text=str(kind.label))
        for kind in LocationKind
    }
    return type("LocationKindTotalsSerializer", (serializers.Serializer,), fields)


LocationKindTotalsSerializer = _totals_serializer()


class LotTraceabilitySerializer(serializers.Serializer):
    """Where every unit of a lot is now. `by_kind` adds up to `accounted`, which equals
    `quantity_received` while the ledger is right."""

    lot = serializers.IntegerField(source="lot.pk", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    status = serializers.CharField(source="lot.status", read_only=True)
    quantity_received = serializers.IntegerField(source="lot.quantity_received", read_only=True)
    accounted = serializers.IntegerField(read_only=True)
    held = serializers.IntegerField(
        read_only=True,
        help_text="Units still in the ministry's hands: warehouse, hospitals, returns in transit.",
    )
    by_kind = LocationKindTotalsSerializer(read_only=True)
    locations = LocationUnitsSerializer(many=True, read_only=True)

    def to_representation(self, units) -> dict:
        """The answer built directly: field by field, a lot at 200 hospitals cost 40 ms of
        serializer work a request, several times the query (`bench.traceability`). The declared
        fields still describe it in the schema; a test holds the two equal."""
        lot = units.lot
        return {
            "lot": lot.pk,
            "lot_number": lot.lot_number,
            "status": lot.status,
            "quantity_received": lot.quantity_received,
            "accounted": units.accounted,
            "held": units.held,
            "by_kind": dict(units.by_kind),
            "locations": [
                {
                    "kind": place.kind,
                    "location": place.location,
                    "hospital": place.hospital,
                    "hospital_code": place.hospital_code,
                    "hospital_name": place.hospital_name,
                    "quantity": place.quantity,
                }
                for place in units.locations
            ],
        }
