"""Complaints from hospitals."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from procurement.selectors import distributions_for_user

from ... import selectors, services
from ...filters import (
    ComplaintFilter,
)
from .. import serializers as s
from .common import HOSPITAL, OFFICER, QUALITY, QualityViewSet


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
