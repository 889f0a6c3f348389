"""The warehouse's planning forms: hospital-and-quantity rows for one lot, and a plan's CSV file.

Forms only read what was typed; whether the stock covers the plan is the service's to decide
(`services.distribution_plan_dispatch`), under lock.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import planning
from .models import Hospital, Lot

PLAN_ROWS = 10  # rows on a fresh planning page
PLAN_ROWS_MAX = 100
PLAN_ROWS_STEP = 10  # rows the "more rows" button adds


def plan_rows_wanted(value: str | None) -> int:
    """The number of rows asked for in ?rows=N, within 1..PLAN_ROWS_MAX (default PLAN_ROWS)."""
    try:
        rows = int(value or PLAN_ROWS)
    except ValueError:
        rows = PLAN_ROWS
    return max(1, min(rows, PLAN_ROWS_MAX))


class PlanRowForm(forms.Form):
    """One hospital and its units. A row left blank is skipped; a half-filled row is an error."""

    hospital = forms.TypedChoiceField(
        label=gettext_lazy("Hospital"), coerce=int, required=False, empty_value=None
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("Units"),
        required=False,
        min_value=1,
        max_value=planning.MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "plan-quantity"}),
    )

    def __init__(self, *args, hospital_choices: Sequence[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The choices are built once per page: a queryset per row would be a query per row.
        self.fields["hospital"].choices = [("", _("Choose a hospital")), *hospital_choices]

    def clean(self) -> dict:
        data = super().clean()
        hospital, quantity = data.get("hospital"), data.get("quantity")
        if hospital and quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", _("How many units for this hospital?"))
        if quantity is not None and not hospital:
            self.add_error("hospital", _("Which hospital are these units for?"))
        return data


class BasePlanFormSet(forms.BaseFormSet):
    """The plan's rows for one lot, with the hospital choices shared by every row."""

    def __init__(self, *args, hospitals: Sequence[Hospital], **kwargs) -> None:
        self.hospitals = {hospital.pk: hospital for hospital in hospitals}
        choices = [(h.pk, f"{h.name} ({h.code}, {h.city})") for h in hospitals]
        super().__init__(*args, form_kwargs={"hospital_choices": choices}, **kwargs)

    def clean(self) -> None:
        if any(self.errors):
            return
        first_row: dict[int, int] = {}
        for number, form in enumerate(self.forms, start=1):
            hospital = form.cleaned_data.get("hospital")
            if not hospital:
                continue
            if hospital in first_row:
                # Two rows for one hospital is most likely a slip; refuse rather than add up.
                form.add_error(
                    "hospital",
                    _("This hospital is already on row %(row)s.") % {"row": first_row[hospital]},
                )
            else:
                first_row[hospital] = number
        if any(self.errors):
            raise ValidationError(_("Each hospital may appear only once in a plan."))
        if not first_row:
            raise ValidationError(_("Choose at least one hospital and the units it gets."))

    def allocations(self, lot: Lot) -> list[planning.Allocation]:
        """The filled rows as allocations of the lot (call after is_valid())."""
        return [
            planning.Allocation(
                hospital=self.hospitals[form.cleaned_data["hospital"]],
                lot=lot,
                quantity=form.cleaned_data["quantity"],
            )
            for form in self.forms
            if form.cleaned_data.get("hospital")
        ]

    def units_typed(self) -> int:
        """The sum of the whole numbers above zero typed so far, valid plan or not: the page's
        running total, as the script computes it."""
        total = 0
        for form in self.forms:
            value = str(form["quantity"].value() or "").strip()
            if value.isdigit():
                total += int(value)
        return total


def plan_formset(
    *, hospitals: Sequence[Hospital], rows: int, data=None, initial=None
) -> BasePlanFormSet:
    """A bound formset for a submitted plan, or a blank one of `rows` rows (after the rows in
    `initial`, which keeps what was typed when more rows are asked for)."""
    formset_class = forms.formset_factory(
        PlanRowForm,
        formset=BasePlanFormSet,
        extra=max(0, rows - len(initial or ())),
        max_num=PLAN_ROWS_MAX,
        absolute_max=PLAN_ROWS_MAX,
        validate_max=True,
    )
    return formset_class(data=data, initial=initial, hospitals=hospitals, prefix="row")


def plan_rows_typed(data) -> list[dict[str, str]]:
    """The rows of a submitted plan as typed, to show again in a longer blank form."""
    try:
        count = int(data.get("row-TOTAL_FORMS", 0))
    except ValueError:
        count = 0
    return [
        {"hospital": data.get(f"row-{i}-hospital", ""), "quantity": data.get(f"row-{i}-quantity")}
        for i in range(min(count, PLAN_ROWS_MAX))
    ]


def _note_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Note on the dispatch notes"),
        required=False,
        max_length=planning.NOTE_MAX_LENGTH,
        help_text=gettext_lazy(
            "An order reference or a delivery instruction, printed on every note."
        ),
    )


class PlanNoteForm(forms.Form):
    note = _note_field()


class PlanUploadForm(forms.Form):
    """A plan's CSV file; its text is in `cleaned_data["text"]` once valid."""

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    note = _note_field()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refuse by the declared size before reading, so a huge upload is never held in memory.
        if upload.size > planning.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s MB; split it into smaller files.")
                % {"limit": planning.MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        text, errors = planning.plan_text_from_bytes(upload.read(planning.MAX_UPLOAD_BYTES + 1))
        if errors:
            raise ValidationError([str(error) for error in errors])
        self.cleaned_data["text"] = text
        return upload


class PlanConfirmForm(forms.Form):
    """The previewed CSV text carried back on confirmation. It is parsed and checked again as if
    uploaded anew, so changing it in the browser gains nothing."""

    csv_text = forms.CharField(
        widget=forms.HiddenInput, strip=False, max_length=planning.MAX_UPLOAD_BYTES
    )
    note = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=planning.NOTE_MAX_LENGTH
    )
