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

from core.admin.forms import ReasonForm, text_area

from . import selectors, services
from .models import (
    Distribution,
    Hospital,
    LocationKind,
    Lot,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)

OPEN_ORDER_STATUSES = (OrderStatus.PLACED, OrderStatus.PARTIALLY_RECEIVED)


class EvidenceForm(forms.Form):
    """The evidence a release on inspection rests on, required by the service."""

    reason = forms.CharField(
        label="Evidence: inspection or laboratory report reference",
        required=False,
        widget=text_area(required_in_browser=True),
        help_text="Recorded with the release, so anyone can see on what evidence it was made.",
    )


MISMATCH_OVERRIDE_LABEL = "Override of the intended-use mismatch (ministry officer)"


def mismatch_override_field() -> forms.CharField:
    return forms.CharField(
        label=MISMATCH_OVERRIDE_LABEL,
        required=False,
        widget=text_area(required_in_browser=False),
        help_text=(
            "Only for lots ordered for medical use whose product is certified only to a "
            "non-medical standard: why they may be released anyway. Recorded with the release. "
            "Leave blank otherwise."
        ),
    )


class ReleaseOnDocumentsForm(ReasonForm):
    """An emergency release: the reason, and an officer's override of a use mismatch if any."""

    mismatch_override = mismatch_override_field()


class ReleaseOnInspectionForm(EvidenceForm):
    """A release on inspection: the evidence, and an officer's override of a use mismatch."""

    mismatch_override = mismatch_override_field()


KEEP_DATE_HELP = "Leave blank to keep each lot's current date."


class CorrectDatesForm(ReasonForm):
    """The dates as printed on the goods; the reason says where the correct ones come from.

    A blank date leaves that date of each lot as it is.
    """

    manufactured_on = forms.DateField(
        label="Manufactured on", required=False, widget=AdminDateWidget, help_text=KEEP_DATE_HELP
    )
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=AdminDateWidget, help_text=KEEP_DATE_HELP
    )

    def clean(self) -> dict:
        # Not a business rule: with both dates blank this form would ask for no change at all.
        data = super().clean()
        if not (data.get("manufactured_on") or data.get("expires_on") or self.errors):
            raise forms.ValidationError("Give the manufacturing date, the expiry date or both.")
        return data


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


class SupplierReturnForm(ReasonForm):
    """A return to the supplier: the supplier's return authorisation, the credit to claim (blank:
    the default the page shows) and why. The service checks all three."""

    authorisation_reference = forms.CharField(
        label="Return authorisation",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"required": "required", "size": 40}),
        help_text="The supplier's reference for taking the units back (RA or RMA number).",
    )
    credit_amount = forms.DecimalField(
        label="Credit amount",
        required=False,
        help_text=(
            "In the currency of the lot's order line. Leave blank to claim the default shown "
            "above: the units returned at the order line's unit price."
        ),
    )
    field_order = ["authorisation_reference", "credit_amount", "reason"]


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


class HoldingHospitalField(forms.ModelChoiceField):
    def label_from_instance(self, hospital: Hospital) -> str:
        return f"{hospital}: holds {hospital.units_held:,} units"


class ReturnForm(forms.Form):
    """Which hospital sends units of one lot back to the central warehouse, and how many."""

    hospital = HoldingHospitalField(
        queryset=Hospital.objects.none(), help_text="Only hospitals holding units of this lot."
    )
    quantity = forms.IntegerField(label="Quantity (units)")
    reference = forms.CharField(
        required=False, max_length=100, help_text="Return note or recall notice, if there is one."
    )

    def __init__(self, *args, lot: Lot, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = selectors.hospitals_holding(lot)


class WriteOnlyField(forms.CharField):
    """A secret that is never sent to the browser; left blank, it keeps the stored value."""

    widget = forms.PasswordInput(render_value=False)

    def has_changed(self, initial, data) -> bool:
        return bool(data) and data != initial


class HospitalAdminForm(forms.ModelForm):
    """Hospital form for ministry officers: the webhook secret can be replaced, never read.

    No Meta: like the admin's default `ModelForm` base, the admin's form factory adds the model
    and the fields (with its own widgets), so a field added to Hospital shows up here too.
    """

    webhook_secret = WriteOnlyField(
        max_length=Hospital._meta.get_field("webhook_secret").max_length,
        required=False,
        help_text=(
            "Shared secret for HMAC-SHA256 webhook signatures. Write-only: it is never shown. "
            "Leave blank to keep the current secret; type a new one to replace it."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.webhook_secret:
            field = self.fields["webhook_secret"]
            field.help_text = f"A secret is set. {field.help_text}"

    def clean_webhook_secret(self) -> str:
        return self.cleaned_data["webhook_secret"] or self.instance.webhook_secret


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
