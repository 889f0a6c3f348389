"""The quality side of the ministry panel: reference data edited directly (criteria, plans with
AQLs from the tables only, certificates' descriptive fields), everything with a status read-only
and changed only through actions that call a service and record the reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import services
from inspections.models import (
    Certificate,
    Criterion,
    Inspection,
    InspectionPlan,
    LevelState,
    Outcome,
    SupplierLevel,
    SupplierLevelEvent,
    VerificationStatus,
)
from procurement.models import LotStatus, Standard
from tests import factories
from tests.admin_helpers import act as _act
from tests.admin_helpers import admin_url as _url
from tests.admin_helpers import messages_of as _messages
from tests.inspections.conftest import good, record, with_failures

pytestmark = pytest.mark.django_db

QUALITY_MODELS = [Standard, Criterion, InspectionPlan, Inspection, SupplierLevel, Certificate]
PDF = b"%PDF-1.4\n% a lab report\n"


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _conflict(make_lot, inspector) -> Inspection:
    """A second inspection that passed after a failed first one: an officer decides."""
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    return record(lot, inspector, "second", measurements=good(80))


def _certificate(lot=None, product=None, **fields) -> Certificate:
    standard = lot.order_line.required_standard if lot else product.claimed_standard
    return Certificate.objects.create(
        lot=lot,
        product=product,
        standard=standard,
        issuer="Notified body",
        notified_body_number="2163",
        certificate_number=fields.pop("number", "CE-2163-001"),
        **fields,
    )


def _level(**fields) -> SupplierLevel:
    return SupplierLevel.objects.create(
        supplier=factories.SupplierFactory(), category="respirator", **fields
    )


@pytest.fixture
def one_of_each(make_lot, inspector, respirator_standard):
    """An inspection with a report, a supplier level, a certificate and a plan."""
    lot = make_lot()
    upload = SimpleUploadedFile("lab-report.pdf", PDF, content_type="application/pdf")
    inspection = record(lot, inspector, measurements=good(80), report_file=upload)
    InspectionPlan.objects.get_or_create(category="respirator")
    return {
        "inspection": inspection,
        "level": SupplierLevel.objects.get(),
        "certificate": _certificate(lot),
        "standard": respirator_standard,
    }


# ---------------------------------------------------------------------------------------------
# Lists, pages and who gets in


@pytest.mark.parametrize("model", QUALITY_MODELS, ids=lambda m: m.__name__)
def test_every_changelist_renders_for_an_officer(officer_client, one_of_each, model):
    response = officer_client.get(_url(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_every_change_page_renders_for_an_officer(officer_client, one_of_each):
    plan = InspectionPlan.objects.get(category="respirator")
    pages = [
        _url(Standard, "change", one_of_each["standard"].pk),
        _url(Criterion, "change", Criterion.objects.first().pk),
        _url(Criterion, "add"),
        _url(InspectionPlan, "change", plan.pk),
        _url(InspectionPlan, "add"),
        _url(Inspection, "change", one_of_each["inspection"].pk),
        _url(SupplierLevel, "change", one_of_each["level"].pk),
        _url(Certificate, "change", one_of_each["certificate"].pk),
        _url(Certificate, "add"),
    ]

    for page in pages:
        assert officer_client.get(page).status_code == 200, page


def test_the_admin_index_lists_the_quality_side_for_an_inspector(client, inspector):
    client.force_login(inspector)

    response = client.get(reverse("admin:index"))

    apps = {app["app_label"]: app for app in response.context["app_list"]}
    names = {model["object_name"] for model in apps["inspections"]["models"]}
    assert {"Inspection", "Certificate", "SupplierLevel", "Criterion"} <= names


HOSPITAL_STAFF_PAGES = [
    *[(model, "changelist") for model in QUALITY_MODELS],
    (Certificate, "add"),
    (Inspection, "report"),
]


@pytest.mark.parametrize(("model", "view"), HOSPITAL_STAFF_PAGES, ids=str)
def test_hospital_staff_cannot_open_any_of_it(client, hospital_user, one_of_each, model, view):
    client.force_login(hospital_user)
    args = [one_of_each["inspection"].pk] if view == "report" else []

    response = client.get(_url(model, view, *args))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_warehouse_clerk_does_not_see_inspections_or_certificates(client, clerk, one_of_each):
    client.force_login(clerk)

    inspections = client.get(_url(Inspection))
    report = client.get(_url(Inspection, "report", one_of_each["inspection"].pk))
    certificates = client.get(_url(Certificate))
    standard = client.get(_url(Standard, "change", one_of_each["standard"].pk))

    assert (inspections.status_code, report.status_code, certificates.status_code) == (
        403,
        403,
        403,
    )
    assert standard.status_code == 200  # procurement's view permission; without the criteria
    assert standard.context["inline_admin_formsets"] == []


def _changelist_queries(client, model, django_assert_max_num_queries, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        response = client.get(_url(model))
    assert response.status_code == 200


def test_the_inspection_list_runs_the_same_number_of_queries_for_one_or_many(
    officer_client, make_lot, inspector, django_assert_max_num_queries
):
    record(make_lot(), inspector, measurements=good(80))
    with CaptureQueriesContext(connection) as one_row:
        officer_client.get(_url(Inspection))
    for _ in range(3):
        lot = make_lot()
        record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
        record(lot, inspector, "second", measurements=good(80))

    _changelist_queries(officer_client, Inspection, django_assert_max_num_queries, len(one_row))


def test_the_certificate_list_runs_the_same_number_of_queries_for_one_or_many(
    officer_client, make_lot, django_assert_max_num_queries
):
    _certificate(make_lot())
    with CaptureQueriesContext(connection) as one_row:
        officer_client.get(_url(Certificate))
    for n in range(3):
        lot = make_lot()
        _certificate(lot, number=f"LOT-{n}")
        _certificate(product=lot.order_line.product, number=f"PRODUCT-{n}")

    _changelist_queries(officer_client, Certificate, django_assert_max_num_queries, len(one_row))


# ---------------------------------------------------------------------------------------------
# Standards, criteria and inspection plans


def _standard_data(standard, **criterion) -> dict:
    prefix = "criteria"
    existing = list(standard.criteria.all())
    data = {
        "code": standard.code,
        "title": standard.title,
        "edition": standard.edition,
        "category": standard.category,
        "is_medical": "on" if standard.is_medical else "",
        f"{prefix}-TOTAL_FORMS": str(len(existing) + 1),
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        "_save": "Save",
    }
    for i, c in enumerate(existing):
        for name in ["code", "characteristic", "unit", "comparison", "limit", "test_method",
                     "defect_class", "basis"]:  # fmt: skip
            data[f"{prefix}-{i}-{name}"] = getattr(c, name)
        data[f"{prefix}-{i}-id"] = c.pk
        data[f"{prefix}-{i}-standard"] = standard.pk
    new = len(existing)
    data.update({f"{prefix}-{new}-{name}": value for name, value in criterion.items()})
    data[f"{prefix}-{new}-standard"] = standard.pk
    return data


def test_the_standard_page_shows_its_criteria_inline(officer_client, respirator_standard):
    response = officer_client.get(_url(Standard, "change", respirator_standard.pk))

    [criteria] = response.context["inline_admin_formsets"]
    assert criteria.opts.model is Criterion
    assert [f.instance.code for f in criteria.formset] == ["filtration", "leakage", "resistance"]
    assert {"characteristic", "unit", "comparison", "limit", "test_method", "defect_class",
            "basis"} <= set(criteria.formset.forms[0].fields)  # fmt: skip


def test_an_officer_adds_a_criterion_on_the_standard_page(officer_client, respirator_standard):
    response = officer_client.post(
        _url(Standard, "change", respirator_standard.pk),
        _standard_data(
            respirator_standard,
            code="fit",
            characteristic="Fit factor",
            unit="-",
            comparison="at_least",
            limit="100",
            test_method="EN 149 8.5",
            defect_class="major",
            basis="per_unit",
        ),
    )

    assert response.status_code == 302
    criterion = respirator_standard.criteria.get(code="fit")
    assert (criterion.limit, criterion.defect_class) == (Decimal("100"), "major")


def test_an_inspector_sees_the_criteria_read_only(client, inspector, respirator_standard):
    client.force_login(inspector)

    response = client.get(_url(Standard, "change", respirator_standard.pk))

    [criteria] = response.context["inline_admin_formsets"]
    assert not criteria.has_add_permission
    assert not criteria.has_change_permission


def test_criteria_are_listed_with_filters_and_search(officer_client, respirator_standard):
    ours = {"standard__id__exact": respirator_standard.pk}
    listing = officer_client.get(_url(Criterion), {**ours, "defect_class__exact": "major"})
    found = officer_client.get(_url(Criterion), {**ours, "q": "leak"})

    assert [c.code for c in listing.context["cl"].result_list] == ["leakage"]
    assert [c.code for c in found.context["cl"].result_list] == ["leakage"]
    filters = {spec.title for spec in listing.context["cl"].filter_specs}
    assert {"standard", "defect class", "basis"} <= filters


def _plan_data(**changes) -> dict:
    return {
        "category": "respirator",
        "sampling_standard": "MIL-STD-105E (1989)",
        "level": "II",
        "aql_critical": "0.65",
        "aql_major": "2.5",
        "aql_minor": "4.0",
        "_save": "Save",
        **changes,
    }


def test_the_plan_form_refuses_an_aql_not_in_the_tables(officer_client):
    plan, _ = InspectionPlan.objects.update_or_create(
        category="respirator", defaults={"aql_major": Decimal("2.5")}
    )

    response = officer_client.post(
        _url(InspectionPlan, "change", plan.pk), _plan_data(aql_major="0.7")
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "0.7 is not one of the available choices." in errors["aql_major"][0]
    plan.refresh_from_db()
    assert plan.aql_major == Decimal("2.5")


def test_the_plan_form_refuses_a_level_not_in_the_tables(officer_client):
    plan, _ = InspectionPlan.objects.get_or_create(category="respirator")

    response = officer_client.post(_url(InspectionPlan, "change", plan.pk), _plan_data(level="IV"))

    assert response.status_code == 200
    assert "level" in response.context["adminform"].form.errors


def test_an_officer_changes_a_plans_aql_to_one_in_the_tables(officer_client):
    plan, _ = InspectionPlan.objects.update_or_create(
        category="respirator", defaults={"aql_critical": Decimal("0.65"), "level": "II"}
    )

    page = officer_client.get(_url(InspectionPlan, "change", plan.pk))
    response = officer_client.post(
        _url(InspectionPlan, "change", plan.pk), _plan_data(aql_critical="0.40", level="III")
    )

    form = page.context["adminform"].form
    assert form["aql_critical"].value() == "0.65"  # the stored 0.650 selects its column
    assert 'value="0.65" selected' in str(form["aql_critical"])
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.aql_critical, plan.level) == (Decimal("0.4"), "III")


def test_an_inspector_cannot_change_a_plan(client, inspector):
    plan, _ = InspectionPlan.objects.get_or_create(category="respirator")
    client.force_login(inspector)

    page = client.get(_url(InspectionPlan, "change", plan.pk))
    response = client.post(_url(InspectionPlan, "change", plan.pk), _plan_data(level="III"))

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.level == "II"


# ---------------------------------------------------------------------------------------------
# Inspections


def test_inspections_cannot_be_added_changed_or_deleted(officer_client, one_of_each):
    inspection = one_of_each["inspection"]

    added = officer_client.get(_url(Inspection, "add"))
    changed = officer_client.post(_url(Inspection, "change", inspection.pk), {"notes": "x"})
    deleted = officer_client.post(_url(Inspection, "delete", inspection.pk), {"post": "yes"})
    page = officer_client.get(_url(Inspection, "change", inspection.pk))

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert page.context["adminform"].form.fields == {}
    inspection.refresh_from_db()
    assert inspection.notes == ""


def test_the_inspection_page_shows_its_results_read_only(officer_client, one_of_each):
    inspection = one_of_each["inspection"]

    response = officer_client.get(_url(Inspection, "change", inspection.pk))

    formsets = {f.opts.model.__name__: f for f in response.context["inline_admin_formsets"]}
    assert set(formsets) == {"ClassResult", "CriterionResult", "PanelResult", "InspectionEvent"}
    assert len(formsets["ClassResult"].formset.forms) == 3
    assert len(formsets["CriterionResult"].formset.forms) == 3
    assert [f.instance.outcome for f in formsets["InspectionEvent"].formset] == [Outcome.RELEASED]
    assert not any(f.has_change_permission or f.has_add_permission for f in formsets.values())


def test_a_rapid_tests_page_shows_its_reference_panel(
    officer_client, officer, inspector, rapid_test_standard
):
    product = factories.ProductFactory(category="rapid_test", claimed_standard=rapid_test_standard)
    order = factories.placed_order(actor=officer, quantity=5_000, product=product)
    lot = factories.received_lot(quantity=5_000, order=order, actor=officer)
    panel = services.Panel(
        true_positives=30, false_negatives=70, true_negatives=98, false_positives=2
    )
    inspection = record(lot, inspector, panel=panel)

    response = officer_client.get(_url(Inspection, "change", inspection.pk))

    formsets = {f.opts.model.__name__: f for f in response.context["inline_admin_formsets"]}
    [panel_form] = formsets["PanelResult"].formset.forms
    assert panel_form.instance.sensitivity == Decimal("30.000")
    page = response.content.decode()
    assert "30.000" in page  # sensitivity
    assert "98.000" in page  # specificity


def test_the_inspection_list_filters_and_finds_by_lot_number(officer_client, make_lot, inspector):
    conflict = _conflict(make_lot, inspector)
    record(make_lot(), inspector, measurements=good(80))

    by_outcome = officer_client.get(_url(Inspection), {"outcome__exact": "conflict"})
    by_lot = officer_client.get(_url(Inspection), {"q": conflict.lot.lot_number})

    assert list(by_outcome.context["cl"].result_list) == [conflict]
    assert {i.lot_id for i in by_lot.context["cl"].result_list} == {conflict.lot_id}
    assert by_lot.context["cl"].result_count == 2
    assert "1 inspection with conflicting results" in by_outcome.content.decode()
    filters = {spec.title for spec in by_outcome.context["cl"].filter_specs}
    assert {"verdict", "outcome", "stage", "severity"} <= filters


def test_the_report_is_a_link_to_an_admin_view_that_streams_it(officer_client, one_of_each):
    inspection = one_of_each["inspection"]
    report_url = _url(Inspection, "report", inspection.pk)

    page = officer_client.get(_url(Inspection, "change", inspection.pk)).content.decode()
    response = officer_client.get(report_url)

    assert f'href="{report_url}"' in page
    assert "/media/" not in page
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_inspection_without_a_report_has_nothing_to_stream(officer_client, make_lot, inspector):
    inspection = record(make_lot(), inspector, measurements=good(80))

    response = officer_client.get(_url(Inspection, "report", inspection.pk))

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# An officer's decision on conflicting results


def test_an_officer_decides_on_conflicting_results_with_a_reason(
    officer_client, officer, make_lot, inspector
):
    inspection = _conflict(make_lot, inspector)

    page = _act(officer_client, Inspection, "decide_conflict", [inspection])
    response = _act(
        officer_client,
        Inspection,
        "decide_conflict",
        [inspection],
        decision="release",
        reason="Accredited lab retest of 200 units passed",
    )

    assert page.status_code == 200
    assert page.template_name == "admin/core/action_form.html"
    assert response.wsgi_request.path == _url(Inspection)
    assert _messages(response) == [f"Decided: {inspection}."]
    inspection.refresh_from_db()
    inspection.lot.refresh_from_db()
    assert (inspection.outcome, inspection.lot.status) == (Outcome.RELEASED, LotStatus.RELEASED)
    event = inspection.events.last()
    assert (event.outcome, event.actor) == (Outcome.RELEASED, officer)
    assert event.reason.endswith("Accredited lab retest of 200 units passed")


def _mismatched_conflict(make_lot, inspector) -> Inspection:
    """Conflicting results on a lot ordered for medical use, certified only to KN95."""
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    lot = make_lot(product=factories.ProductFactory(claimed_standard=kn95))
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    return record(lot, inspector, "second", measurements=good(80))


def test_releasing_a_mismatched_lot_on_conflicting_results_needs_the_officers_override(
    officer_client, officer, make_lot, inspector
):
    inspection = _mismatched_conflict(make_lot, inspector)
    lot = inspection.lot
    decide = {"decision": "release", "reason": "Accredited lab retest of 200 units passed"}

    page = _act(officer_client, Inspection, "decide_conflict", [inspection])
    refused = _act(officer_client, Inspection, "decide_conflict", [inspection], **decide)

    content = page.content.decode()
    assert "Intended-use mismatch: ordered for medical use" in content
    assert f"Selected lots with this mismatch: {lot.lot_number}." in content
    assert "Override of the intended-use mismatch (ministry officer)" in content
    assert refused.template_name == "admin/core/action_form.html"
    assert _messages(refused) == [
        f"Lot {lot.lot_number} has an intended-use mismatch: ordered for medical use, certified "
        "only to a non-medical standard. A ministry officer's written override is needed to "
        "release it."
    ]
    assert refused.context["form"]["reason"].value() == decide["reason"]  # kept as typed
    inspection.refresh_from_db()
    lot.refresh_from_db()
    assert (inspection.outcome, lot.status) == (Outcome.CONFLICT, LotStatus.ON_HOLD)

    override = "No FFP2 available; KN95 accepted for ward use by the chief medical officer"
    response = _act(
        officer_client,
        Inspection,
        "decide_conflict",
        [inspection],
        **decide,
        mismatch_override=override,
    )

    assert _messages(response) == [f"Decided: {inspection}."]
    inspection.refresh_from_db()
    lot.refresh_from_db()
    assert (inspection.outcome, lot.status) == (Outcome.RELEASED, LotStatus.RELEASED)
    release = lot.events.filter(to_status=LotStatus.RELEASED).get()
    assert release.data["mismatch_override"] == override
    assert release.actor == officer


def test_the_decision_page_of_a_lot_without_a_mismatch_shows_no_mismatch_warning(
    officer_client, make_lot, inspector
):
    inspection = _conflict(make_lot, inspector)

    page = _act(officer_client, Inspection, "decide_conflict", [inspection]).content.decode()

    assert "Intended-use mismatch" not in page
    assert "one passed and another failed" in page


def test_a_recall_is_refused_when_no_unit_left_the_warehouse(officer_client, make_lot, inspector):
    inspection = _conflict(make_lot, inspector)

    response = _act(
        officer_client,
        Inspection,
        "decide_conflict",
        [inspection],
        decision="recall",
        reason="Better safe",
    )

    assert _messages(response) == [
        f"No unit of lot {inspection.lot.lot_number} ever left the warehouse: reject it instead "
        "of recalling it."
    ]
    inspection.refresh_from_db()
    assert inspection.outcome == Outcome.CONFLICT


def test_rejecting_on_conflicting_results_rejects_the_lot(officer_client, make_lot, inspector):
    inspection = _conflict(make_lot, inspector)

    _act(
        officer_client,
        Inspection,
        "decide_conflict",
        [inspection],
        decision="reject",
        reason="The first lab is the accredited one",
    )

    inspection.refresh_from_db()
    inspection.lot.refresh_from_db()
    assert (inspection.outcome, inspection.lot.status) == (Outcome.REJECTED, LotStatus.REJECTED)


def test_a_decision_without_a_reason_shows_the_services_message_and_changes_nothing(
    officer_client, make_lot, inspector
):
    inspection = _conflict(make_lot, inspector)

    response = _act(
        officer_client, Inspection, "decide_conflict", [inspection], decision="reject", reason=" "
    )

    assert response.status_code == 200
    assert response.template_name == "admin/core/action_form.html"
    assert _messages(response) == [
        "A written reason is required for deciding on conflicting results."
    ]
    assert response.context["form"]["decision"].value() == "reject"
    inspection.refresh_from_db()
    assert inspection.outcome == Outcome.CONFLICT
    assert inspection.lot.status == LotStatus.ON_HOLD


def test_a_decision_needs_one_of_the_three_choices(officer_client, make_lot, inspector):
    inspection = _conflict(make_lot, inspector)

    response = _act(
        officer_client, Inspection, "decide_conflict", [inspection], reason="Retest passed"
    )

    assert response.status_code == 200
    assert "decision" in response.context["form"].errors
    inspection.refresh_from_db()
    assert inspection.outcome == Outcome.CONFLICT


def test_an_inspection_without_conflicting_results_is_refused(officer_client, one_of_each):
    inspection = one_of_each["inspection"]

    response = _act(
        officer_client, Inspection, "decide_conflict", [inspection], decision="reject", reason="x"
    )

    assert _messages(response) == [f"Inspection #{inspection.pk} is not awaiting a decision."]
    inspection.refresh_from_db()
    assert inspection.outcome == Outcome.RELEASED


def test_an_inspector_cannot_decide_on_conflicting_results(client, make_lot, inspector):
    inspection = _conflict(make_lot, inspector)
    client.force_login(inspector)

    page = client.get(_url(Inspection, "change", inspection.pk))
    response = _act(
        client, Inspection, "decide_conflict", [inspection], decision="release", reason="Fine"
    )

    assert page.status_code == 200
    assert "decide_conflict" not in page.content.decode()
    assert response.status_code == 200
    assert not any(m.startswith("Decided") for m in _messages(response))
    inspection.refresh_from_db()
    assert inspection.outcome == Outcome.CONFLICT


def test_the_conflicting_inspections_page_offers_the_decision_to_an_officer(
    officer_client, make_lot, inspector
):
    inspection = _conflict(make_lot, inspector)

    page = officer_client.get(_url(Inspection, "change", inspection.pk)).content.decode()

    assert 'value="decide_conflict"' in page
    assert "Conflicting results: an officer decides" in page


# ---------------------------------------------------------------------------------------------
# Supplier levels


def test_supplier_levels_are_view_only(officer_client):
    level = _level()

    page = officer_client.get(_url(SupplierLevel, "change", level.pk))
    added = officer_client.get(_url(SupplierLevel, "add"))
    changed = officer_client.post(_url(SupplierLevel, "change", level.pk), {"category": "gown"})

    assert page.status_code == 200
    assert page.context["adminform"].form.fields == {}
    assert (added.status_code, changed.status_code) == (403, 403)


def test_an_officer_approves_reduced_inspection_when_it_is_proposed(officer_client, officer):
    level = _level(reduced_proposed=True, consecutive_accepted=10)

    response = _act(
        officer_client, SupplierLevel, "approve_reduced", [level], reason="10 lots in a row"
    )

    level.refresh_from_db()
    assert level.state == LevelState.REDUCED
    event = SupplierLevelEvent.objects.get(level=level)
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        LevelState.NORMAL,
        LevelState.REDUCED,
        officer,
        "10 lots in a row",
    )
    assert _messages(response) == [f"Reduced inspection approved: {level}."]
    page = officer_client.get(_url(SupplierLevel, "change", level.pk))
    [events] = page.context["inline_admin_formsets"]
    assert [f.instance for f in events.formset] == [event]


def test_reduced_inspection_that_is_not_proposed_is_refused(officer_client):
    level = _level(consecutive_accepted=4)

    response = _act(officer_client, SupplierLevel, "approve_reduced", [level], reason="Good")

    assert response.template_name == "admin/core/action_form.html"
    assert _messages(response) == [
        "Reduced inspection can be approved only on normal inspection after 10 lots in a row "
        "were accepted."
    ]
    level.refresh_from_db()
    assert level.state == LevelState.NORMAL


def test_approving_reduced_inspection_needs_a_reason(officer_client):
    level = _level(reduced_proposed=True)

    response = _act(officer_client, SupplierLevel, "approve_reduced", [level], reason="")

    assert _messages(response) == ["A written reason is required for approving reduced inspection."]
    level.refresh_from_db()
    assert level.state == LevelState.NORMAL


def test_an_officer_returns_a_supplier_from_reduced_to_normal_with_a_reason(
    officer_client, officer
):
    level = _level(state=LevelState.REDUCED)
    reason = "Production interrupted for six weeks: new line"

    page = _act(officer_client, SupplierLevel, "return_to_normal", [level])
    response = _act(officer_client, SupplierLevel, "return_to_normal", [level], reason=reason)

    assert page.template_name == "admin/core/action_form.html"
    assert "irregular" in page.content.decode()
    level.refresh_from_db()
    assert level.state == LevelState.NORMAL
    event = level.events.get()
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        LevelState.REDUCED,
        LevelState.NORMAL,
        officer,
        reason,
    )
    assert _messages(response) == [f"Returned to normal inspection: {level}."]


def test_returning_to_normal_a_supplier_not_on_reduced_is_refused(officer_client):
    level = _level(state=LevelState.TIGHTENED)

    response = _act(officer_client, SupplierLevel, "return_to_normal", [level], reason="Irregular")

    assert response.template_name == "admin/core/action_form.html"
    assert _messages(response) == ["Only a supplier on reduced inspection can return to normal."]
    level.refresh_from_db()
    assert level.state == LevelState.TIGHTENED
    assert not level.events.exists()


def test_an_officer_reinstates_a_discontinued_supplier_on_tightened(officer_client, officer):
    level = _level(state=LevelState.DISCONTINUED)

    response = _act(
        officer_client, SupplierLevel, "reinstate", [level], reason="New filter media supplier"
    )

    level.refresh_from_db()
    assert level.state == LevelState.TIGHTENED
    assert level.events.get().reason == "New filter media supplier"
    assert _messages(response) == [f"Reinstated on tightened inspection: {level}."]


def test_reinstating_a_supplier_that_is_not_discontinued_is_refused(officer_client):
    level = _level(state=LevelState.TIGHTENED)

    response = _act(officer_client, SupplierLevel, "reinstate", [level], reason="Fixed")

    assert _messages(response) == ["Only a discontinued supplier can be reinstated."]
    level.refresh_from_db()
    assert level.state == LevelState.TIGHTENED
    assert not level.events.exists()


def test_supplier_levels_are_filtered_by_state(officer_client):
    stopped = _level(state=LevelState.DISCONTINUED)
    _level()

    response = officer_client.get(_url(SupplierLevel), {"state__exact": "discontinued"})

    assert list(response.context["cl"].result_list) == [stopped]


# ---------------------------------------------------------------------------------------------
# Actions by role


def _deletable(model) -> set[str]:
    return {"delete_selected"} if model is Certificate else set()


QUALITY_ACTIONS = {
    Inspection: {"decide_conflict"},
    SupplierLevel: {"approve_reduced", "return_to_normal", "reinstate"},
    Certificate: {"mark_verified", "mark_invalid", "mark_unverified"},
}


@pytest.mark.parametrize("model", list(QUALITY_ACTIONS), ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    ("user", "offered"),
    [
        ("officer", lambda model: QUALITY_ACTIONS[model]),
        ("inspector", lambda model: QUALITY_ACTIONS[model] if model is Certificate else set()),
        # Superusers may delete a certificate entered by mistake (not one with events).
        ("admin_user", lambda model: QUALITY_ACTIONS[model] | _deletable(model)),
    ],
    ids=["officer", "inspector", "superuser"],
)
def test_actions_are_offered_by_role(client, request, user, offered, model):
    client.force_login(request.getfixturevalue(user))

    response = client.get(_url(model))

    assert response.status_code == 200
    form = response.context["action_form"]
    choices = {name for name, _ in form.fields["action"].choices} if form else set()
    assert choices - {""} == offered(model)


# ---------------------------------------------------------------------------------------------
# Certificates


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_verified", VerificationStatus.VERIFIED),
        ("mark_invalid", VerificationStatus.INVALID),
    ],
)
def test_an_inspector_sets_a_certificates_verification_with_a_reason(
    client, inspector, make_lot, action, status
):
    certificate = _certificate(make_lot())
    client.force_login(inspector)

    page = _act(client, Certificate, action, [certificate])
    response = _act(client, Certificate, action, [certificate], reason="Checked in NANDO")

    assert page.status_code == 200
    assert "reason" in page.context["form"].fields
    certificate.refresh_from_db()
    assert certificate.verification_status == status
    event = certificate.events.get()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        VerificationStatus.UNVERIFIED,
        status,
        inspector,
        "Checked in NANDO",
    )
    assert _messages(response) == [f"Marked {status.label.lower()}: {certificate}."]


def test_marking_a_certificate_unverified_again(officer_client, officer, make_lot):
    certificate = _certificate(make_lot())
    services.certificate_set_verification(
        certificate=certificate, actor=officer, status="verified", reason="NANDO"
    )

    _act(officer_client, Certificate, "mark_unverified", [certificate], reason="Body withdrawn")

    certificate.refresh_from_db()
    assert certificate.verification_status == VerificationStatus.UNVERIFIED
    assert certificate.events.last().reason == "Body withdrawn"


def test_verification_without_a_reason_shows_the_services_message(officer_client, make_lot):
    certificate = _certificate(make_lot())

    response = _act(officer_client, Certificate, "mark_invalid", [certificate], reason="  ")

    assert response.template_name == "admin/core/action_form.html"
    assert _messages(response) == ["A written reason is required for a certificate's verification."]
    certificate.refresh_from_db()
    assert certificate.verification_status == VerificationStatus.UNVERIFIED
    assert not certificate.events.exists()


def _certificate_data(**fields) -> dict:
    return {
        "product": "",
        "lot": "",
        "issuer": "TUV Rheinland",
        "notified_body_number": "0197",
        "certificate_number": "CE-0197-77",
        "valid_until": "2030-12-31",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "_save": "Save",
        **fields,
    }


def test_an_inspector_adds_a_certificate_for_a_product(client, inspector, make_lot):
    product = make_lot().order_line.product
    client.force_login(inspector)

    response = client.post(
        _url(Certificate, "add"),
        _certificate_data(
            product=product.pk,
            standard=product.claimed_standard.pk,
            verification_status="verified",
        ),
    )

    assert response.status_code == 302
    certificate = Certificate.objects.get(certificate_number="CE-0197-77")
    assert (certificate.product, certificate.lot) == (product, None)
    assert certificate.verification_status == VerificationStatus.UNVERIFIED  # not from the form


def test_a_certificate_for_both_a_product_and_a_lot_is_a_form_error(officer_client, make_lot):
    lot = make_lot()

    response = officer_client.post(
        _url(Certificate, "add"),
        _certificate_data(
            product=lot.order_line.product.pk,
            lot=lot.pk,
            standard=lot.order_line.required_standard.pk,
        ),
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    message = (
        "A certificate covers either a product (all its lots) or one lot, not both: clear one "
        "of the two."
    )
    assert form.errors["product"] == [message]
    assert form.errors["lot"] == [message]
    assert not form.non_field_errors()  # not the constraint's own message
    assert not Certificate.objects.exists()


def test_a_certificate_for_neither_a_product_nor_a_lot_is_a_form_error(
    officer_client, respirator_standard
):
    response = officer_client.post(
        _url(Certificate, "add"), _certificate_data(standard=respirator_standard.pk)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["lot"] == [
        "Say what the certificate covers: choose a product (all its lots) or one lot."
    ]
    assert not Certificate.objects.exists()


def test_a_certificate_file_of_another_kind_is_refused(officer_client, make_lot):
    lot = make_lot()
    upload = SimpleUploadedFile("certificate.exe", b"MZ", content_type="application/octet-stream")

    response = officer_client.post(
        _url(Certificate, "add"),
        _certificate_data(lot=lot.pk, standard=lot.order_line.required_standard.pk, file=upload),
    )

    assert response.status_code == 200
    assert "file" in response.context["adminform"].form.errors
    assert not Certificate.objects.exists()


def test_the_certificate_file_is_linked_to_an_admin_view_only(officer_client, make_lot):
    lot = make_lot()
    officer_client.post(
        _url(Certificate, "add"),
        _certificate_data(
            lot=lot.pk,
            standard=lot.order_line.required_standard.pk,
            file=SimpleUploadedFile("ce.pdf", PDF, content_type="application/pdf"),
        ),
    )
    certificate = Certificate.objects.get()
    file_url = _url(Certificate, "file", certificate.pk)

    page = officer_client.get(_url(Certificate, "change", certificate.pk)).content.decode()
    response = officer_client.get(file_url)

    assert f'href="{file_url}"' in page
    assert "/media/" not in page
    assert b"".join(response.streaming_content) == PDF


def test_the_verification_status_is_read_only_on_the_certificate_page(officer_client, make_lot):
    certificate = _certificate(make_lot())

    response = officer_client.get(_url(Certificate, "change", certificate.pk))

    form = response.context["adminform"].form
    assert "verification_status" not in form.fields
    assert {"product", "lot", "standard", "issuer", "certificate_number", "file"} <= set(
        form.fields
    )
    assert "Unverified" in response.content.decode()


def _verified(certificate: Certificate, actor) -> Certificate:
    return services.certificate_set_verification(
        certificate=certificate, actor=actor, status="verified", reason="Checked in NANDO"
    )


def _edit_data(certificate: Certificate, **changes) -> dict:
    """The certificate's change form as posted, with `changes`."""
    fields = {
        "lot": certificate.lot_id,
        "standard": certificate.standard_id,
        "issuer": certificate.issuer,
        "notified_body_number": certificate.notified_body_number,
        "certificate_number": certificate.certificate_number,
        "valid_until": certificate.valid_until or "",
    }
    return _certificate_data(**{**fields, **changes})


