"""Inspections: what was found and decided, a lot's plan, and what recording one takes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procurement.models import Lot

from ...models import (
    ClassResult,
    CriterionResult,
    Inspection,
    InspectionEvent,
    InspectionStage,
    PanelResult,
)
from ...services.inspections import CONFLICT_DECISIONS
from .common import UNITS, IdRelatedField


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
