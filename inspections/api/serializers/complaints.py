"""Complaints: what hospitals see of their reports, and what reporting and acting take."""

from __future__ import annotations

from rest_framework import serializers

from procurement.models import Distribution

from ...models import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
)
from .common import UNITS, IdRelatedField


class ComplaintEventSerializer(serializers.ModelSerializer):
    """A step of a complaint, without the officers' notes (hospitals see these too)."""

    class Meta:
        model = ComplaintEvent
        fields = ["kind", "from_status", "to_status", "at"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    hospital_code = serializers.CharField(source="hospital.code", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    product = serializers.CharField(source="lot.order_line.product.sku", read_only=True)
    reported_by = serializers.CharField(source="reported_by.username", read_only=True)
    has_photo = serializers.SerializerMethodField()
    events = ComplaintEventSerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "distribution",
            "hospital",
            "hospital_code",
            "lot",
            "lot_number",
            "product",
            "category",
            "description",
            "quantity_affected",
            "has_photo",
            "reported_by",
            "reported_at",
            "status",
            "inspection_requested_at",
            "resolution",
            "events",
        ]
        read_only_fields = fields

    def get_has_photo(self, complaint: Complaint) -> bool:
        return bool(complaint.photo)


class ComplaintReportSerializer(serializers.Serializer):
    """A hospital's report on one of its deliveries; a photo may come as multipart/form-data.
    `distribution` is one of the user's deliveries (another hospital's is unknown here)."""

    distribution = IdRelatedField(queryset=Distribution.objects.none())
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=5000)
    quantity_affected = serializers.IntegerField(**UNITS)
    photo = serializers.FileField(required=False, allow_null=True, default=None)

    def __init__(self, *args, deliveries=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if deliveries is not None:
            self.fields["distribution"].queryset = deliveries


class ComplaintEscalateSerializer(serializers.Serializer):
    """Put the lot on hold and/or ask the inspectors for an inspection (both by default)."""

    reason = serializers.CharField(max_length=2000)
    hold_lot = serializers.BooleanField(default=True)
    request_inspection = serializers.BooleanField(default=True)


class ComplaintCloseSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000)
