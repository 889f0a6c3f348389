"""Purchase orders, their lines and events, and the input that creates one."""

from __future__ import annotations

from rest_framework import serializers

from ...models import (
    IntendedUse,
    OrderEvent,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Standard,
    Supplier,
)
from .common import MAX_UNITS, TEXT_MAX, ReadOnlyModelSerializer


class OrderLineSerializer(ReadOnlyModelSerializer):
    """One product on an order: how many, at what price, to which standard, for what use."""

    intended_use_mismatch = serializers.BooleanField(
        read_only=True,
        help_text="Ordered for medical use, but the product is certified only to a non-medical "
        "standard: its lots need an officer's written override to be released.",
    )

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "product",
            "quantity",
            "unit_price",
            "currency",
            "required_standard",
            "intended_use",
            "intended_use_mismatch",
            "needed_by",
        ]


class PurchaseOrderSerializer(ReadOnlyModelSerializer):
    """A purchase order with its lines. Its status changes through its actions."""

    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "reference",
            "supplier",
            "status",
            "notes",
            "created_at",
            "created_by",
            "placed_at",
            "lines",
        ]


class OrderEventSerializer(ReadOnlyModelSerializer):
    """A status change of an order: who, when, from, to, why."""

    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = OrderEvent
        fields = ["id", "from_status", "to_status", "actor", "at", "reason"]


class OrderLineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)
    required_standard = serializers.PrimaryKeyRelatedField(queryset=Standard.objects.all())
    intended_use = serializers.ChoiceField(choices=IntendedUse.choices, default=IntendedUse.MEDICAL)
    currency = serializers.CharField(min_length=3, max_length=3, default="EUR")
    needed_by = serializers.DateField(required=False, allow_null=True, default=None)


class OrderCreateSerializer(serializers.Serializer):
    """A draft order: `place` commits it to the supplier."""

    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.all())
    reference = serializers.CharField(max_length=40)
    notes = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    lines = OrderLineInputSerializer(many=True, allow_empty=False)
