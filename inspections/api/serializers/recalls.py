"""Recalls: the recall, its draft, its events and its effectiveness figures."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from procurement.models import Lot

from ...models import (
    EffectivenessLevel,
    Inspection,
    Recall,
    RecallAction,
    RecallClass,
    RecallDepth,
    RecallEvent,
)
from .common import IdRelatedField


class RecallEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = RecallEvent
        fields = ["from_status", "to_status", "actor", "at", "reason"]
        read_only_fields = fields


class RecallSerializer(serializers.ModelSerializer):
    lots = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    lot_numbers = serializers.SerializerMethodField()
    coordinator_name = serializers.SerializerMethodField()
    coordinator_email = serializers.EmailField(source="coordinator.email", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Recall
        fields = [
            "id",
            "reference",
            "status",
            "lots",
            "lot_numbers",
            "reason",
            "hazard",
            "recall_class",
            "depth",
            "action",
            "effectiveness_level",
            "response_deadline",
            "coordinator",
            "coordinator_name",
            "coordinator_email",
            "source_inspection",
            "created_by",
            "created_at",
            "issued_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_lot_numbers(self, recall: Recall) -> list[str]:
        return sorted(lot.lot_number for lot in recall.lots.all())

    def get_coordinator_name(self, recall: Recall) -> str:
        return recall.coordinator.get_full_name() or recall.coordinator.get_username()


class RecallCreateSerializer(serializers.Serializer):
    """A draft recall. The coordinator (a user with an e-mail address, who gets the alerts)
    defaults to whoever prepares it; `source_inspection` is the inspection that asked for it."""

    reference = serializers.CharField(max_length=30)
    lots = IdRelatedField(many=True, queryset=Lot.objects.all(), allow_empty=False)
    reason = serializers.CharField(max_length=5000)
    hazard = serializers.CharField(max_length=5000)
    recall_class = serializers.ChoiceField(choices=RecallClass.choices)
    depth = serializers.ChoiceField(choices=RecallDepth.choices, default=RecallDepth.WARD)
    action = serializers.ChoiceField(choices=RecallAction.choices, default=RecallAction.RETURN)
    effectiveness_level = serializers.ChoiceField(
        choices=EffectivenessLevel.choices, default=EffectivenessLevel.A
    )
    response_deadline = serializers.DateField()
    coordinator = IdRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, default=None
    )
    source_inspection = IdRelatedField(
        queryset=Inspection.objects.all(), required=False, allow_null=True, default=None
    )


# The recall's effectiveness (`inspections.selectors.Effectiveness.as_dict()`)


class UnitsSerializer(serializers.Serializer):
    delivered = serializers.IntegerField()
    returned = serializers.IntegerField()
    in_transit = serializers.IntegerField()
    used = serializers.IntegerField()
    destroyed = serializers.IntegerField()
    held = serializers.IntegerField()
    lost_in_return = serializers.IntegerField()
    reported_on_hand = serializers.IntegerField(allow_null=True)
    unaccounted = serializers.IntegerField()


class LotUnitsSerializer(serializers.Serializer):
    lot_number = serializers.CharField()
    units = UnitsSerializer()


class HospitalEffectivenessSerializer(serializers.Serializer):
    notice_id = serializers.IntegerField()
    notice_reference = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    delivered_to = serializers.BooleanField()
    answered = serializers.BooleanField()
    answered_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    failed_channels = serializers.ListField(child=serializers.CharField())
    lots = LotUnitsSerializer(many=True)
    units = UnitsSerializer()


class FailedDeliverySerializer(serializers.Serializer):
    notice_reference = serializers.CharField()
    hospital_code = serializers.CharField()
    hospital_name = serializers.CharField()
    channel = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    permanent = serializers.BooleanField()


class EffectivenessSerializer(serializers.Serializer):
    """Who was told and answered, and where every recalled unit is (see `selectors.Units`)."""

    reference = serializers.CharField()
    status = serializers.CharField()
    action = serializers.CharField()
    response_deadline = serializers.DateField()
    hospitals_notified = serializers.IntegerField()
    hospitals_delivered = serializers.IntegerField()
    hospitals_answered = serializers.IntegerField()
    hospitals_overdue = serializers.IntegerField()
    all_answered = serializers.BooleanField()
    gaps = serializers.ListField(child=serializers.CharField())
    failed_deliveries = FailedDeliverySerializer(many=True)
    units = UnitsSerializer()
    hospitals = HospitalEffectivenessSerializer(many=True)
    lots = LotUnitsSerializer(many=True)
