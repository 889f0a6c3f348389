"""Forms of the quality panel: the inspection plan (levels and AQLs only from the tables), the
certificate (for a product or for one lot), and the intermediate pages of its actions.

Like procurement's admin forms they only collect input; a required reason is left to the service,
whose message is the one shown.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.urls import reverse

from core.admin.forms import ReasonForm
from procurement.admin_forms import mismatch_override_field

from . import sampling
from .models import Certificate, InspectionPlan

__all__ = [
    "CertificateAdminForm",
    "ConflictDecisionForm",
    "InspectionPlanForm",
    "ResolutionForm",
]

AQL_FIELDS = ("aql_critical", "aql_major", "aql_minor")


def _level_label(level: str) -> str:
    kind = "special" if level.startswith("S") else "general"
    return f"{level} ({kind} inspection level)"


LEVEL_CHOICES = [(level, _level_label(level)) for level in sampling.LEVELS]
AQL_CHOICES = [(str(aql), f"{aql} %") for aql in sampling.AQLS]


def _aql_choice(value: object) -> object:
    """The choice a stored AQL stands for: 0.650 (as stored) is the column 0.65."""
    if isinstance(value, Decimal):
        for aql in sampling.AQLS:
            if aql == value:
                return str(aql)
    return value


class InspectionPlanForm(forms.ModelForm):
    """Level and AQLs as choices from the sampling tables: a value the tables do not have (an AQL
    of 0.7, a level IV) cannot be saved, so no lot is ever left without a plan."""

    level = forms.ChoiceField(
        choices=LEVEL_CHOICES, help_text="General level II unless the standard says otherwise."
    )
    aql_critical = forms.TypedChoiceField(
        label="AQL, critical defects", choices=AQL_CHOICES, coerce=Decimal
    )
    aql_major = forms.TypedChoiceField(
        label="AQL, major defects", choices=AQL_CHOICES, coerce=Decimal
    )
    aql_minor = forms.TypedChoiceField(
        label="AQL, minor defects", choices=AQL_CHOICES, coerce=Decimal
    )

    class Meta:
        model = InspectionPlan
        fields = ["category", "sampling_standard", "level", *AQL_FIELDS]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in AQL_FIELDS:
            self.initial[name] = _aql_choice(self.initial.get(name))


class StoredFileWidget(AdminFileWidget):
    """The admin's file input, linking the current file to an admin download view instead of
    MEDIA_URL (uploads have no public URL)."""

    download_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _Link(value.name.rsplit("/", 1)[-1], self.download_url)
        return context


class _Link:
    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


CERTIFICATE_SUBJECT_BOTH = (
    "A certificate covers either a product (all its lots) or one lot, not both: clear one of the "
    "two."
)
CERTIFICATE_SUBJECT_NEITHER = (
    "Say what the certificate covers: choose a product (all its lots) or one lot."
)


class CertificateAdminForm(forms.ModelForm):
    """The descriptive fields of a certificate. Its verification changes only by the actions."""

    class Meta:
        model = Certificate
        fields = [
            "product",
            "lot",
            "standard",
            "issuer",
            "notified_body_number",
            "certificate_number",
            "valid_until",
            "file",
        ]
        widgets = {"file": StoredFileWidget}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("file")
        if field is not None and self.instance.pk and self.instance.file:
            field.widget.download_url = reverse(
                "admin:inspections_certificate_file", args=[self.instance.pk]
            )

    def clean(self) -> dict:
        # The table's CheckConstraint says the same; this says it in words. An error on both
        # fields also keeps the model from adding the constraint's own, terser message.
        data = super().clean()
        if not {"product", "lot"} <= set(self.fields):
            return data  # read-only (a verified certificate): nothing to check
        product, lot = data.get("product"), data.get("lot")
        if product and lot:
            message = CERTIFICATE_SUBJECT_BOTH
        elif not (product or lot or {"product", "lot"} & set(self.errors)):
            message = CERTIFICATE_SUBJECT_NEITHER
        else:
            return data
        self.add_error("product", message)
        self.add_error("lot", message)
        return data


class ConflictDecisionForm(ReasonForm):
    """An officer's decision on conflicting results (a pass and a failure) and why; releasing a
    lot with an intended-use mismatch also takes the officer's written override, given apart
    from the reason (the same field as on the lot's release actions)."""

    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("release", "Release the lot"),
            ("reject", "Reject the lot (no unit has left the warehouse)"),
            ("recall", "Recall required (units have reached hospitals)"),
        ],
        widget=forms.RadioSelect,
    )
    mismatch_override = mismatch_override_field()
    field_order = ["decision", "reason", "mismatch_override"]


class ResolutionForm(forms.Form):
    """What was found and done about a complaint; the hospital reads it."""

    resolution = forms.CharField(
        label="Resolution",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "required": True}),
        help_text="Shown to the hospital that reported: what was found and what was done.",
    )
