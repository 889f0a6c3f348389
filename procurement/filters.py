"""django-filter FilterSets for procurement's lists, shared by the API and the pages.

Date ranges use `DateFromToRangeFilter`, which gives each range two query parameters,
`<name>_after` and `<name>_before` (both inclusive, whole days in the site's time zone), so every
list filters by dates the same way. Filters name the objects they filter by their ids
(`?supplier=3&lot=12`).
"""

from __future__ import annotations

import datetime as dt

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_filters.fields import DateRangeField
from drf_spectacular.utils import extend_schema_field

from .models import (
    CreditClaimStatus,
    Distribution,
    Hospital,
    LocationKind,
    Lot,
    LotStatus,
    MovementKind,
    OrderStatus,
    Product,
    ProductCategory,
    PurchaseOrder,
    ReleaseBasis,
    Shipment,
    Standard,
    StockMovement,
    Supplier,
    SupplierReturn,
)

# Ids are big integers: a number past what the column holds is refused (400) rather than sent
# to the database, which would fail on it.
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An object's id: a whole number from 1 up."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class DayRangeField(DateRangeField):
    """Whole days as a range of moments in the site's time zone; a day too near the calendar's
    ends to be a moment in UTC as well (the database compares in UTC) is refused, not sent."""

    def compress(self, data_list):
        value = super().compress(data_list)
        for bound in (value.start, value.stop) if value else ():
            if isinstance(bound, dt.datetime):
                try:
                    bound.astimezone(dt.UTC)
                except OverflowError as exc:
                    raise ValidationError("The date is out of range.", code="invalid") from exc
        return value


class DayRangeFilter(filters.DateFromToRangeFilter):
    """`<name>_after` and `<name>_before`: whole days, both inclusive."""

    field_class = DayRangeField


class SupplierFilter(filters.FilterSet):
    country = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Supplier
        fields = ["country"]


class ProductFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=ProductCategory.choices)
    claimed_standard = filters.ModelChoiceFilter(queryset=Standard.objects.all())

    class Meta:
        model = Product
        fields = ["category", "claimed_standard"]


class StandardFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=ProductCategory.choices)
    is_medical = filters.BooleanFilter()

    class Meta:
        model = Standard
        fields = ["category", "is_medical"]


class HospitalFilter(filters.FilterSet):
    city = filters.CharFilter(lookup_expr="iexact")
    region = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Hospital
        fields = ["city", "region"]


class PurchaseOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    supplier = filters.ModelChoiceFilter(queryset=Supplier.objects.all())
    created = DayRangeFilter(field_name="created_at")
    placed = DayRangeFilter(field_name="placed_at")

    class Meta:
        model = PurchaseOrder
        fields = ["status", "supplier"]


class ShipmentFilter(filters.FilterSet):
    order = filters.ModelChoiceFilter(queryset=PurchaseOrder.objects.all())
    supplier = filters.ModelChoiceFilter(
        field_name="order__supplier", queryset=Supplier.objects.all()
    )
    received = DayRangeFilter(field_name="received_at")

    class Meta:
        model = Shipment
        fields = ["order", "supplier"]


class LotFilter(filters.FilterSet):
    # What a person reads off a carton: matched whole, in any case.
    lot_number = filters.CharFilter(lookup_expr="iexact", max_length=60)
    status = filters.MultipleChoiceFilter(choices=LotStatus.choices)
    release_basis = filters.ChoiceFilter(choices=ReleaseBasis.choices)
    supplier = filters.ModelChoiceFilter(
        field_name="shipment__order__supplier", queryset=Supplier.objects.all()
    )
    product = filters.ModelChoiceFilter(
        field_name="order_line__product", queryset=Product.objects.all()
    )
    order = filters.ModelChoiceFilter(
        field_name="shipment__order", queryset=PurchaseOrder.objects.all()
    )
    shipment = filters.ModelChoiceFilter(queryset=Shipment.objects.all())
    received = DayRangeFilter(field_name="received_at")
    expires = DayRangeFilter(field_name="expires_on")

    class Meta:
        model = Lot
        fields = [
            "lot_number",
            "status",
            "release_basis",
            "supplier",
            "product",
            "order",
            "shipment",
        ]


class DistributionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Distribution.Status.choices)
    # Any hospital id is accepted: the list is already scoped to the user's hospitals, so another
    # hospital's id simply matches nothing (as the pages do), rather than telling it exists.
    hospital = IdFilter(field_name="hospital_id")
    lot = IdFilter(field_name="lot_id")
    dispatched = DayRangeFilter(field_name="dispatched_at")
    discrepancy = filters.BooleanFilter(
        method="filter_discrepancy",
        label="Confirmed with a different count (true) or not (false)",
    )

    class Meta:
        model = Distribution
        fields = ["status", "hospital", "lot"]

    def filter_discrepancy(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        q = Distribution.discrepancy_q()
        return queryset.filter(q) if value else queryset.exclude(q)


class StockMovementFilter(filters.FilterSet):
    lot = IdFilter(field_name="lot_id")
    kind = filters.MultipleChoiceFilter(choices=MovementKind.choices)
    location = IdFilter(method="filter_location", label="Location id (either side)")
    location_kind = filters.ChoiceFilter(
        choices=LocationKind.choices,
        method="filter_location_kind",
        label="Location kind (either side)",
    )
    hospital = IdFilter(method="filter_hospital", label="Hospital id (either side)")
    at = DayRangeFilter(field_name="at")

    class Meta:
        model = StockMovement
        fields = ["lot", "kind"]

    def filter_location(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(Q(from_location_id=value) | Q(to_location_id=value))

    def filter_location_kind(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(from_location__kind=value) | Q(to_location__kind=value))

    def filter_hospital(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(
            Q(from_location__hospital_id=value) | Q(to_location__hospital_id=value)
        )


class SupplierReturnFilter(filters.FilterSet):
    claim_status = filters.ChoiceFilter(choices=CreditClaimStatus.choices)
    lot = IdFilter(field_name="lot_id")
    supplier = filters.ModelChoiceFilter(
        field_name="lot__shipment__order__supplier", queryset=Supplier.objects.all()
    )
    created = DayRangeFilter(field_name="created_at")

    class Meta:
        model = SupplierReturn
        fields = ["claim_status", "lot", "supplier"]
