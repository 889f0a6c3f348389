"""Returns to the supplier and their credit claims."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from core.api.base import TrackerReadOnlyViewSet
from core.api.permissions import MINISTRY_ROLES

from ... import filters, selectors, services
from ..serializers import (
    CreditClaimStatusSerializer,
    SupplierReturnCreateSerializer,
    SupplierReturnSerializer,
)
from .common import OFFICER, ServiceActions


class SupplierReturnViewSet(ServiceActions, TrackerReadOnlyViewSet):
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
