"""The inspector's form: what an inspection found, turned into an `InspectionInput`.

The form only reads what was typed (splits lists of values, refuses a field filled both ways);
whether the numbers fit the sampling plan and what they mean is the service's to decide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from procurement.models import Lot

from .models import Criterion, CriterionBasis, Inspection, InspectionStage
from .services.inspections import MAX_PANEL_COUNT, InspectionInput, Panel

# Values are separated by line breaks, spaces, tabs or semicolons, and by commas that are not a
# decimal comma (see `parse_values`).
_SEPARATORS = re.compile(r"[\s;]+")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")

PANEL_FIELDS = (
    ("true_positives", _("True positives"), _("RT-PCR positive samples the test found positive")),
    ("false_negatives", _("False negatives"), _("RT-PCR positive samples the test missed")),
    ("true_negatives", _("True negatives"), _("RT-PCR negative samples the test found negative")),
    (
        "false_positives",
        _("False positives"),
        _("RT-PCR negative samples the test called positive"),
    ),
)


def parse_values(text: str) -> list[str]:
    """The values typed into a measurements box, as strings, in the order typed.

    One per line, or separated by spaces, semicolons or commas. A single comma between digits
    (`97,5`) is a decimal comma; a token with several commas, or a comma and a point, is a
    comma-separated list (`97.5,98.1`)."""
    values = []
    for token in _SEPARATORS.split(text):
        token = token.strip(",")
        if not token:
            continue
        if _DECIMAL_COMMA.match(token):
            values.append(token)
        else:
            values.extend(part for part in token.split(",") if part)
    return values


class InspectionForm(forms.Form):
    """Header fields, then per criterion of the lot's standard either measured values or a count
    of nonconforming units, and the reference panel for rapid tests."""

    stage = forms.ChoiceField(label=_("Stage"), choices=InspectionStage.choices)
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200)
    performed_by = forms.CharField(
        label=_("Performed by"), max_length=200, help_text=_("Who tested the samples.")
    )
    performed_on = forms.DateField(
        label=_("Performed on"),
        # ISO whatever the language: the value of a date input is always yyyy-mm-dd.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    report_file = forms.FileField(
        label=_("Laboratory report"),
        required=False,
        validators=Inspection._meta.get_field("report_file").validators,
        help_text=_("Optional. PDF, JPG or PNG, up to 10 MB."),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args,
        lot: Lot,
        criteria: Sequence[Criterion],
        units_by_class: dict[str, int],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lot = lot
        self.unit_criteria = [c for c in criteria if c.basis == CriterionBasis.PER_UNIT]
        self.has_panel = any(c.basis != CriterionBasis.PER_UNIT for c in criteria)
        self.fields["performed_on"].initial = timezone.localdate
        for criterion in self.unit_criteria:
            self._add_criterion_fields(criterion, units_by_class[criterion.defect_class])
        if self.has_panel:
            for name, label, help_text in PANEL_FIELDS:
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=0, max_value=MAX_PANEL_COUNT, help_text=help_text
                )

    def _add_criterion_fields(self, criterion: Criterion, units: int) -> None:
        # Neither field is required on its own: one of the two is (the service says so).
        self.fields[measurements_field(criterion)] = forms.CharField(
            label=ngettext(
                "Measured value (%(units)s unit)", "Measured values (%(units)s units)", units
            )
            % {"units": units},
            required=False,
            strip=False,
            help_text=gettext(
                "One value per line, or separated by spaces, semicolons or commas. A decimal "
                "comma is accepted (97,5); then separate the values by lines or spaces."
            ),
            widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        )
        self.fields[count_field(criterion)] = forms.IntegerField(
            label=gettext("Or: nonconforming units"),
            required=False,
            help_text=gettext(
                "Instead of the values: how many of the %(units)s units fail the limit "
                "(0 to %(units)s)."
            )
            % {"units": units},
            widget=forms.NumberInput(attrs={"min": 0, "max": units, "inputmode": "numeric"}),
        )

    def field_named_in(self, message: str) -> str | None:
        """The criterion field a service message is about ("Leakage: 79 results entered...")."""
        for criterion in self.unit_criteria:
            if message.startswith(f"{criterion.characteristic}:"):
                if criterion.code in self.counts:
                    return count_field(criterion)
                return measurements_field(criterion)
        return None

    def criterion_fields(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        """Per per-unit criterion: its measurements box and its count field."""
        return [(c, self[measurements_field(c)], self[count_field(c)]) for c in self.unit_criteria]

    def panel_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, *_ in PANEL_FIELDS] if self.has_panel else []

    def clean(self) -> dict:
        cleaned = super().clean()
        self.measurements: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}
        for criterion in self.unit_criteria:
            self._clean_criterion(criterion, cleaned)
        return cleaned

    def _clean_criterion(self, criterion: Criterion, cleaned: dict) -> None:
        text = cleaned.get(measurements_field(criterion)) or ""
        count = cleaned.get(count_field(criterion))
        values = parse_values(text)
        if text.strip() and not values:
            self.add_error(measurements_field(criterion), _("No values found in this box."))
        elif values and count is not None:
            self.add_error(
                count_field(criterion),
                _("Enter either the measured values or the count of nonconforming units, not "
                  "both."),
            )  # fmt: skip
        elif values:
            self.measurements[criterion.code] = values
        elif count is not None:
            self.counts[criterion.code] = count
        # Neither: the service names the criterion and asks for one of them.

    def inspection_input(self) -> InspectionInput:
        """What the service needs; call after `is_valid()`."""
        data = self.cleaned_data
        panel = None
        if self.has_panel:
            panel = Panel(**{name: data[name] for name, *_ in PANEL_FIELDS})
        return InspectionInput(
            lot=self.lot,
            stage=data["stage"],
            laboratory=data["laboratory"],
            performed_by=data["performed_by"],
            performed_on=data["performed_on"],
            measurements=self.measurements,
            counts=self.counts,
            panel=panel,
            report_file=data.get("report_file") or None,
            notes=data.get("notes", ""),
        )


def measurements_field(criterion: Criterion) -> str:
    return f"values_{criterion.code}"


def count_field(criterion: Criterion) -> str:
    return f"count_{criterion.code}"
