"""Distributions and the ledger's movements: dispatch, confirm receipt, book use."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.base import TrackerReadOnlyViewSet
from core.api.pagination import CursorPage
from core.api.permissions import ALL_ROLES, MINISTRY_ROLES
from core.roles import Role

from ... import filters, selectors, services
from ..serializers import (
    DispatchSerializer,
    DistributionSerializer,
    ReceiptConfirmSerializer,
    StockMovementSerializer,
    UseRecordedSerializer,
    UseRecordSerializer,
)
from .common import DISPATCHERS, ServiceActions


class DistributionViewSet(ServiceActions, TrackerReadOnlyViewSet):
    """Deliveries of a lot's units to a hospital. Hospital staff see their hospitals' only."""

    roles = ALL_ROLES
    action_roles = {
        "create": DISPATCHERS,
        "confirm_receipt": (Role.HOSPITAL_STAFF,),
        "record_use": (Role.HOSPITAL_STAFF, Role.MINISTRY_OFFICER),
    }
    action_doing = {
        "create": "dispatch stock",
        "confirm_receipt": "confirm the receipt of a delivery",
        "record_use": "record use at a hospital",
    }
    serializer_class = DistributionSerializer
    filterset_class = filters.DistributionFilter
    pagination_class = CursorPage
    ordering_fields = ["id"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.distributions_for_user(self.request.user)

    @extend_schema(request=DispatchSerializer, responses={201: DistributionSerializer})
    def create(self, request, *args, **kwargs):
        """Dispatch units of a released lot from the warehouse to a hospital
        (`services.distribution_dispatch`)."""
        data = self.valid_input(DispatchSerializer)
        distribution = services.distribution_dispatch(actor=request.user, **data)
        return self.answer(distribution, created=True)

    @extend_schema(request=ReceiptConfirmSerializer, responses=DistributionSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-receipt")
    def confirm_receipt(self, request, pk=None):
        """The receiving hospital confirms the delivery with the units counted; a different
        count needs a remark and is reported to the ministry. Confirmed once."""
        distribution = self.get_object()
        data = self.valid_input(ReceiptConfirmSerializer)
        distribution = services.distribution_confirm_receipt(
            distribution=distribution, actor=request.user, **data
        )
        return self.answer(distribution)

    @extend_schema(request=UseRecordSerializer, responses=UseRecordedSerializer)
    @action(detail=True, methods=["post"], url_path="record-use")
    def record_use(self, request, pk=None):
        """Record units of the delivery's lot used up at the delivery's hospital (not for
        recalled or rejected lots: their use is reported in the reply to the recall notice)."""
        distribution = self.get_object()
        data = self.valid_input(UseRecordSerializer)
        services.stock_consume(
            lot=distribution.lot,
            hospital=distribution.hospital,
            quantity=data["quantity"],
            actor=request.user,
        )
        on_hand = selectors.lot_units_at_hospital(distribution.lot, distribution.hospital)
        body = {
            "distribution": distribution.pk,
            "lot": distribution.lot_id,
            "hospital": distribution.hospital_id,
            "quantity": data["quantity"],
            "on_hand": on_hand,
        }
        return Response(UseRecordedSerializer(body).data)


class StockMovementViewSet(TrackerReadOnlyViewSet):
    """The stock ledger, newest first: every quantity of a lot moved from one place to another."""

    roles = MINISTRY_ROLES
    serializer_class = StockMovementSerializer
    filterset_class = filters.StockMovementFilter
    pagination_class = CursorPage
    ordering_fields = ["id"]
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.movements_for_list()
