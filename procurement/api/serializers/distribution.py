"""Distributions, the ledger's movements, and what dispatching, confirming receipt and booking use
take."""

from __future__ import annotations

from rest_framework import serializers

from ...models import (
    Distribution,
    Hospital,
    Lot,
    StockMovement,
)
from .common import MAX_UNITS, TEXT_MAX, ReadOnlyModelSerializer

# The schema names each status vocabulary once (settings.SPECTACULAR_SETTINGS'
# ENUM_NAME_OVERRIDES), by import path: a nested class needs a module-level name.
DistributionStatus = Distribution.Status


class DistributionSerializer(ReadOnlyModelSerializer):
    """A dispatch of units of one lot to one hospital, and the hospital's receipt of it."""

    lot_number = serializers.CharField(source="lot.lot_number")
    product = serializers.CharField(source="lot.order_line.product.sku")
    hospital_code = serializers.CharField(source="hospital.code")
    discrepancy = serializers.IntegerField(
        allow_null=True,
        help_text="Units received minus units dispatched; null until the receipt is confirmed.",
    )

    class Meta:
        model = Distribution
        fields = [
            "id",
            "lot",
            "lot_number",
            "product",
            "hospital",
            "hospital_code",
            "quantity",
            "status",
            "dispatched_at",
            "note",
            "quantity_received",
            "confirmed_at",
            "receipt_remark",
            "discrepancy",
        ]


class DispatchSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReceiptConfirmSerializer(serializers.Serializer):
    quantity_received = serializers.IntegerField(min_value=0, max_value=MAX_UNITS)
    remark = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the count differs from the units dispatched.",
    )


class UseRecordSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)


class UseRecordedSerializer(serializers.Serializer):
    """Units of the delivery's lot recorded as used at its hospital, and what it holds now."""

    distribution = serializers.IntegerField(read_only=True)
    lot = serializers.IntegerField(read_only=True)
    hospital = serializers.IntegerField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    on_hand = serializers.IntegerField(read_only=True)


class StockMovementSerializer(ReadOnlyModelSerializer):
    """One ledger line: units of a lot moved from one location (none for a receipt) to
    another. `*_kind` name the kind of location, `*_hospital` its hospital, if any."""

    lot_number = serializers.CharField(source="lot.lot_number")
    from_kind = serializers.CharField(source="from_location.kind", default=None, allow_null=True)
    from_hospital = serializers.IntegerField(
        source="from_location.hospital_id", default=None, allow_null=True
    )
    to_kind = serializers.CharField(source="to_location.kind")
    to_hospital = serializers.IntegerField(source="to_location.hospital_id", allow_null=True)
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "lot",
            "lot_number",
            "quantity",
            "kind",
            "from_location",
            "from_kind",
            "from_hospital",
            "to_location",
            "to_kind",
            "to_hospital",
            "reference",
            "actor",
            "at",
        ]
