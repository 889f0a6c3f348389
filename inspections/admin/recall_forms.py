"""The forms of the recall pages: a draft (only collecting input: `recall_create` checks it) and
the closing reason (`recall_close` decides whether one is needed)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminRadioSelect, FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from core.roles import Role
from procurement.models import Lot

from ..models import (
    EffectivenessLevel,
    Inspection,
    Outcome,
    Recall,
    RecallAction,
    RecallClass,
    RecallDepth,
)
from ..services.recalls import RECALLABLE


class RecallDraftForm(forms.Form):
    """The keywords of `recall_create`, as typed; the coordinator defaults to the officer."""

    reference = forms.CharField(
        max_length=30, required=False, help_text="Printed on every notice, e.g. RC-2020-001."
    )
    lots = forms.ModelMultipleChoiceField(
        queryset=Lot.objects.none(),
        required=False,
        widget=FilteredSelectMultiple("lots", is_stacked=False),
        help_text="Released, on-hold or recalled lots. Issuing recalls every lot chosen.",
    )
    recall_class = forms.ChoiceField(
        label="Class", choices=RecallClass.choices, widget=AdminRadioSelect
    )
    depth = forms.ChoiceField(choices=RecallDepth.choices, initial=RecallDepth.WARD)
    action = forms.ChoiceField(
        label="Action asked of hospitals",
        choices=RecallAction.choices,
        initial=RecallAction.RETURN,
    )
    effectiveness_level = forms.ChoiceField(
        label="Effectiveness check level",
        choices=EffectivenessLevel.choices,
        initial=EffectivenessLevel.A,
    )
    response_deadline = forms.DateField(
        widget=AdminDateWidget, help_text="Hospitals answer the notice by this date."
    )
    coordinator = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="Gets the alerts about hospitals that do not answer; needs an e-mail address.",
    )
    reason = forms.CharField(
        label="Problem",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The problem found, as the notice states it.",
    )
    hazard = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="The risk to patients and staff, including from units already used.",
    )
    source_inspection = forms.ModelChoiceField(
        queryset=Inspection.objects.filter(outcome=Outcome.RECALL_REQUIRED),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        lots = self.fields["lots"]
        lots.queryset = (
            Lot.objects.filter(status__in=RECALLABLE)
            .select_related("order_line__product")
            .order_by("lot_number")
        )
        lots.label_from_instance = _lot_label
        users = get_user_model().objects
        officers = Q(groups__name=Role.MINISTRY_OFFICER.value) | Q(is_superuser=True)
        self.fields["coordinator"].queryset = (
            users.filter(officers | Q(pk=user.pk), is_active=True).distinct().order_by("username")
        )
        self.fields["coordinator"].label_from_instance = _user_label


def _lot_label(lot: Lot) -> str:
    status = lot.get_status_display().lower()
    return f"{lot.lot_number}: {lot.order_line.product.name} ({status})"


def _user_label(user) -> str:
    name = user.get_full_name() or user.username
    return f"{name} <{user.email}>" if user.email else f"{name} (no e-mail address)"


def suggested_reference() -> str:
    """The next free RC-<year>-<nnn> reference (a suggestion; the service checks it is free)."""
    prefix = f"RC-{timezone.localdate():%Y}-"
    taken = Recall.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    numbers = [int(ref[len(prefix) :]) for ref in taken if ref[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Recorded with the closing, with the final figures.",
    )
