"""The quality side's API resources: inspections, complaints, recalls (with their effectiveness
and notices), notices and replies, hospital returns, certificates and supplier inspection levels.

Each list comes from a selector (hospital scoping lives there: `complaints_for_user`,
`notices_for_user`, `hospital_returns_for_user`); each create or action calls exactly the service
the pages and the ministry panel call, and answers with the object (200, or 201 when it made
one). Status and quantity fields are read-only.

Who may do what, as in the pages and the panel (the services check the roles again):

| resource           | read                               | write                              |
|--------------------|------------------------------------|------------------------------------|
| inspections        | officer, inspector                 | record (POST): officer, inspector; |
|                    |                                    | decide-conflict: officer           |
| inspection-plans   | officer, inspector (by lot id)     | -                                  |
| complaints         | officer, inspector; hospital       | report (POST): hospital staff,     |
|                    | staff: own hospitals (else 404)    | own deliveries; escalate, close:   |
|                    |                                    | officer                            |
| recalls (+ events, | officer, inspector                 | create (POST), issue, cancel,      |
| effectiveness,     |                                    | start-closing, reopen, close:      |
| notices)           |                                    | officer                            |
| notices (+ lots,   | officer, inspector; hospital       | reply, return: hospital staff      |
| versions)          | staff: own hospitals (else 404)    | of the notice's hospital           |
| returns            | officer, warehouse clerk; hospital | receive: warehouse clerk,          |
|                    | staff: own hospitals (else 404)    | officer                            |
| certificates       | officer, inspector                 | verify: officer, inspector         |
| supplier-levels    | officer, inspector                 | approve-reduced, return-to-        |
|                    |                                    | normal, reinstate: officer         |

Any other role gets 403; nobody signed in gets 401.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from procurement.api.base import TrackerReadOnlyViewSet, TrackerViewSet
from procurement.api.pagination import CursorPage
from procurement.models import Lot, Role
from procurement.selectors import distributions_for_user

from .. import selectors, services
from ..filters import (
    CertificateFilter,
    ComplaintFilter,
    HospitalReturnFilter,
    InspectionFilter,
    NoticeFilter,
    RecallFilter,
    SupplierLevelFilter,
    id_in_range,
)
from ..models import Certificate, CriterionBasis, SupplierLevel
from ..portal import selectors as portal
from . import serializers as s

OFFICER = (Role.MINISTRY_OFFICER,)
QUALITY = (Role.MINISTRY_OFFICER, Role.INSPECTOR)
HOSPITAL = (Role.HOSPITAL_STAFF,)
# A sub-list of one object: no filters or ordering of the resource's own list apply to it.
SUB_LIST = {"filter_backends": [], "pagination_class": None}


class QualityMixin:
    """What the quality side's resources share: JSON bodies, an id that cannot name an object
    answers 404 (not a database error), and the helpers their actions use."""

    parser_classes = [JSONParser]
    # Any path segment reaches the view (the router's default leaves out "1.5", which Django
    # would answer with its HTML page), and `get_object` answers a JSON 404.
    lookup_value_regex = "[^/]+"

    def get_object(self):
        if not id_in_range(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)):
            raise NotFound()
        return super().get_object()

    def valid(self, serializer_class, **kwargs) -> dict:
        """The request's body, checked for shape by `serializer_class` (400 with field errors)."""
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def fresh(self, pk: int):
        """The object as the list shows it, read again after a service changed it."""
        return self.get_queryset().get(pk=pk)

    def answer(self, obj, *, created: bool = False) -> Response:
        data = self.get_serializer(self.fresh(obj.pk)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class QualityViewSet(QualityMixin, TrackerReadOnlyViewSet):
    """A quality resource that lists and shows; changes go through its creates and actions."""


# ---------------------------------------------------------------------------------------------
# Inspections


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


# ---------------------------------------------------------------------------------------------
# Complaints


class ComplaintViewSet(QualityViewSet):
    """Problems hospitals report with units they received, and what the ministry did."""

    roles = (*QUALITY, *HOSPITAL)
    action_roles = {"create": HOSPITAL, "escalate": OFFICER, "close": OFFICER}
    # A report may carry a photo (multipart/form-data); the officers' actions take JSON.
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = s.ComplaintSerializer
    filterset_class = ComplaintFilter
    ordering_fields = ["reported_at", "id"]
    ordering = ["-reported_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.complaints_for_user(self.request.user).prefetch_related("events")

    @extend_schema(request=s.ComplaintReportSerializer, responses={201: s.ComplaintSerializer})
    def create(self, request):
        """Report a problem with one of your hospital's deliveries."""
        data = self.valid(
            s.ComplaintReportSerializer, deliveries=distributions_for_user(request.user)
        )
        complaint = services.complaint_report(actor=request.user, **data)
        return self.answer(complaint, created=True)

    @extend_schema(request=s.ComplaintEscalateSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def escalate(self, request, pk=None):
        """Put the complaint's lot on hold and/or ask the inspectors for an inspection."""
        data = self.valid(s.ComplaintEscalateSerializer)
        complaint = services.complaint_escalate(
            complaint=self.get_object(), actor=request.user, **data
        )
        return self.answer(complaint)

    @extend_schema(request=s.ComplaintCloseSerializer, responses=s.ComplaintSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def close(self, request, pk=None):
        """Close the complaint with its resolution (the hospital sees it)."""
        data = self.valid(s.ComplaintCloseSerializer)
        complaint = services.complaint_close(
            complaint=self.get_object(), actor=request.user, **data
        )
        return self.answer(complaint)


# ---------------------------------------------------------------------------------------------
# Recalls


class RecallViewSet(QualityViewSet):
    """Recalls of lots that reached hospitals: prepared as drafts, issued (every hospital that
    received units gets a notice), followed through their effectiveness, then closed."""

    roles = QUALITY
    action_roles = dict.fromkeys(
        ("create", "issue", "cancel", "start_closing", "reopen", "close"), OFFICER
    )
    serializer_class = s.RecallSerializer
    filterset_class = RecallFilter
    ordering_fields = ["created_at", "issued_at", "response_deadline", "reference", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.recalls_with_lots()

    @extend_schema(request=s.RecallCreateSerializer, responses={201: s.RecallSerializer})
    def create(self, request):
        """Prepare a draft recall; nothing happens to lots or hospitals until it is issued."""
        data = self.valid(s.RecallCreateSerializer)
        data["coordinator"] = data["coordinator"] or request.user
        recall = services.recall_create(actor=request.user, **data)
        return self.answer(recall, created=True)

    @extend_schema(request=None, responses=s.RecallSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue a draft: its lots become recalled and every hospital that received units gets
        a notice, by e-mail and webhook, after the commit."""
        return self.answer(services.recall_issue(recall=self.get_object(), actor=request.user))

    @extend_schema(request=s.ReasonRequiredSerializer, responses=s.RecallSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Drop a draft recall, with a reason."""
        data = self.valid(s.ReasonRequiredSerializer)
        return self.answer(
            services.recall_cancel(recall=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=s.ReasonOptionalSerializer, responses=s.RecallSerializer)
    @action(detail=True, methods=["post"], url_path="start-closing")
    def start_closing(self, request, pk=None):
        """Mark an issued recall as closing while the last figures are settled."""
        data = self.valid(s.ReasonOptionalSerializer)
        return self.answer(
            services.recall_start_closing(recall=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=s.ReasonRequiredSerializer, responses=s.RecallSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Take a closing recall back to issued, with a reason."""
        data = self.valid(s.ReasonRequiredSerializer)
        return self.answer(
            services.recall_reopen(recall=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=s.ReasonOptionalSerializer, responses=s.RecallSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the recall; a written reason is required when hospitals have not answered or
        units are unaccounted for (see `effectiveness`)."""
        data = self.valid(s.ReasonOptionalSerializer)
        return self.answer(
            services.recall_close(recall=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(responses=s.EffectivenessSerializer)
    @action(detail=True, methods=["get"], **SUB_LIST)
    def effectiveness(self, request, pk=None):
        """Who was told and answered, and where every recalled unit is now."""
        figures = selectors.recall_effectiveness(self.get_object())
        return Response(s.EffectivenessSerializer(figures.as_dict()).data)

    @extend_schema(responses=s.RecallEventSerializer(many=True))
    @action(detail=True, methods=["get"], **SUB_LIST)
    def events(self, request, pk=None):
        """The recall's status changes, oldest first: who, when, why."""
        events = self.get_object().events.select_related("actor").order_by("at", "pk")
        return Response(s.RecallEventSerializer(events, many=True).data)

    @extend_schema(responses=s.NoticeSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=CursorPage)
    def notices(self, request, pk=None):
        """The recall's notices, one per hospital, newest first (cursor-paged)."""
        recall = self.get_object()
        page = self.paginate_queryset(notices_with_replies(request.user).filter(recall=recall))
        return self.get_paginated_response(s.NoticeSerializer(page, many=True).data)


def notices_with_replies(user) -> QuerySet:
    """The user's notices (`notices_for_user`: scoped to their hospitals) with their replies
    and deliveries joined in."""
    return (
        portal.notices_for_user(user)
        .select_related("reply__answered_by")
        .prefetch_related("reply__lines__lot", "deliveries")
    )


# ---------------------------------------------------------------------------------------------
# Notices and replies


class NoticeViewSet(QualityViewSet):
    """Recall notices: what a hospital received of the recalled lots, what it must do, and its
    answer (the reply card) and returns."""

    roles = (*QUALITY, *HOSPITAL)
    action_roles = {"reply": HOSPITAL, "return_units": HOSPITAL}
    serializer_class = s.NoticeSerializer
    pagination_class = CursorPage
    filterset_class = NoticeFilter
    ordering_fields = ["id", "created_at"]

    def get_queryset(self) -> QuerySet:
        return notices_with_replies(self.request.user)

    @extend_schema(responses=s.NoticeLotSerializer(many=True))
    @action(detail=True, methods=["get"], **SUB_LIST)
    def lots(self, request, pk=None):
        """The notice's lots with the ledger's figures at the hospital: what a reply starts
        from."""
        rows = portal.notice_lot_rows(self.get_object())
        return Response(s.NoticeLotSerializer(rows, many=True).data)

    @extend_schema(responses=s.NoticeReplyVersionSerializer(many=True))
    @action(detail=True, methods=["get"], **SUB_LIST)
    def versions(self, request, pk=None):
        """Every answer given to the notice, newest first."""
        versions = portal.notice_reply_history(self.get_object())
        return Response(s.NoticeReplyVersionSerializer(versions, many=True).data)

    @extend_schema(request=s.NoticeReplyInputSerializer, responses=s.NoticeSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Answer the notice (again): acknowledged, and per lot the units on hand, used and
        destroyed. Each answer is kept as a version."""
        notice = self.get_object()
        data = self.valid(s.NoticeReplyInputSerializer)
        lots = _lots_named(data["lines"], field="lines")
        lines = {lots[line["lot"]]: (line["on_hand"], line["used"], line["destroyed"])
                 for line in data["lines"]}  # fmt: skip
        try:
            services.notice_reply(
                notice=notice,
                actor=request.user,
                acknowledged=data["acknowledged"],
                lines=lines,
                respondent_name=data["respondent_name"],
                respondent_role=data["respondent_role"],
                explanation=data["explanation"],
            )
        except services.ExplanationNeeded as exc:  # the field the person must fill in
            raise drf_serializers.ValidationError({"explanation": [exc.message]}) from exc
        return self.answer(notice)

    @extend_schema(request=s.ReturnShipSerializer, responses={201: s.HospitalReturnSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_units(self, request, pk=None):
        """Ship units of one of the notice's lots back to the central warehouse."""
        notice = self.get_object()
        data = self.valid(s.ReturnShipSerializer)
        lot = _lots_named([data], field="lot")[data["lot"]]
        hospital_return = services.hospital_return_ship(
            notice=notice,
            lot=lot,
            quantity=data["quantity"],
            reference=data["reference"],
            actor=request.user,
        )
        returned = selectors.hospital_returns_for_user(request.user).get(pk=hospital_return.pk)
        return Response(s.HospitalReturnSerializer(returned).data, status=status.HTTP_201_CREATED)


def _lots_named(rows: list[dict], *, field: str) -> dict[int, Lot]:
    """The lots the rows name by id; an unknown id is a 400 on `field`. Whether a lot is the
    notice's is the service's to say."""
    ids = [row["lot"] for row in rows]
    lots = Lot.objects.in_bulk(ids)
    unknown = sorted(set(ids) - set(lots))
    if unknown:
        raise drf_serializers.ValidationError(
            {field: [f"No lot with id {', '.join(map(str, unknown))}."]}
        )
    return lots


# ---------------------------------------------------------------------------------------------
# Hospital returns


class HospitalReturnViewSet(QualityViewSet):
    """Units hospitals shipped back under a recall, and their arrival at the warehouse."""

    roles = (Role.MINISTRY_OFFICER, Role.WAREHOUSE_CLERK, *HOSPITAL)
    action_roles = {"receive": (Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER)}
    serializer_class = s.HospitalReturnSerializer
    filterset_class = HospitalReturnFilter
    ordering_fields = ["shipped_at", "received_at", "id"]
    ordering = ["-shipped_at", "-id"]

    def get_queryset(self) -> QuerySet:
        return selectors.hospital_returns_for_user(self.request.user)

    @extend_schema(request=s.ReturnReceiveSerializer, responses=s.HospitalReturnSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Record what arrived; fewer units than shipped needs a remark."""
        data = self.valid(s.ReturnReceiveSerializer)
        hospital_return = services.hospital_return_receive(
            hospital_return=self.get_object(), actor=request.user, **data
        )
        return self.answer(hospital_return)


# ---------------------------------------------------------------------------------------------
# Certificates and supplier inspection levels


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
