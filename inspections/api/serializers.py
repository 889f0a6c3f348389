"""What the API shows of the quality side's objects (output serializers) and what its creates and
actions accept (input serializers). Input serializers check only the shape of a request (types,
required fields, known choices); the services check the rules and answer 400, 403 or 409."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.models import Distribution, Lot

from ..filters import MAX_ID, id_in_range
from ..models import (
    Certificate,
    ClassResult,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    CriterionResult,
    EffectivenessLevel,
    HospitalReturn,
    Inspection,
    InspectionEvent,
    InspectionStage,
    Notice,
    NoticeDelivery,
    NoticeReply,
    NoticeReplyLine,
    NoticeReplyVersion,
    PanelResult,
    Recall,
    RecallAction,
    RecallClass,
    RecallDepth,
    RecallEvent,
    SupplierLevel,
    SupplierLevelEvent,
    VerificationStatus,
)
from ..services.lots import CONFLICT_DECISIONS

# Whole numbers of units or samples: what a PositiveIntegerField holds. Larger numbers are a
# malformed request, refused before a service compares them with anything.
MAX_UNITS = 2_147_483_647
UNITS = {"min_value": 0, "max_value": MAX_UNITS}


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An object named by its id; an id beyond the database's range is "does not exist"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool) and isinstance(data, int | str) and not id_in_range(data):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def id_field(**kwargs) -> serializers.IntegerField:
    """An object's id given as a number, resolved by the view."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# ---------------------------------------------------------------------------------------------
# Inspections


class ClassResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassResult
        fields = [
            "defect_class",
            "aql",
            "plan_letter",
            "sample_size",
            "accept",
            "reject",
            "nonconforming",
            "verdict",
        ]
        read_only_fields = fields


class CriterionResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="criterion.code", read_only=True)
    characteristic = serializers.CharField(source="criterion.characteristic", read_only=True)
    defect_class = serializers.CharField(source="criterion.defect_class", read_only=True)
    basis = serializers.CharField(source="criterion.basis", read_only=True)

    class Meta:
        model = CriterionResult
        fields = [
            "code",
            "characteristic",
            "defect_class",
            "basis",
            "comparison",
            "limit",
            "unit",
            "units_tested",
            "nonconforming",
            "measurements",
            "panel_value",
        ]
        read_only_fields = fields

    # `measurements` is a JSON list of decimal strings, one per sampled unit.
    measurements = serializers.ListField(child=serializers.CharField(), read_only=True)


class PanelResultSerializer(serializers.ModelSerializer):
    sensitivity = serializers.DecimalField(max_digits=7, decimal_places=3, read_only=True)
    specificity = serializers.DecimalField(max_digits=7, decimal_places=3, read_only=True)

    class Meta:
        model = PanelResult
        fields = [
            "true_positives",
            "false_negatives",
            "true_negatives",
            "false_positives",
            "sensitivity",
            "specificity",
        ]
        read_only_fields = fields


class InspectionEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = InspectionEvent
        fields = ["outcome", "actor", "at", "reason"]
        read_only_fields = fields


class SamplingPlanSerializer(serializers.Serializer):
    """The sampling plan the inspection used, as it was snapshotted."""

    severity = serializers.CharField()
    level = serializers.CharField()
    code_letter = serializers.CharField()
    sample_size = serializers.IntegerField()
    hundred_percent = serializers.BooleanField()


