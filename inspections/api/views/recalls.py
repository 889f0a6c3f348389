"""Recalls: prepare, issue, close, and their effectiveness."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import CursorPage

from ... import selectors, services
from ...filters import (
    RecallFilter,
)
from ...selectors import portal
from .. import serializers as s
from .common import OFFICER, QUALITY, SUB_LIST, QualityViewSet


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
        page = self.paginate_queryset(
            portal.notices_with_replies(request.user).filter(recall=recall)
        )
        return self.get_paginated_response(s.NoticeSerializer(page, many=True).data)
