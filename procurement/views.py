"""The staff pages of the supply side: the ministry and warehouse start pages, and the
warehouse's distribution planner (one lot to many hospitals, CSV plans, dispatch notes).

The site's shell (the dispatcher at /, `role_page`, `render_page`) is `core.pages`. Every
record shown is read through the selectors; every write goes through a service. Each page runs
a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError
from core.pages import age_days, page_of, render_page, role_page

from . import planning, selectors, services
from .forms import (
    PLAN_ROWS_MAX,
    PLAN_ROWS_STEP,
    PlanConfirmForm,
    PlanNoteForm,
    PlanUploadForm,
    plan_formset,
    plan_rows_typed,
    plan_rows_wanted,
)
from .models import Lot, LotStatus
from .selectors.planning import lot_plan_refusal, lots_with_warehouse_stock

LOTS_PER_PAGE = 50
LATEST_DISTRIBUTIONS = 20
NEEDS_TEST_SHOWN = 20
EXPIRES_SOON_DAYS = 90


# ---------------------------------------------------------------------------------------------
# One page per role


@role_page("ministry_home")
def ministry_home(request: HttpRequest) -> HttpResponse:
    """Lots by status, the inspection backlog, lots in use untested, and ways into the panel."""
    now = timezone.now()
    counts = selectors.lot_status_counts()
    oldest = selectors.oldest_quarantined_receipt()
    needs_test = selectors.lots_needing_test().order_by("released_at", "lot_number")
    needs_test_count = needs_test.count()
    needs_test_rows = [
        _LotRow(lot, age_days(lot.released_at, now)) for lot in needs_test[:NEEDS_TEST_SHOWN]
    ]
    context = {
        "status_rows": [
            {
                "label": status.label,
                "value": status.value,
                "lots": counts[status.value]["lots"],
                "units": counts[status.value]["units"],
                "admin_url": _admin_url("procurement_lot_changelist", status__exact=status.value),
            }
            for status in LotStatus
        ],
        "waiting_lots": counts[LotStatus.QUARANTINED.value]["lots"],
        "oldest_waiting_days": age_days(oldest, now) if oldest else None,
        # The oldest releases first, at most NEEDS_TEST_SHOWN; the rest in the panel.
        "needs_test": needs_test_rows,
        "needs_test_count": needs_test_count,
        "needs_test_more": needs_test_count - len(needs_test_rows),
        "needs_test_admin_url": _admin_url("procurement_lot_changelist", needs_test="yes"),
        "admin_links": _ministry_admin_links(),
    }
    return render_page(request, "procurement/ministry_home.html", context, current="ministry_home")


@role_page("warehouse_home")
def warehouse_home(request: HttpRequest) -> HttpResponse:
    """Released stock in the warehouse, first-expired-first-out, and the latest dispatches."""
    today = timezone.localdate()
    context = {
        "page_obj": page_of(request, selectors.lots_dispatchable(), LOTS_PER_PAGE),
        "distributions": selectors.distributions_for_user(request.user)[:LATEST_DISTRIBUTIONS],
        "today": today,
        "expires_soon_before": today + dt.timedelta(days=EXPIRES_SOON_DAYS),
    }
    return render_page(
        request, "procurement/warehouse_home.html", context, current="warehouse_home"
    )


# The warehouse's distribution planning: choose a lot, plan it across hospitals (or import a
# plan from CSV), see the dispatches made, print a dispatch note per hospital. Every dispatch goes
# through `services.distribution_plan_dispatch`: all rows of a plan or none.

PLANNING_PAGE = "warehouse_home"  # the start page these pages belong to (access and navigation)
PLAN_SESSION_KEY = "distribution_plans"  # token -> ids of the distributions a plan made
PLANS_REMEMBERED = 10
DISPATCHES_PER_PAGE = 100
IMPORT_ERRORS_SHOWN = 200


@role_page(PLANNING_PAGE)
def distribution_choose(request: HttpRequest) -> HttpResponse:
    """Released lots with stock, first-expired-first-out: the first is the one to send first."""
    page_obj = page_of(request, selectors.lots_dispatchable(), LOTS_PER_PAGE)
    lots = list(page_obj)
    today = timezone.localdate()
    context = {
        "page_obj": page_obj,
        "lots": lots,
        "suggested": lots[0] if lots and page_obj.number == 1 else None,
        "today": today,
        "expires_soon_before": today + dt.timedelta(days=EXPIRES_SOON_DAYS),
    }
    return render_page(
        request, "procurement/distribution_choose.html", context, current=PLANNING_PAGE
    )


@role_page(PLANNING_PAGE)
def distribution_plan(request: HttpRequest, lot_id: int) -> HttpResponse:
    """One lot to many hospitals: a hospital and its units per row, the running total, and the
    service's word on submit. What was typed survives a refusal and a request for more rows."""
    lot = get_object_or_404(lots_with_warehouse_stock(), pk=lot_id)
    hospitals = list(selectors.hospitals_for_user(request.user).order_by("name", "code"))
    rows = plan_rows_wanted(request.GET.get("rows"))
    posted = request.method == "POST"
    if posted and "more_rows" in request.POST:
        typed = plan_rows_typed(request.POST)
        formset = plan_formset(hospitals=hospitals, rows=max(rows, len(typed)), initial=typed)
        note_form = PlanNoteForm(initial={"note": request.POST.get("note", "")})
        posted = False
    else:
        formset = plan_formset(hospitals=hospitals, rows=rows, data=request.POST or None)
        note_form = PlanNoteForm(request.POST or None)
    refusal = lot_plan_refusal(lot)
    error = ""
    if posted and not refusal and all([formset.is_valid(), note_form.is_valid()]):
        try:
            distributions = services.distribution_plan_dispatch(
                allocations=formset.allocations(lot),
                actor=request.user,
                note=note_form.cleaned_data["note"],
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _plan_done_message(distributions))
            return redirect("distribution_plan_done", token=_remember_plan(request, distributions))
    allocated = formset.units_typed()
    context = {
        "lot": lot,
        "refusal": refusal,
        "error": error,
        "sooner": _lot_expiring_sooner(lot) if not refusal else None,
        "formset": formset,
        "note_form": note_form,
        "allocated": allocated,
        "remaining": lot.in_warehouse - allocated,
        "more_rows": _more_rows(formset.total_form_count()),
    }
    return render_page(
        request, "procurement/distribution_plan.html", context, current=PLANNING_PAGE
    )


