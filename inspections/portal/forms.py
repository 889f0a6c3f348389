"""The portal's forms. They read what was typed; whether it is allowed (a remark for a
discrepancy, a quantity within the delivery, a real photo) is the services' to say, and their
refusals are added to these forms as errors by the views."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Complaint, ComplaintCategory
from .selectors import DeliveryFilter

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class DeliveryFilterForm(forms.Form):
    """The search and filter of the deliveries list (GET); bad values fall back to all."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Lot number, product name or hospital code."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label=_("Show"), choices=DeliveryFilter.choices, required=False, initial=DeliveryFilter.ALL
    )
    lot = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    UNFILTERED = {"q": "", "show": DeliveryFilter.ALL, "lot_id": None}

    def values(self) -> dict:
        """The search as keyword arguments of `deliveries_search`; invalid parts are ignored."""
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "show": data.get("status") or DeliveryFilter.ALL,
            "lot_id": data.get("lot"),
        }


class ReceiptForm(forms.Form):
    """Confirm a delivery: the units counted on arrival, and what happened if it differs."""

    quantity_received = forms.IntegerField(
        label=_("Units received"),
        min_value=0,
        help_text=_("Count the units that arrived. The number dispatched is filled in."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
    remark = forms.CharField(
        label=_("What happened, if your count differs"),
        required=False,
        max_length=2000,
        help_text=_(
            "Needed when your count differs from the number dispatched, for example: two "
            "cartons missing, one carton crushed."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UseForm(forms.Form):
    """Units of a lot used up at the hospital."""

    quantity_used = forms.IntegerField(
        label=_("Units used"),
        min_value=1,
        help_text=_("How many units of this lot were used since you last recorded it."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )


class ComplaintForm(forms.Form):
    """Report a problem with units of a delivery, with an optional photo."""

    category = forms.ChoiceField(
        label=_("What kind of problem is it?"),
        choices=ComplaintCategory.choices,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("What did you see?"),
        max_length=5000,
        help_text=_("Describe the problem: what you saw, on which units, and what you did."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    quantity_affected = forms.IntegerField(
        label=_("Units affected"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        # The model's own checks (extension, a real JPEG/PNG/WebP image, size); the service
        # checks the image again, for callers that are not this form.
        validators=Complaint._meta.get_field("photo").validators,
        help_text=_("A JPEG, PNG or WebP picture of at most 8 MB."),
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    def __init__(self, *args, delivered: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity_affected"].widget.attrs["max"] = delivered
        self.fields["quantity_affected"].help_text = ngettext(
            "%(units)s unit was delivered.",
            "How many of the %(units)s units delivered are affected.",
            delivered,
        ) % {"units": number_format(delivered, force_grouping=True)}


class LanguageForm(forms.Form):
    """The language chosen in the header's switcher (the page to go back to is checked apart)."""

    language = forms.ChoiceField(choices=lambda: settings.LANGUAGES)
