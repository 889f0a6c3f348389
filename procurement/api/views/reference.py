"""Reference data: suppliers, products, standards, hospitals."""

from __future__ import annotations

from core.api.base import TrackerReadOnlyViewSet
from core.api.permissions import ALL_ROLES, MINISTRY_ROLES

from ... import filters, selectors
from ...models import Product, Standard, Supplier
from ..serializers import (
    HospitalSerializer,
    ProductSerializer,
    StandardSerializer,
    SupplierSerializer,
)


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
