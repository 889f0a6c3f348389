"""Purchase orders: create, place, cancel."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from core.api.base import TrackerReadOnlyViewSet
from core.api.pagination import CursorPage
from core.api.permissions import MINISTRY_ROLES

from ... import filters, selectors, services
from ..serializers import (
    OptionalReasonSerializer,
    OrderCreateSerializer,
    OrderEventSerializer,
    PurchaseOrderSerializer,
    ReasonSerializer,
)
from .common import OFFICER, ServiceActions


class PurchaseOrderViewSet(ServiceActions, TrackerReadOnlyViewSet):
    """Purchase orders with their lines. Created as drafts, then placed (or cancelled)."""

    roles = MINISTRY_ROLES
    action_roles = {"create": OFFICER, "place": OFFICER, "cancel": OFFICER}
    action_doing = {
        "create": "create purchase orders",
        "place": "place purchase orders",
        "cancel": "cancel purchase orders",
    }
    serializer_class = PurchaseOrderSerializer
    filterset_class = filters.PurchaseOrderFilter
    ordering_fields = ["created_at", "placed_at", "reference", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.orders_with_lines()

    @extend_schema(request=OrderCreateSerializer, responses={201: PurchaseOrderSerializer})
    def create(self, request, *args, **kwargs):
        """Create a draft order with its lines (`services.order_create`)."""
        data = self.valid_input(OrderCreateSerializer)
        lines = [services.OrderLineInput(**line) for line in data["lines"]]
        order = services.order_create(
            supplier=data["supplier"],
            reference=data["reference"],
            lines=lines,
            notes=data["notes"],
            actor=request.user,
        )
        return self.answer(order, created=True)

    @extend_schema(request=OptionalReasonSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def place(self, request, pk=None):
        """Commit the draft to the supplier: shipments may be received against it from now.
        An optional `reason` is recorded on the order's event."""
        order = self.get_object()
        data = self.valid_input(OptionalReasonSerializer)
        order = services.order_place(order=order, actor=request.user, reason=data["reason"])
        return self.answer(order)

    @extend_schema(request=ReasonSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an order of which nothing has been received yet."""
        order = self.get_object()
        data = self.valid_input(ReasonSerializer)
        order = services.order_cancel(order=order, actor=request.user, reason=data["reason"])
        return self.answer(order)

    @extend_schema(responses=OrderEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPage, filter_backends=[])
    def events(self, request, pk=None):
        """The order's status changes, newest first."""
        events = selectors.order_events(self.get_object()).order_by("-id")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(OrderEventSerializer(page, many=True).data)
