"""Notices, their replies (the reply card) and versions, and hospital returns."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import (
    HospitalReturn,
    Notice,
    NoticeDelivery,
    NoticeReply,
    NoticeReplyLine,
    NoticeReplyVersion,
)
from .common import UNITS, id_field


class NoticeDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = NoticeDelivery
        fields = ["channel", "status", "attempt_count", "delivered_at"]
        read_only_fields = fields


class NoticeReplyLineSerializer(serializers.ModelSerializer):
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)

    class Meta:
        model = NoticeReplyLine
        fields = ["lot", "lot_number", "quantity_on_hand", "quantity_used", "quantity_destroyed"]
        read_only_fields = fields


class NoticeReplySerializer(serializers.ModelSerializer):
    answered_by = serializers.CharField(source="answered_by.username", read_only=True)
    lines = NoticeReplyLineSerializer(many=True, read_only=True)

    class Meta:
        model = NoticeReply
        fields = [
            "acknowledged",
            "respondent_name",
            "respondent_role",
            "explanation",
            "answered_by",
            "first_answered_at",
            "answered_at",
            "lines",
        ]
        read_only_fields = fields


class NoticeSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    recall_reference = serializers.CharField(source="recall.reference", read_only=True)
    recall_status = serializers.CharField(source="recall.status", read_only=True)
    recall_class = serializers.CharField(source="recall.recall_class", read_only=True)
    action = serializers.CharField(source="recall.action", read_only=True)
    reason = serializers.CharField(source="recall.reason", read_only=True)
    hazard = serializers.CharField(source="recall.hazard", read_only=True)
    response_deadline = serializers.DateField(source="recall.response_deadline", read_only=True)
    coordinator_name = serializers.SerializerMethodField()
    coordinator_email = serializers.EmailField(source="recall.coordinator.email", read_only=True)
    hospital_code = serializers.CharField(source="hospital.code", read_only=True)
    received = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    units_received = serializers.IntegerField(read_only=True)
    answered = serializers.BooleanField(read_only=True)
    units_held = serializers.IntegerField(read_only=True)
    reply = serializers.SerializerMethodField()
    deliveries = NoticeDeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "reference",
            "recall",
            "recall_reference",
            "recall_status",
            "recall_class",
            "action",
            "reason",
            "hazard",
            "response_deadline",
            "coordinator_name",
            "coordinator_email",
            "hospital",
            "hospital_code",
            "language",
            "received",
            "units_received",
            "answered",
            "units_held",
            "created_at",
            "reminders_sent",
            "reply",
            "deliveries",
        ]
        read_only_fields = fields

    def get_coordinator_name(self, notice: Notice) -> str:
        coordinator = notice.recall.coordinator
        return coordinator.get_full_name() or coordinator.get_username()

    @extend_schema_field(NoticeReplySerializer(allow_null=True))
    def get_reply(self, notice: Notice) -> dict | None:
        try:
            reply = notice.reply
        except NoticeReply.DoesNotExist:
            return None
        return NoticeReplySerializer(reply).data


class NoticeLotSerializer(serializers.Serializer):
    """One lot of a notice: received (per the notice), and held now, used, destroyed and sent
    back at the hospital (per the ledger): what the reply card starts from."""

    lot = serializers.IntegerField(source="lot.pk")
    lot_number = serializers.CharField(source="lot.lot_number")
    lot_status = serializers.CharField(source="lot.status")
    received = serializers.IntegerField()
    held = serializers.IntegerField()
    used = serializers.IntegerField()
    destroyed = serializers.IntegerField()
    returned = serializers.IntegerField()


class NoticeReplyVersionSerializer(serializers.ModelSerializer):
    answered_by = serializers.CharField(source="answered_by.username", read_only=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = NoticeReplyVersion
        fields = ["id", "at", "answered_by", "data"]
        read_only_fields = fields


class ReplyLineInputSerializer(serializers.Serializer):
    lot = id_field(help_text="The lot's id: one of the notice's lots.")
    on_hand = serializers.IntegerField(**UNITS)
    used = serializers.IntegerField(**UNITS)
    destroyed = serializers.IntegerField(**UNITS)


class NoticeReplyInputSerializer(serializers.Serializer):
    """The reply card: one line per lot of the notice (see `GET /notices/{id}/lots/`)."""

    acknowledged = serializers.BooleanField()
    respondent_name = serializers.CharField(max_length=200)
    respondent_role = serializers.CharField(max_length=200)
    explanation = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    lines = ReplyLineInputSerializer(many=True)

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        # Here rather than `allow_empty=False`, whose error would be named "lines.non_field_errors".
        if not lines:
            raise serializers.ValidationError("Give the figures of each of the notice's lots.")
        lot_ids = [line["lot"] for line in lines]
        if len(set(lot_ids)) != len(lot_ids):
            raise serializers.ValidationError("Give each lot once.")
        return lines


class ReturnShipSerializer(serializers.Serializer):
    """Units of one of the notice's lots shipped back to the central warehouse."""

    lot = id_field(help_text="The lot's id: one of the notice's lots.")
    quantity = serializers.IntegerField(**UNITS)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------------------------------------
# Hospital returns


class HospitalReturnSerializer(serializers.ModelSerializer):
    notice_reference = serializers.CharField(source="notice.reference", read_only=True)
    recall = serializers.IntegerField(source="notice.recall_id", read_only=True)
    hospital_code = serializers.CharField(source="hospital.code", read_only=True)
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    shipped_by = serializers.CharField(source="shipped_by.username", read_only=True)
    received_by = serializers.CharField(
        source="received_by.username", read_only=True, allow_null=True, default=None
    )
    discrepancy = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = HospitalReturn
        fields = [
            "id",
            "notice",
            "notice_reference",
            "recall",
            "hospital",
            "hospital_code",
            "lot",
            "lot_number",
            "quantity_shipped",
            "reference",
            "shipped_by",
            "shipped_at",
            "status",
            "quantity_received",
            "received_by",
            "received_at",
            "receipt_remark",
            "discrepancy",
        ]
        read_only_fields = fields


class ReturnReceiveSerializer(serializers.Serializer):
    """What arrived of a return: the units counted; a short count needs a remark."""

    quantity_received = serializers.IntegerField(**UNITS)
    remark = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