def _more_rows(shown: int) -> int | None:
    """The row count the "more rows" button asks for, or None when the form is at its limit."""
    return min(shown + PLAN_ROWS_STEP, PLAN_ROWS_MAX) if shown < PLAN_ROWS_MAX else None


def _lot_expiring_sooner(lot: Lot) -> Lot | None:
    """A dispatchable lot of the same product that expires before this one (FEFO's objection)."""
    sooner = (
        selectors.lots_dispatchable()
        .filter(order_line__product_id=lot.order_line.product_id)
        .exclude(pk=lot.pk)
    )
    if lot.expires_on:
        return sooner.filter(expires_on__lt=lot.expires_on).first()
    return sooner.filter(expires_on__isnull=False).first()


@role_page(PLANNING_PAGE)
def distribution_import(request: HttpRequest) -> HttpResponse:
    """Upload a plan as CSV, check it in a preview, confirm: every row is dispatched or none."""
    if request.method == "POST" and "csv_text" in request.POST:
        return _import_confirm(request)
    if request.method != "POST":
        return _import_page(request, PlanUploadForm())
    form = PlanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form)
    text = form.cleaned_data["text"]
    plan = planning.plan_from_csv(text)
    if plan.errors:
        return _import_page(request, form, errors=plan.errors)
    confirm_form = PlanConfirmForm(initial={"csv_text": text, "note": form.cleaned_data["note"]})
    return _import_page(request, form, plan=plan, confirm_form=confirm_form)


def _import_confirm(request: HttpRequest) -> HttpResponse:
    """Check the previewed text again, against the stock of now, and dispatch it all or none."""
    confirm_form = PlanConfirmForm(request.POST)
    if not confirm_form.is_valid():
        errors = [_("The previewed plan did not come back intact; upload the file again.")]
        return _import_page(request, PlanUploadForm(), errors=errors, refused=True)
    note = confirm_form.cleaned_data["note"]
    plan = planning.plan_from_csv(confirm_form.cleaned_data["csv_text"])
    errors: list = plan.errors
    if not errors:
        try:
            distributions = services.distribution_plan_dispatch(
                allocations=plan.allocations, actor=request.user, note=note
            )
        except DomainError as exc:
            errors = [exc.message]
        else:
            messages.success(request, _plan_done_message(distributions))
            return redirect("distribution_plan_done", token=_remember_plan(request, distributions))
    form = PlanUploadForm(initial={"note": note})
    return _import_page(request, form, errors=errors, refused=True)


