"""Procurement's API resources. Each list comes from a selector with what its serializer needs
joined in; each action calls the one service the pages and the panel call, and answers with the
object (200), or the created one (201).

Who may do what mirrors the pages, the panel and the services' `require_role`: a role outside a
resource's read roles gets 403 on all of it; a role outside an action's roles gets 403 before its
input is read; the service checks again. Hospital staff see only their hospitals' records
(`selectors.hospitals_for_user`, `selectors.distributions_for_user`): another hospital's object
answers 404.

| resource (/api/v1/...)          | read                       | actions: who may call them        |
|---------------------------------|----------------------------|-----------------------------------|
| suppliers, products, standards  | officer, inspector, clerk  | none (the panel keeps them)       |
| hospitals                       | ministry roles: all;       | none                              |
|                                 | hospital staff: their own  |                                   |
| orders (lines; events)          | officer, inspector, clerk  | create, place, cancel: officer    |
| shipments (their lots)          | officer, inspector, clerk  | create (receive): clerk, officer  |
| lots (events; traceability)     | officer, inspector, clerk  | release: inspector, officer (on   |
|                                 |                            | documents or over an intended-use |
|                                 |                            | mismatch: officer); hold, reject: |
|                                 |                            | inspector, officer; recall,       |
|                                 |                            | dispose, correct-dates: officer   |
| distributions (cursor-paged)    | ministry roles: all;       | create (dispatch): clerk, officer;|
|                                 | hospital staff: their      | confirm-receipt: staff of the     |
|                                 | hospitals'                 | receiving hospital; record-use:   |
|                                 |                            | its staff, or an officer          |
| stock-movements (cursor-paged)  | officer, inspector, clerk  | none (services write the ledger)  |
| supplier-returns (claim events) | officer, inspector, clerk  | create, credit-claim: officer     |

Hospital staff do not see lots, their traceability or the ledger: the portal shows them a lot
only through their deliveries, and so does the API (a distribution names its lot and product).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import filters, selectors, services
from ..models import Product, Role, Standard, Supplier
from ..roles import has_role, require_role
from .base import TrackerReadOnlyViewSet
from .pagination import CursorPage
from .permissions import ALL_ROLES, MINISTRY_ROLES, HasRole
from .serializers import (
    CreditClaimStatusSerializer,
    DispatchSerializer,
    DistributionSerializer,
    HospitalSerializer,
    LotCorrectDatesSerializer,
    LotDisposeSerializer,
    LotEventSerializer,
    LotReleaseSerializer,
    LotSerializer,
    LotTraceabilitySerializer,
    OptionalReasonSerializer,
    OrderCreateSerializer,
    OrderEventSerializer,
    ProductSerializer,
    PurchaseOrderSerializer,
    ReasonSerializer,
    ReceiptConfirmSerializer,
    ShipmentReceiveSerializer,
    ShipmentSerializer,
    StandardSerializer,
    StockMovementSerializer,
    SupplierReturnCreateSerializer,
    SupplierReturnSerializer,
    SupplierSerializer,
    UseRecordedSerializer,
    UseRecordSerializer,
)

OFFICER = (Role.MINISTRY_OFFICER,)
DISPATCHERS = (Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER)
DECIDERS = (Role.MINISTRY_OFFICER, Role.INSPECTOR)


class ActionRole(HasRole):
    """`HasRole`, refusing an action with the sentence its service would say ("Only a ministry
    officer may recall a lot.") when the view names the act in `action_doing`: a caller who may
    read the resource learns who may act on it."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        doing = getattr(view, "action_doing", {}).get(getattr(view, "action", None))
        user = request.user
        if doing and user and user.is_authenticated and has_role(user, *view.roles):
            require_role(user, *view.action_roles[view.action], action=doing)
        return False


class _Actions:
    """What the resources' actions share: the role check with the services' refusals, reading
    an action's input, answering with the object as the list shows it (re-read through the
    view's queryset)."""

    permission_classes = [ActionRole]

    def valid_input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def answer(self, obj, *, created: bool = False) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(fresh).data, status=code)


# ---------------------------------------------------------------------------------------------
# Reference data


class SupplierViewSet(TrackerReadOnlyViewSet):
    """Suppliers the ministry buys from."""

    roles = MINISTRY_ROLES
    queryset = Supplier.objects.all()
    serializer_class = SupplierSerializer
    filterset_class = filters.SupplierFilter
    ordering_fields = ["name", "country", "id"]


class ProductViewSet(TrackerReadOnlyViewSet):
    """What the ministry buys, with the standard its maker claims."""

    roles = MINISTRY_ROLES
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = filters.ProductFilter
    ordering_fields = ["name", "sku", "id"]


class StandardViewSet(TrackerReadOnlyViewSet):
    """Product standards, and whether each is for medical use."""

    roles = MINISTRY_ROLES
    queryset = Standard.objects.all()
    serializer_class = StandardSerializer
    filterset_class = filters.StandardFilter
    ordering_fields = ["code", "id"]


class HospitalViewSet(TrackerReadOnlyViewSet):
    """Hospitals: all of them for the ministry's roles, their own for hospital staff."""

    roles = ALL_ROLES
    serializer_class = HospitalSerializer
    filterset_class = filters.HospitalFilter
    ordering_fields = ["name", "code", "id"]

    def get_queryset(self):
        return selectors.hospitals_for_user(self.request.user).order_by("name", "pk")


# ---------------------------------------------------------------------------------------------
# Purchase orders


class PurchaseOrderViewSet(_Actions, TrackerReadOnlyViewSet):
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


# ---------------------------------------------------------------------------------------------
# Shipments and lots


class ShipmentViewSet(_Actions, TrackerReadOnlyViewSet):
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


class LotViewSet(_Actions, TrackerReadOnlyViewSet):
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


# ---------------------------------------------------------------------------------------------
# Distributions


class DistributionViewSet(_Actions, TrackerReadOnlyViewSet):
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


# ---------------------------------------------------------------------------------------------
# The ledger and supplier returns


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


class SupplierReturnViewSet(_Actions, TrackerReadOnlyViewSet):
    """Rejected or recalled lots sent back to their supplier, and the credit claimed for them."""

    roles = MINISTRY_ROLES
    action_roles = {"create": OFFICER, "credit_claim": OFFICER}
    action_doing = {
        "create": "return a lot to its supplier",
        "credit_claim": "change the status of a credit claim",
    }
    serializer_class = SupplierReturnSerializer
    filterset_class = filters.SupplierReturnFilter
    ordering_fields = ["created_at", "credit_amount", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.supplier_returns_for_list()

    @extend_schema(
        request=SupplierReturnCreateSerializer, responses={201: SupplierReturnSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Send every unit the warehouse holds of a rejected or recalled lot back to its
        supplier and claim the credit (`services.supplier_return_create`); the lot becomes
        disposed."""
        data = self.valid_input(SupplierReturnCreateSerializer)
        supplier_return = services.supplier_return_create(actor=request.user, **data)
        return self.answer(supplier_return, created=True)

    @extend_schema(request=CreditClaimStatusSerializer, responses=SupplierReturnSerializer)
    @action(detail=True, methods=["post"], url_path="credit-claim")
    def credit_claim(self, request, pk=None):
        """Record the supplier's answer to the credit claim (accepted, refused) or its payment."""
        supplier_return = self.get_object()
        data = self.valid_input(CreditClaimStatusSerializer)
        supplier_return = services.credit_claim_set_status(
            supplier_return=supplier_return, actor=request.user, **data
        )
        return self.answer(supplier_return)
