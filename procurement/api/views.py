"""Procurement's API resources. Each list comes from a selector or a plain queryset with what
its serializer needs joined in; each action calls one service and answers with the object."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..models import Lot, Supplier
from .base import TrackerReadOnlyViewSet
from .pagination import CursorPage
from .permissions import MINISTRY_ROLES
from .serializers import LotEventSerializer, LotSerializer, ReasonSerializer, SupplierSerializer


class SupplierViewSet(TrackerReadOnlyViewSet):
    """Suppliers the ministry buys from."""

    roles = MINISTRY_ROLES
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    filterset_fields = ["country"]
    ordering_fields = ["name", "id"]


class LotViewSet(TrackerReadOnlyViewSet):
    """Shipment lots: the unit that is inspected, released, dispatched and recalled."""

    roles = MINISTRY_ROLES
    queryset = Lot.objects.select_related("order_line__product", "shipment__order")
    serializer_class = LotSerializer
    filterset_fields = ["status", "shipment__order__supplier"]
    ordering_fields = ["lot_number", "received_at", "expires_on", "id"]

    @extend_schema(request=ReasonSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Put the lot on hold: nothing more is dispatched until it is decided."""
        data = self._valid(ReasonSerializer)
        lot = services.lot_hold(lot=self.get_object(), actor=request.user, reason=data["reason"])
        return Response(LotSerializer(lot).data)

    @extend_schema(responses=LotEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPage)
    def events(self, request, pk=None):
        """Everything that happened to the lot, newest first."""
        events = self.get_object().events.select_related("actor").order_by("-id")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(LotEventSerializer(page, many=True).data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