def _import_page(
    request: HttpRequest,
    form: PlanUploadForm,
    *,
    errors: list | None = None,
    refused: bool = False,
    plan: planning.ResolvedPlan | None = None,
    confirm_form: PlanConfirmForm | None = None,
) -> HttpResponse:
    errors = errors or []
    context = {
        "form": form,
        "errors": errors[:IMPORT_ERRORS_SHOWN],
        "errors_more": max(0, len(errors) - IMPORT_ERRORS_SHOWN),
        "refused": refused,
        "plan": plan,
        "confirm_form": confirm_form,
        "columns": planning.COLUMNS,
        "max_rows": planning.MAX_ROWS,
    }
    return render_page(
        request, "procurement/distribution_import.html", context, current=PLANNING_PAGE
    )


def _plan_done_message(distributions: list) -> str:
    units = sum(d.quantity for d in distributions)
    return ngettext(
        "%(count)s dispatch recorded, %(units)s units in all. Print its dispatch note below.",
        "%(count)s dispatches recorded, %(units)s units in all. Print their dispatch notes below.",
        len(distributions),
    ) % {"count": len(distributions), "units": intcomma(units)}


def _remember_plan(request: HttpRequest, distributions: list) -> str:
    """Keep the plan's distribution ids in the session (the latest few plans) under a token for
    the page that lists them: a plan has no table of its own."""
    token = secrets.token_urlsafe(8)
    plans = request.session.get(PLAN_SESSION_KEY, {})
    plans[token] = [d.pk for d in distributions]
    request.session[PLAN_SESSION_KEY] = dict(list(plans.items())[-PLANS_REMEMBERED:])
    return token


def _plan_distributions(request: HttpRequest, token: str) -> QuerySet:
    ids = request.session.get(PLAN_SESSION_KEY, {}).get(token)
    if ids is None:
        raise Http404("No such plan in this session.")
    return _note_rows(request.user).filter(pk__in=ids).order_by("pk")


def _note_rows(user) -> QuerySet:
    """The distributions the user may see, with all a dispatch note shows joined in."""
    return selectors.distributions_for_user(user).select_related(
        "lot__order_line__product__claimed_standard",
        "lot__order_line__required_standard",
        "dispatched_by",
    )


@role_page(PLANNING_PAGE)
def distribution_plan_done(request: HttpRequest, token: str) -> HttpResponse:
    """The dispatches a plan made, each with its dispatch note."""
    distributions = _plan_distributions(request, token)
    page_obj = page_of(request, distributions, DISPATCHES_PER_PAGE)
    context = {
        "page_obj": page_obj,
        "token": token,
        "units": distributions.aggregate(units=Sum("quantity"))["units"] or 0,
    }
    return render_page(
        request, "procurement/distribution_plan_done.html", context, current=PLANNING_PAGE
    )


@role_page(PLANNING_PAGE)
def distribution_plan_notes(request: HttpRequest, token: str) -> HttpResponse:
    """Every dispatch note of a plan, one per printed page."""
    context = {"distributions": list(_plan_distributions(request, token)), "token": token}
    return render_page(
        request, "procurement/distribution_notes.html", context, current=PLANNING_PAGE
    )


@role_page(PLANNING_PAGE)
def distribution_note(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """A dispatch note to travel with the goods and be signed by the receiving hospital."""
    distribution = get_object_or_404(_note_rows(request.user), pk=distribution_id)
    context = {"distributions": [distribution], "single": True}
    return render_page(
        request, "procurement/distribution_notes.html", context, current=PLANNING_PAGE
    )


# ---------------------------------------------------------------------------------------------
# Helpers


@dataclass(frozen=True)
class _LotRow:
    lot: Lot
    age_days: int | None


def _admin_url(name: str, **query: str) -> str | None:
    """A URL into the ministry panel, or None while that model is not registered there."""
    try:
        url = reverse(f"admin:{name}")
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def _ministry_admin_links() -> list[dict[str, str]]:
    # The complaint queue belongs to inspections; it is named here, never imported.
    links = [
        (
            _("Lots waiting for inspection"),
            "procurement_lot_changelist",
            {"status__exact": LotStatus.QUARANTINED},
        ),
        (_("Lots on hold"), "procurement_lot_changelist", {"status__exact": LotStatus.ON_HOLD}),
        (_("Recalled lots"), "procurement_lot_changelist", {"status__exact": LotStatus.RECALLED}),
        (_("Complaints from hospitals"), "inspections_complaint_changelist", {}),
        (_("Receipt discrepancies"), "procurement_distribution_changelist", {"discrepancy": "yes"}),
        (_("Purchase orders"), "procurement_purchaseorder_changelist", {}),
        (_("Distributions"), "procurement_distribution_changelist", {}),
        (_("Hospitals"), "procurement_hospital_changelist", {}),
    ]
    result = []
    for label, name, query in links:
        url = _admin_url(name, **{key: str(value) for key, value in query.items()})
        if url:
            result.append({"label": label, "url": url})
    return result
