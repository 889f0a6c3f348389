"""Inspections and the plan a lot will be inspected under, certificates and supplier levels."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.base import TrackerViewSet
from procurement.models import Lot

from ... import selectors, services
from ...filters import (
    CertificateFilter,
    InspectionFilter,
    SupplierLevelFilter,
)
from ...models import Certificate, CriterionBasis, SupplierLevel
from .. import serializers as s
from .common import OFFICER, QUALITY, QualityMixin, QualityViewSet


class InspectionViewSet(QualityViewSet):
    """Inspections of lots: the plan used, what was found per criterion and defect class, the
    computed verdict and what it did to the lot."""

    roles = QUALITY
    action_roles = {"decide_conflict": OFFICER}
    serializer_class = s.InspectionSerializer
    filterset_class = InspectionFilter
    ordering_fields = ["recorded_at", "performed_on", "id"]
    ordering = ["-recorded_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.inspections_with_findings()

    @extend_schema(request=s.InspectionRecordSerializer, responses={201: s.InspectionSerializer})
    def create(self, request):
        """Record an inspection: the service computes the verdict and takes the decision it
        calls for (release, hold, reject, recall required, or a conflict for an officer)."""
        data = self.valid(s.InspectionRecordSerializer)
        panel = data["panel"]
        inspection = services.inspection_record(
            data=services.InspectionInput(
                lot=data["lot"],
                stage=data["stage"],
                laboratory=data["laboratory"],
                performed_by=data["performed_by"],
                performed_on=data["performed_on"],
                measurements=data["measurements"],
                counts=data["counts"],
                panel=services.Panel(**panel) if panel else None,
                notes=data["notes"],
            ),
            actor=request.user,
        )
        return self.answer(inspection, created=True)

    @extend_schema(request=s.ConflictDecisionSerializer, responses=s.InspectionSerializer)
    @action(detail=True, methods=["post"], url_path="decide-conflict")
    def decide_conflict(self, request, pk=None):
        """An officer settles conflicting results: release, reject or mark for recall."""
        data = self.valid(s.ConflictDecisionSerializer)
        inspection = services.inspection_conflict_decide(
            inspection=self.get_object(), actor=request.user, **data
        )
        return self.answer(inspection)


class InspectionPlanViewSet(QualityMixin, TrackerViewSet):
    """A lot's inspection plan, by the lot's id: read it before recording an inspection."""

    roles = QUALITY
    serializer_class = s.LotPlanSerializer

    def get_queryset(self) -> QuerySet:
        return Lot.objects.select_related(
            "order_line__product", "order_line__order", "order_line__required_standard"
        )

    @extend_schema(responses=s.LotPlanSerializer)
    def retrieve(self, request, pk=None):
        """The next stage, the sampling plan per defect class and the criteria of the lot."""
        lot = self.get_object()
        plan = selectors.lot_plan(lot)
        criteria = list(selectors.criteria_for(lot))
        stages = set(lot.inspections.values_list("stage", flat=True))
        return Response(
            s.LotPlanSerializer(
                {
                    "lot": lot.pk,
                    "lot_number": lot.lot_number,
                    "next_stage": selectors.next_stage(stages),
                    "supplier_state": plan.supplier_state,
                    "severity": plan.severity,
                    "level": plan.level,
                    "code_letter": plan.code_letter,
                    "sample_size": plan.sample_size,
                    "hundred_percent": plan.hundred_percent,
                    "classes": [
                        {"defect_class": cls, **vars(class_plan)}
                        for cls, class_plan in plan.classes.items()
                    ],
                    "criteria": [_plan_criterion(c, plan) for c in criteria],
                }
            ).data
        )


def _plan_criterion(criterion, plan) -> dict:
    per_unit = criterion.basis == CriterionBasis.PER_UNIT
    return {
        "code": criterion.code,
        "characteristic": criterion.characteristic,
        "unit": criterion.unit,
        "comparison": criterion.comparison,
        "limit": criterion.limit,
        "defect_class": criterion.defect_class,
        "basis": criterion.basis,
        "units": plan.units_for(criterion.defect_class) if per_unit else None,
    }


class CertificateViewSet(QualityViewSet):
    """Certificates of products and lots, and whether the ministry verified them."""

    roles = QUALITY
    serializer_class = s.CertificateSerializer
    filterset_class = CertificateFilter
    ordering_fields = ["certificate_number", "valid_until", "id"]
    ordering = ["certificate_number", "id"]

    def get_queryset(self) -> QuerySet:
        return Certificate.objects.select_related("standard")

    @extend_schema(request=s.CertificateVerifySerializer, responses=s.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Mark the certificate verified, invalid or unverified, with the reason."""
        data = self.valid(s.CertificateVerifySerializer)
        certificate = services.certificate_set_verification(
            certificate=self.get_object(), actor=request.user, **data
        )
        return self.answer(certificate)


class SupplierLevelViewSet(QualityViewSet):
    """How hard each supplier's lots of a category are inspected (MIL-STD-105E switching)."""

    roles = QUALITY
    action_roles = dict.fromkeys(("approve_reduced", "return_to_normal", "reinstate"), OFFICER)
    serializer_class = s.SupplierLevelSerializer
    filterset_class = SupplierLevelFilter
    ordering_fields = ["supplier", "category", "id"]
    ordering = ["supplier", "category", "id"]

    def get_queryset(self) -> QuerySet:
        return SupplierLevel.objects.select_related("supplier").prefetch_related("events__actor")

    @extend_schema(request=s.ReasonRequiredSerializer, responses=s.SupplierLevelSerializer)
    @action(detail=True, methods=["post"], url_path="approve-reduced")
    def approve_reduced(self, request, pk=None):
        """Approve the proposal to inspect on reduced (10 lots in a row accepted)."""
        return self._change(services.supplier_level_approve_reduced)

    @extend_schema(request=s.ReasonRequiredSerializer, responses=s.SupplierLevelSerializer)
    @action(detail=True, methods=["post"], url_path="return-to-normal")
    def return_to_normal(self, request, pk=None):
        """End reduced inspection, saying what warrants it."""
        return self._change(services.supplier_level_return_to_normal)

    @extend_schema(request=s.ReasonRequiredSerializer, responses=s.SupplierLevelSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """Let a discontinued supplier's lots in again, on tightened inspection."""
        return self._change(services.supplier_level_reinstate)

    def _change(self, service) -> Response:
        data = self.valid(s.ReasonRequiredSerializer)
        return self.answer(service(level=self.get_object(), actor=self.request.user, **data))
