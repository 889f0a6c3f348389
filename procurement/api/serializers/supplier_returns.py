"""Returns to the supplier and their credit claims."""

from __future__ import annotations

from rest_framework import serializers

from ...models import (
    CreditClaimEvent,
    CreditClaimStatus,
    Lot,
    SupplierReturn,
)
from .common import TEXT_MAX, ReadOnlyModelSerializer


class CreditClaimEventSerializer(ReadOnlyModelSerializer):
    """A change of a credit claim's status."""

    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = CreditClaimEvent
        fields = ["id", "from_status", "to_status", "actor", "at", "reason"]


class SupplierReturnSerializer(ReadOnlyModelSerializer):
    """Units of a lot returned to its supplier, and the credit claimed for them."""

    lot_number = serializers.CharField(source="lot.lot_number")
    supplier = serializers.IntegerField(source="lot.shipment.order.supplier_id")
    created_by = serializers.CharField(source="created_by.username")
    claim_events = CreditClaimEventSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierReturn
        fields = [
            "id",
            "lot",
            "lot_number",
            "supplier",
            "quantity",
            "authorisation_reference",
            "credit_amount",
            "currency",
            "claim_status",
            "created_by",
            "created_at",
            "claim_events",
        ]


class SupplierReturnCreateSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    authorisation_reference = serializers.CharField(max_length=100)
    credit_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="The credit to claim; the units at the order line's unit price when left out.",
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(max_length=TEXT_MAX)


class CreditClaimStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CreditClaimStatus.choices)
    reason = serializers.CharField(max_length=TEXT_MAX)
