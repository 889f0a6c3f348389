"""django-filter FilterSets for the quality side's lists, shared by the API and the pages.

As in `procurement.filters`: date ranges use `DateFromToRangeFilter`, which gives each range two
query parameters, `<name>_after` and `<name>_before` (both inclusive, whole days in the site's
time zone); filters name the objects they filter by their ids (`?lot=12&hospital=3`). The lists
themselves come from the scoped selectors, so a filter can only narrow what the user may see.
"""

from __future__ import annotations

import django_filters as filters
from django import forms

from procurement.models import Hospital, Lot, Product, ProductCategory, Standard, Supplier

from .models import (
    Certificate,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    HospitalReturn,
    Inspection,
    InspectionStage,
    LevelState,
    Notice,
    Outcome,
    Recall,
    RecallClass,
    RecallStatus,
    ReturnStatus,
    SupplierLevel,
    Verdict,
    VerificationStatus,
)

# The largest id a database integer key holds: a larger number names no object. Checked before
# the lookup, because SQLite and PostgreSQL refuse such a number with an error, not a miss.
MAX_ID = 2**63 - 1


def id_in_range(value) -> bool:
    """Whether `value` could be an object's id (a whole number from 1 to `MAX_ID`)."""
    try:
        return 1 <= int(value) <= MAX_ID
    except (TypeError, ValueError):
        return False


class IdChoiceField(filters.fields.ModelChoiceField):
    """An object chosen by id; an id out of the database's range is "not one of the choices"."""

    def to_python(self, value):
        if value not in self.empty_values and not id_in_range(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdFilter(filters.ModelChoiceFilter):
    """Filter by an object's id (`?lot=12`)."""

    field_class = IdChoiceField


class InspectionFilter(filters.FilterSet):
    lot = IdFilter(queryset=Lot.objects.all())
    supplier = IdFilter(
        field_name="lot__shipment__order__supplier", queryset=Supplier.objects.all()
    )
    stage = filters.ChoiceFilter(choices=InspectionStage.choices)
    verdict = filters.ChoiceFilter(choices=Verdict.choices)
    outcome = filters.ChoiceFilter(choices=Outcome.choices)
    performed = filters.DateFromToRangeFilter(field_name="performed_on")
    recorded = filters.DateFromToRangeFilter(field_name="recorded_at")

    class Meta:
        model = Inspection
        fields = ["lot", "supplier", "stage", "verdict", "outcome"]


class ComplaintFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ComplaintStatus.choices)
    category = filters.ChoiceFilter(choices=ComplaintCategory.choices)
    hospital = IdFilter(queryset=Hospital.objects.all())
    lot = IdFilter(queryset=Lot.objects.all())
    supplier = IdFilter(
        field_name="lot__shipment__order__supplier", queryset=Supplier.objects.all()
    )
    reported = filters.DateFromToRangeFilter(field_name="reported_at")

    class Meta:
        model = Complaint
        fields = ["status", "category", "hospital", "lot", "supplier"]


class RecallFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RecallStatus.choices)
    recall_class = filters.ChoiceFilter(choices=RecallClass.choices)
    lot = IdFilter(field_name="lots", queryset=Lot.objects.all())
    supplier = IdFilter(
        field_name="lots__shipment__order__supplier",
        queryset=Supplier.objects.all(),
        distinct=True,
    )
    created = filters.DateFromToRangeFilter(field_name="created_at")
    issued = filters.DateFromToRangeFilter(field_name="issued_at")
    deadline = filters.DateFromToRangeFilter(field_name="response_deadline")

    class Meta:
        model = Recall
        fields = ["status", "recall_class", "lot", "supplier"]


class NoticeFilter(filters.FilterSet):
    recall = IdFilter(queryset=Recall.objects.all())
    hospital = IdFilter(queryset=Hospital.objects.all())
    recall_status = filters.ChoiceFilter(field_name="recall__status", choices=RecallStatus.choices)
    # `answered` is the selector's annotation (an acknowledged reply).
    answered = filters.BooleanFilter(field_name="answered")
    created = filters.DateFromToRangeFilter(field_name="created_at")
    deadline = filters.DateFromToRangeFilter(field_name="recall__response_deadline")

    class Meta:
        model = Notice
        fields = ["recall", "hospital"]


class HospitalReturnFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ReturnStatus.choices)
    hospital = IdFilter(queryset=Hospital.objects.all())
    lot = IdFilter(queryset=Lot.objects.all())
    notice = IdFilter(queryset=Notice.objects.all())
    recall = IdFilter(field_name="notice__recall", queryset=Recall.objects.all())
    shipped = filters.DateFromToRangeFilter(field_name="shipped_at")
    received = filters.DateFromToRangeFilter(field_name="received_at")

    class Meta:
        model = HospitalReturn
        fields = ["status", "hospital", "lot", "notice", "recall"]


class CertificateFilter(filters.FilterSet):
    verification_status = filters.ChoiceFilter(choices=VerificationStatus.choices)
    lot = IdFilter(queryset=Lot.objects.all())
    product = IdFilter(queryset=Product.objects.all())
    standard = IdFilter(queryset=Standard.objects.all())
    valid_until = filters.DateFromToRangeFilter()

    class Meta:
        model = Certificate
        fields = ["verification_status", "lot", "product", "standard"]


class SupplierLevelFilter(filters.FilterSet):
    supplier = IdFilter(queryset=Supplier.objects.all())
    category = filters.ChoiceFilter(choices=ProductCategory.choices)
    state = filters.ChoiceFilter(choices=LevelState.choices)
    reduced_proposed = filters.BooleanFilter()

    class Meta:
        model = SupplierLevel
        fields = ["supplier", "category", "state", "reduced_proposed"]