@pytest.mark.parametrize("user_fixture", ["inspector", "officer"])
def test_a_verified_certificates_fields_change_only_after_marking_it_unverified(
    client, request, make_lot, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    certificate = _verified(_certificate(make_lot(), valid_until="2030-12-31"), user)
    change_url = _url(Certificate, "change", certificate.pk)
    client.force_login(user)

    page = client.get(change_url)
    posted = client.post(change_url, _edit_data(certificate, valid_until="2035-06-30"))

    form = page.context["adminform"].form
    assert not {"product", "lot", "standard", "issuer", "valid_until", "file"} & set(form.fields)
    content = page.content.decode()
    assert "first mark it unverified" in content
    assert 'value="mark_unverified"' in content
    assert posted.status_code == 302
    certificate.refresh_from_db()
    assert str(certificate.valid_until) == "2030-12-31"

    _act(client, Certificate, "mark_unverified", [certificate], reason="Wrong expiry typed")
    page = client.get(change_url)
    posted = client.post(change_url, _edit_data(certificate, valid_until="2035-06-30"))

    assert "valid_until" in page.context["adminform"].form.fields
    assert "first mark it unverified" not in page.content.decode()
    assert posted.status_code == 302
    certificate.refresh_from_db()
    assert str(certificate.valid_until) == "2035-06-30"
    assert certificate.verification_status == VerificationStatus.UNVERIFIED
    assert certificate.events.last().reason == "Wrong expiry typed"


def test_an_invalid_certificate_is_read_only_too_and_its_file_stays_a_download_link(
    officer_client, officer, make_lot
):
    upload = SimpleUploadedFile("ce.pdf", PDF, content_type="application/pdf")
    certificate = _certificate(make_lot(), file=upload)
    services.certificate_set_verification(
        certificate=certificate, actor=officer, status="invalid", reason="Body withdrawn"
    )

    page = officer_client.get(_url(Certificate, "change", certificate.pk))

    content = page.content.decode()
    assert "This certificate is invalid" in content
    assert f'href="{_url(Certificate, "file", certificate.pk)}"' in content
    assert "/media/" not in content
    assert page.context["adminform"].form.fields == {}


def test_a_certificate_without_a_file_has_nothing_to_stream(officer_client, make_lot):
    certificate = _certificate(make_lot())

    assert officer_client.get(_url(Certificate, "file", certificate.pk)).status_code == 404
    assert officer_client.get(_url(Certificate, "file", 999_999)).status_code == 404
