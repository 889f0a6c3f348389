"""Shipments and lots: receive, release, hold, reject, recall, dispose, correct dates, trace."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.base import TrackerReadOnlyViewSet
from core.api.pagination import CursorPage
from core.api.permissions import MINISTRY_ROLES

from ... import filters, selectors, services
from ..serializers import (
    LotCorrectDatesSerializer,
    LotDisposeSerializer,
    LotEventSerializer,
    LotReleaseSerializer,
    LotSerializer,
    LotTraceabilitySerializer,
    ReasonSerializer,
    ShipmentReceiveSerializer,
    ShipmentSerializer,
)
from .common import DECIDERS, DISPATCHERS, OFFICER, ServiceActions


class ShipmentViewSet(ServiceActions, TrackerReadOnlyViewSet):
    """Shipments received against orders, each with its lots."""

    roles = MINISTRY_ROLES
    action_roles = {"create": DISPATCHERS}
    action_doing = {"create": "receive shipments"}
    serializer_class = ShipmentSerializer
    filterset_class = filters.ShipmentFilter
    ordering_fields = ["received_at", "reference", "id"]
    ordering = ["-received_at", "-id"]

    def get_queryset(self):
        return selectors.shipments_with_lots()

    @extend_schema(request=ShipmentReceiveSerializer, responses={201: ShipmentSerializer})
    def create(self, request, *args, **kwargs):
        """Receive a shipment into quarantined lots, all lots or none
        (`services.shipment_receive`)."""
        data = self.valid_input(ShipmentReceiveSerializer)
        shipment = services.shipment_receive(
            order=data["order"],
            reference=data["reference"],
            lots=[services.LotInput(**lot) for lot in data["lots"]],
            received_at=data["received_at"],
            notes=data["notes"],
            actor=request.user,
        )
        return self.answer(shipment, created=True)


class LotViewSet(ServiceActions, TrackerReadOnlyViewSet):
    """Shipment lots: the unit that is inspected, released, dispatched and recalled."""

    roles = MINISTRY_ROLES
    action_roles = {
        "release": DECIDERS,
        "hold": DECIDERS,
        "reject": DECIDERS,
        "recall": OFFICER,
        "dispose": OFFICER,
        "correct_dates": OFFICER,
    }
    action_doing = {
        "release": "release a lot",
        "hold": "put a lot on hold",
        "reject": "reject a lot",
        "recall": "recall a lot",
        "dispose": "dispose of a lot",
        "correct_dates": "correct a lot's dates",
    }
    serializer_class = LotSerializer
    filterset_class = filters.LotFilter
    ordering_fields = ["lot_number", "received_at", "expires_on", "released_at", "id"]
    ordering = ["lot_number"]

    def get_queryset(self):
        return selectors.lots_for_list()

    @extend_schema(request=LotReleaseSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release the lot for distribution, on an accepted inspection or, in an emergency, on
        documents alone (a ministry officer, from quarantine; the lot still needs a test)."""
        lot = self.get_object()
        data = self.valid_input(LotReleaseSerializer)
        lot = services.lot_release(lot=lot, actor=request.user, **data)
        return self.answer(lot)

    @extend_schema(request=ReasonSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Put the lot on hold: nothing more is dispatched until it is decided."""
        lot = self.get_object()
        data = self.valid_input(ReasonSerializer)
        lot = services.lot_hold(lot=lot, actor=request.user, reason=data["reason"])
        return self.answer(lot)

    @extend_schema(request=ReasonSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a lot of which no unit ever left the warehouse."""
        lot = self.get_object()
        data = self.valid_input(ReasonSerializer)
        lot = services.lot_reject(lot=lot, actor=request.user, reason=data["reason"])
        return self.answer(lot)

    @extend_schema(request=ReasonSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def recall(self, request, pk=None):
        """Mark the lot recalled: it failed after units reached hospitals. (The recall itself,
        with its notices to hospitals, is issued under /recalls/.)"""
        lot = self.get_object()
        data = self.valid_input(ReasonSerializer)
        lot = services.lot_recall(lot=lot, actor=request.user, reason=data["reason"])
        return self.answer(lot)

    @extend_schema(request=LotDisposeSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request, pk=None):
        """Return a rejected or recalled lot's warehouse stock to the supplier, or destroy it.
        (To claim a credit for the units, create a supplier return instead.)"""
        lot = self.get_object()
        data = self.valid_input(LotDisposeSerializer)
        lot = services.lot_dispose(lot=lot, actor=request.user, **data)
        return self.answer(lot)

    @extend_schema(request=LotCorrectDatesSerializer, responses=LotSerializer)
    @action(detail=True, methods=["post"], url_path="correct-dates")
    def correct_dates(self, request, pk=None):
        """Correct the manufacturing or expiry date as printed on the goods."""
        lot = self.get_object()
        data = self.valid_input(LotCorrectDatesSerializer)
        lot = services.lot_correct_dates(
            lot=lot,
            actor=request.user,
            manufactured_on=data.get("manufactured_on", lot.manufactured_on),
            expires_on=data.get("expires_on", lot.expires_on),
            reason=data["reason"],
        )
        return self.answer(lot)

    @extend_schema(responses=LotEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPage, filter_backends=[])
    def events(self, request, pk=None):
        """Everything that happened to the lot, newest first."""
        events = self.get_object().events.select_related("actor").order_by("-id")
        page = self.paginate_queryset(events)
        return self.get_paginated_response(LotEventSerializer(page, many=True).data)

    @extend_schema(responses=LotTraceabilitySerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def traceability(self, request, pk=None):
        """Where every unit of the lot is now: per location (the warehouse, each hospital,
        returns in transit, returned to the supplier, consumed, destroyed, lost) and per kind of
        location, from the ledger's balances."""
        units = selectors.lot_units_by_location(self.get_object())
        return Response(LotTraceabilitySerializer(units).data)
