"""Recall notices and the hospitals' answers and returns."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import CursorPage
from core.roles import Role
from procurement.models import Lot

from ... import selectors, services
from ...filters import (
    HospitalReturnFilter,
    NoticeFilter,
)
from ...selectors import portal
from .. import serializers as s
from .common import HOSPITAL, QUALITY, SUB_LIST, QualityViewSet


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
        return portal.notices_with_replies(self.request.user)

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
