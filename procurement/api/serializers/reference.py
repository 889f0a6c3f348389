"""Reference data: suppliers, standards, products, hospitals."""

from __future__ import annotations

from ...models import (
    Hospital,
    Product,
    Standard,
    Supplier,
)
from .common import ReadOnlyModelSerializer


class SupplierSerializer(ReadOnlyModelSerializer):
    """A supplier the ministry buys from."""

    class Meta:
        model = Supplier
        fields = ["id", "name", "country", "contact_email", "contact_phone"]


class StandardSerializer(ReadOnlyModelSerializer):
    """A named product standard and whether it is for medical use."""

    class Meta:
        model = Standard
        fields = ["id", "code", "title", "edition", "category", "is_medical"]


class ProductSerializer(ReadOnlyModelSerializer):
    """A product, with the id of the standard its maker claims (null: none claimed)."""

    class Meta:
        model = Product
        fields = ["id", "name", "sku", "category", "claimed_standard", "manufacturer", "unit"]


class HospitalSerializer(ReadOnlyModelSerializer):
    """A hospital as integrations see it; its webhook address and secret stay in the panel."""

    class Meta:
        model = Hospital
        fields = ["id", "code", "name", "city", "region", "contact_email", "language"]
