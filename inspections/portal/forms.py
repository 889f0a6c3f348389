"""The portal's forms. They read what was typed; whether it is allowed (a remark for a
discrepancy, a quantity within the delivery, a real photo) is the services' to say, and their
refusals are added to these forms as errors by the views."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from procurement.models import Lot

from ..models import Complaint, ComplaintCategory, NoticeReply
from ..selectors.portal import DeliveryFilter, NoticeLotRow

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


def _units_field(label: str, *, min_value: int = 0, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": min_value}),
        **kwargs,
    )


class ReplyForm(forms.Form):
    """The reply to a recall notice (the reply card): acknowledged, per lot the units on hand,
    used and destroyed, who answers, and an explanation where the figures need one. Pre-filled:
    on hand from the ledger, used and destroyed from the previous answer (or what the ledger
    records), name and role from the previous answer (or the user)."""

    acknowledged = forms.BooleanField(
        label=_("We have received this notice and stopped using these lots."),
        required=False,
    )
    respondent_name = forms.CharField(label=_("Your name"), max_length=200)
    respondent_role = forms.CharField(
        label=_("Your role"),
        max_length=200,
        help_text=_("For example: hospital pharmacist, head of stores."),
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=5000,
        help_text=_(
            "Needed when on hand, used, destroyed and sent back add up to more than was "
            "received: say why (for example: units borrowed from another hospital)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    FIGURES = (
        ("on_hand", _("Units on hand")),
        ("used", _("Units used")),
        ("destroyed", _("Units destroyed on site")),
    )

    def __init__(self, *args, rows: list[NoticeLotRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            for figure, label in self.FIGURES:
                self.fields[self._name(figure, row.lot)] = _units_field(label)

    @staticmethod
    def _name(figure: str, lot: Lot) -> str:
        return f"{figure}_{lot.pk}"

    @classmethod
    def initial_for(cls, rows: list[NoticeLotRow], reply: NoticeReply | None, user) -> dict:
        """On hand as the ledger holds it now; used and destroyed as answered before, or as the
        ledger records them; the rest from the previous answer, or from the user."""
        lines = {line.lot_id: line for line in reply.lines.all()} if reply else {}
        initial = {
            "acknowledged": reply.acknowledged if reply else False,
            "respondent_name": reply.respondent_name if reply else user.get_full_name(),
            "respondent_role": reply.respondent_role if reply else _job_title(user),
            "explanation": reply.explanation if reply else "",
        }
        for row in rows:
            line = lines.get(row.lot.pk)
            initial[cls._name("on_hand", row.lot)] = row.held
            initial[cls._name("used", row.lot)] = max(line.quantity_used if line else 0, row.used)
            initial[cls._name("destroyed", row.lot)] = max(
                line.quantity_destroyed if line else 0, row.destroyed
            )
        return initial

    def lot_fields(self) -> list[tuple[NoticeLotRow, list]]:
        """Per lot, its row and its three bound fields, for the template."""
        return [
            (row, [self[self._name(figure, row.lot)] for figure, _label in self.FIGURES])
            for row in self.rows
        ]

    def lines(self) -> dict[Lot, tuple[int, int, int]]:
        """The figures typed, as `notice_reply` takes them (call after is_valid())."""
        data = self.cleaned_data
        return {
            row.lot: tuple(data[self._name(figure, row.lot)] for figure, _label in self.FIGURES)
            for row in self.rows
        }


def _job_title(user) -> str:
    membership = user.hospital_memberships.exclude(job_title="").first()
    return membership.job_title if membership else ""


class ReturnForm(forms.Form):
    """Units of one of the notice's lots shipped back to the central warehouse."""

    lot = forms.TypedChoiceField(label=_("Lot"), coerce=int, widget=forms.RadioSelect)
    quantity = _units_field(
        _("Units shipped back"),
        min_value=1,
        help_text=_("Count the units you send; at most what you hold."),
    )
    reference = forms.CharField(
        label=_("Shipment reference"),
        required=False,
        max_length=100,
        help_text=_("The carrier's tracking number or your own reference, if you have one."),
    )

    def __init__(self, *args, rows: list[NoticeLotRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lots = {row.lot.pk: row.lot for row in rows}
        self.fields["lot"].choices = [(row.lot.pk, _held_label(row)) for row in rows]
        if len(rows) == 1:
            self.fields["lot"].initial = rows[0].lot.pk

    def chosen_lot(self) -> Lot:
        return self.lots[self.cleaned_data["lot"]]


def _held_label(row: NoticeLotRow) -> str:
    return ngettext("%(lot)s (%(units)s unit held)", "%(lot)s (%(units)s units held)", row.held) % {
        "lot": row.lot.lot_number,
        "units": number_format(row.held, force_grouping=True),
    }


class LanguageForm(forms.Form):
    """The language chosen in the header's switcher (the page to go back to is checked apart)."""

    language = forms.ChoiceField(choices=lambda: settings.LANGUAGES)
