"""What the API shows of procurement's objects (output serializers) and what its actions accept
(input serializers). Serializers check the shape of a request; the services check the rules."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Lot, LotEvent, Supplier
from .base import TrackerModelSerializer


class SupplierSerializer(TrackerModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "name", "country", "contact_email", "contact_phone"]


class LotSerializer(TrackerModelSerializer):
    product = serializers.CharField(source="order_line.product.sku", read_only=True)
    supplier = serializers.IntegerField(source="shipment.order.supplier_id", read_only=True)

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
        read_only_fields = fields


class LotEventSerializer(TrackerModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = LotEvent
        fields = ["id", "kind", "from_status", "to_status", "actor", "at", "reason", "data"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    """Input of the actions that only need a reason (hold, reject, recall)."""

    reason = serializers.CharField(max_length=2000)
