"""Forms for the admin's intermediate pages and the receive-shipment view.

They only collect input. Every rule (a reason is required, the quantity must be above zero, the
lot fits the order) is checked by the service the admin calls, so a required reason is marked
`required` in the browser but left to the service on the server: its message is the one shown.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime, AutocompleteSelect
from django.utils import timezone

from . import services
from .models import (
    Distribution,
    Hospital,
    LocationKind,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)

OPEN_ORDER_STATUSES = (OrderStatus.PLACED, OrderStatus.PARTIALLY_RECEIVED)


def _text_area(*, required_in_browser: bool) -> forms.Textarea:
    attrs = {"rows": 4, "cols": 60}
    if required_in_browser:
        attrs["required"] = "required"
    return forms.Textarea(attrs=attrs)


class ReasonForm(forms.Form):
    """A written reason, required by the service (the browser asks for it too)."""

    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=_text_area(required_in_browser=True),
        help_text="Recorded with the change: who did it, when and why.",
    )


class NoteForm(forms.Form):
    """An optional note recorded as the reason of the change."""

    reason = forms.CharField(
        label="Note", required=False, widget=_text_area(required_in_browser=False)
    )


class CorrectDatesForm(ReasonForm):
    """The dates as printed on the goods; the reason says where the correct ones come from."""

    manufactured_on = forms.DateField(
        label="Manufactured on", required=False, widget=AdminDateWidget
    )
    expires_on = forms.DateField(label="Expires on", required=False, widget=AdminDateWidget)


class DisposeForm(ReasonForm):
    method = forms.ChoiceField(
        label="Method",
        choices=[
            (LocationKind.SUPPLIER.value, "Return to supplier"),
            (LocationKind.DESTROYED.value, "Destroy"),
        ],
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(
        label="Reference",
        required=False,
        max_length=100,
        help_text="Return authorisation or certificate of destruction, if there is one.",
    )
    field_order = ["method", "reason", "reference"]


class DispatchForm(forms.Form):
    """Where to, and how many units of one released lot."""

    hospital = forms.ModelChoiceField(queryset=Hospital.objects.all())
    quantity = forms.IntegerField(label="Quantity (units)")
    note = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, admin_site: admin.AdminSite | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if admin_site is not None:
            widget = AutocompleteSelect(Distribution._meta.get_field("hospital"), admin_site)
            self.fields["hospital"] = forms.ModelChoiceField(
                queryset=Hospital.objects.all(), widget=widget
            )


class OrderLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: PurchaseOrderLine) -> str:
        return f"{line.order.reference}: {line.quantity:,} x {line.product}"


class ShipmentReceiveForm(forms.Form):
    """The shipment: against which placed order, its reference, when it arrived."""

    order = forms.ModelChoiceField(
        queryset=PurchaseOrder.objects.filter(status__in=OPEN_ORDER_STATUSES).select_related(
            "supplier"
        ),
        help_text="Only placed orders that are not fully received are listed.",
    )
    reference = forms.CharField(
        max_length=60, required=False, help_text="Airway bill, container or delivery note."
    )
    received_at = forms.SplitDateTimeField(
        widget=AdminSplitDateTime, required=False, initial=timezone.now
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LotReceiveForm(forms.Form):
    """One lot of the shipment. An untouched row is skipped."""

    order_line = OrderLineChoiceField(queryset=PurchaseOrderLine.objects.none())
    lot_number = forms.CharField(max_length=60, required=False)
    quantity = forms.IntegerField()
    manufactured_on = forms.DateField(required=False, widget=AdminDateWidget)
    expires_on = forms.DateField(required=False, widget=AdminDateWidget)

    def __init__(self, *args, lines=None, only_line=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if lines is not None:
            self.fields["order_line"].queryset = lines
        # With one line to choose from, preselect it; an untouched row still counts as empty.
        self.fields["order_line"].initial = only_line

    def lot_input(self) -> services.LotInput:
        return services.LotInput(**self.cleaned_data)


class BaseLotReceiveFormSet(forms.BaseFormSet):
    def lot_inputs(self) -> list[services.LotInput]:
        return [form.lot_input() for form in self.forms if form.has_changed()]


LotReceiveFormSet = forms.formset_factory(LotReceiveForm, formset=BaseLotReceiveFormSet, extra=5)


def lot_formset(data, order_id: str | None) -> BaseLotReceiveFormSet:
    """The lots of a shipment; its line choices are those of the order when one is given."""
    lines = PurchaseOrderLine.objects.filter(order__status__in=OPEN_ORDER_STATUSES)
    only_line = None
    if order_id and str(order_id).isdigit():
        lines = lines.filter(order_id=order_id)
        only_line = lines.first() if lines.count() == 1 else None
    lines = lines.select_related("order", "product").order_by("order__reference", "pk")
    return LotReceiveFormSet(
        data, prefix="lots", form_kwargs={"lines": lines, "only_line": only_line}
    )