class InspectionSerializer(serializers.ModelSerializer):
    lot_number = serializers.CharField(source="lot.lot_number", read_only=True)
    standard = serializers.CharField(source="standard.code", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    plan = serializers.SerializerMethodField()
    classes = ClassResultSerializer(many=True, read_only=True)
    results = CriterionResultSerializer(many=True, read_only=True)
    panel = serializers.SerializerMethodField()
    has_report_file = serializers.SerializerMethodField()
    events = InspectionEventSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "lot",
            "lot_number",
            "stage",
            "standard",
            "laboratory",
            "performed_by",
            "performed_on",
            "recorded_by",
            "recorded_at",
            "plan",
            "classes",
            "results",
            "panel",
            "verdict",
            "accepted_in_gap",
            "outcome",
            "has_report_file",
            "notes",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(SamplingPlanSerializer)
    def get_plan(self, inspection: Inspection) -> dict:
        return SamplingPlanSerializer(inspection).data

    @extend_schema_field(PanelResultSerializer(allow_null=True))
    def get_panel(self, inspection: Inspection) -> dict | None:
        try:
            panel = inspection.panel
        except PanelResult.DoesNotExist:
            return None
        return PanelResultSerializer(panel).data

    def get_has_report_file(self, inspection: Inspection) -> bool:
        return bool(inspection.report_file)


class ClassPlanSerializer(serializers.Serializer):
    """One defect class of a lot's sampling plan: draw `sample_size` units, accept with at most
    `accept` nonconforming, reject from `reject`."""

    defect_class = serializers.CharField()
    aql = serializers.DecimalField(max_digits=6, decimal_places=3)
    code_letter = serializers.CharField()
    plan_letter = serializers.CharField()
    sample_size = serializers.IntegerField()
    accept = serializers.IntegerField()
    reject = serializers.IntegerField()
    hundred_percent = serializers.BooleanField()


class PlanCriterionSerializer(serializers.Serializer):
    """A criterion the lot is judged against, and how many values an inspection gives for it
    (`units`; none for panel criteria, which take the reference panel)."""

    code = serializers.CharField()
    characteristic = serializers.CharField()
    unit = serializers.CharField()
    comparison = serializers.CharField()
    limit = serializers.DecimalField(max_digits=12, decimal_places=4)
    defect_class = serializers.CharField()
    basis = serializers.CharField()
    units = serializers.IntegerField(allow_null=True)


class LotPlanSerializer(serializers.Serializer):
    """What an inspection of the lot must give, before anything is entered: the next stage, the
    sampling plan per defect class at the supplier's level, and the criteria by code."""

    lot = serializers.IntegerField()
    lot_number = serializers.CharField()
    next_stage = serializers.CharField()
    supplier_state = serializers.CharField()
    severity = serializers.CharField()
    level = serializers.CharField()
    code_letter = serializers.CharField()
    sample_size = serializers.IntegerField()
    hundred_percent = serializers.BooleanField()
    classes = ClassPlanSerializer(many=True)
    criteria = PlanCriterionSerializer(many=True)


class PanelInputSerializer(serializers.Serializer):
    """A rapid test's reference panel against RT-PCR."""

    true_positives = serializers.IntegerField(**UNITS)
    false_negatives = serializers.IntegerField(**UNITS)
    true_negatives = serializers.IntegerField(**UNITS)
    false_positives = serializers.IntegerField(**UNITS)


class InspectionRecordSerializer(serializers.Serializer):
    """What an inspector enters. Per per-unit criterion of the required standard (by its code):
    either `measurements` (one value per sampled unit, as many as the sampling plan calls for)
    or `counts` (the nonconforming units); for rapid tests the reference `panel`."""

    lot = IdRelatedField(queryset=Lot.objects.all())
    stage = serializers.ChoiceField(choices=InspectionStage.choices)
    laboratory = serializers.CharField(max_length=200)
    performed_by = serializers.CharField(max_length=200)
    performed_on = serializers.DateField()
    measurements = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=50), max_length=10_000),
        required=False,
        default=dict,
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(**UNITS), required=False, default=dict
    )
    panel = PanelInputSerializer(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        both = set(data["measurements"]) & set(data["counts"])
        if both:
            raise serializers.ValidationError(
                {"counts": [f"Give measurements or a count, not both: {', '.join(sorted(both))}."]}
            )
        return data


class ConflictDecisionSerializer(serializers.Serializer):
    """An officer's decision on conflicting results."""

    decision = serializers.ChoiceField(choices=CONFLICT_DECISIONS)
    reason = serializers.CharField(max_length=2000)
    mismatch_override = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


# ---------------------------------------------------------------------------------------------
# Complaints


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


# ---------------------------------------------------------------------------------------------
# Recalls


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


class ReasonRequiredSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReasonOptionalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


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


# ---------------------------------------------------------------------------------------------
# Notices and replies


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


# ---------------------------------------------------------------------------------------------
# Certificates and supplier inspection levels


class CertificateSerializer(serializers.ModelSerializer):
    standard_code = serializers.CharField(source="standard.code", read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "product",
            "lot",
            "standard",
            "standard_code",
            "issuer",
            "notified_body_number",
            "certificate_number",
            "valid_until",
            "verification_status",
            "has_file",
        ]
        read_only_fields = fields

    def get_has_file(self, certificate: Certificate) -> bool:
        return bool(certificate.file)


class CertificateVerifySerializer(serializers.Serializer):
    """Mark a certificate verified, invalid or back to unverified, with the reason."""

    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    reason = serializers.CharField(max_length=2000)


class SupplierLevelEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)

    class Meta:
        model = SupplierLevelEvent
        fields = ["from_state", "to_state", "actor", "at", "reason", "inspection"]
        read_only_fields = fields


class SupplierLevelSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    events = SupplierLevelEventSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierLevel
        fields = [
            "id",
            "supplier",
            "supplier_name",
            "category",
            "state",
            "recent_original",
            "consecutive_accepted",
            "rejected_while_tightened",
            "reduced_proposed",
            "events",
        ]
        read_only_fields = fields
