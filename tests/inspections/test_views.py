"""The inspector's pages: the queue, recording an inspection, and an inspection's verdict."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import selectors
from inspections.forms import parse_values
from inspections.models import (
    Comparison,
    Criterion,
    Inspection,
    LevelState,
    Outcome,
    SupplierLevel,
    Verdict,
)
from inspections.selectors import next_stage
from procurement import services as procurement
from procurement.models import IntendedUse, Lot, LotStatus, ReleaseBasis
from tests import factories
from tests.inspections.conftest import good, record, with_failures

pytestmark = pytest.mark.django_db

LAB = "Rijksinstituut test laboratory"


def _record_url(lot) -> str:
    return reverse("inspections:record", args=[lot.pk])


def _post_data(measurements=None, counts=None, stage="first", **extra) -> dict[str, str]:
    """What the browser sends: header fields, one textarea per criterion (values one per line)
    and/or one count field per criterion."""
    data = {
        "stage": stage,
        "laboratory": LAB,
        "performed_by": "A. Jansen",
        "performed_on": "2020-03-30",
        "notes": "",
    }
    for code, values in (measurements or {}).items():
        data[f"values_{code}"] = "\n".join(values)
    for code, count in (counts or {}).items():
        data[f"count_{code}"] = str(count)
    return {**data, **extra}


def _rapid_test_lot(officer, rapid_test_standard):
    product = factories.ProductFactory(
        category="rapid_test", claimed_standard=rapid_test_standard, name="Antigen test"
    )
    order = factories.placed_order(actor=officer, quantity=5_000, product=product)
    return factories.received_lot(quantity=5_000, order=order, actor=officer)


# ---------------------------------------------------------------------------------------------
# The record page before any input


def test_the_record_page_shows_the_lot_and_its_sampling_plan_before_any_input(
    client, inspector, make_lot
):
    lot = make_lot()
    client.force_login(inspector)

    response = client.get(_record_url(lot))

    assert response.status_code == 200
    content = response.content.decode()
    assert lot.lot_number in content
    assert "1,000" in content
    assert "TEST FFP2" in content  # the standard the order required
    assert lot.order_line.order.supplier.name in content
    assert response.context["supplier_state_label"] == "Normal"
    plan = {
        row.defect_class: (row.code_letter, row.sample_size, row.accept, row.reject)
        for row in response.context["class_rows"]
    }
    assert plan == {
        "critical": ("J", 80, 1, 2),
        "major": ("J", 80, 5, 6),
        "minor": ("J", 80, 7, 8),
    }
    assert "code letter <strong>J</strong>" in content
    assert "draw <strong>80</strong> units" in content
    # the per-criterion fields name the characteristic, the limit and the units the class needs
    assert "Filtration" in content
    assert "Pass: at least 94 %" in content
    assert "Measured values (80 units)" in content
    assert 'name="values_leakage"' in content
    assert 'name="count_leakage"' in content
    assert 'enctype="multipart/form-data"' in content
    # nothing to enter for a panel on a respirator standard; defaults filled in
    assert 'name="true_positives"' not in content
    assert response.context["form"]["stage"].value() == "first"
    assert response.context["form"]["performed_on"].value() == timezone.localdate()
    assert not Inspection.objects.exists()


def test_the_record_page_shows_a_tightened_supplier_and_a_mismatch(
    client, inspector, make_lot, respirator_standard
):
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    lot = make_lot(
        product=factories.ProductFactory(claimed_standard=kn95), intended_use=IntendedUse.MEDICAL
    )
    # test set-up only: the switching rules would need five original inspections to get here
    SupplierLevel.objects.create(
        supplier=lot.order_line.order.supplier, category="respirator", state=LevelState.TIGHTENED
    )
    client.force_login(inspector)

    response = client.get(_record_url(lot))

    content = response.content.decode()
    assert response.context["supplier_state_label"] == "Tightened"
    assert {row.defect_class: (row.accept, row.reject) for row in response.context["class_rows"]}[
        "major"
    ] == (3, 4)
    assert "not certified to a medical standard" in content
    assert "GB 2626 KN95" in content  # claimed
    assert "TEST FFP2" in content  # judged against


def test_a_small_lot_is_inspected_in_full(client, inspector, make_lot):
    client.force_login(inspector)

    response = client.get(_record_url(make_lot(quantity=10)))

    assert "100 % inspection" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Recording


def test_posting_good_results_records_an_accepted_inspection_and_shows_it(
    client, inspector, make_lot
):
    lot = make_lot()
    client.force_login(inspector)

    response = client.post(_record_url(lot), _post_data(good(80)), follow=True)

    inspection = Inspection.objects.get()
    assert response.redirect_chain == [(reverse("inspections:detail", args=[inspection.pk]), 302)]
    assert (inspection.verdict, inspection.outcome) == (Verdict.ACCEPTED, Outcome.RELEASED)
    assert inspection.laboratory == LAB
    assert inspection.recorded_by == inspector
    content = response.content.decode()
    assert "ACCEPTED" in content
    assert "released" in content
    assert "Lot released" in content
    assert "recorded: ACCEPTED. Lot released." in content  # the success message
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED


def test_values_may_be_separated_by_spaces_commas_and_semicolons_with_decimal_commas(
    client, inspector, make_lot
):
    lot = make_lot()
    client.force_login(inspector)
    data = _post_data()
    data["values_filtration"] = "; ".join(["97,5"] * 40) + "\n" + " ".join(["97.5"] * 40)
    data["values_leakage"] = ",".join(["4"] * 80)
    data["values_resistance"] = "\n".join(["1,1"] * 80) + "\n\n"

    response = client.post(_record_url(lot), data)

    assert response.status_code == 302
    result = Inspection.objects.get().results.get(criterion__code="filtration")
    assert result.units_tested == 80
    assert result.measurements[0] == "97.5"


def test_79_values_show_the_services_error_and_keep_every_input(client, inspector, make_lot):
    lot = make_lot()
    client.force_login(inspector)
    results = good(80)
    results["leakage"] = ["4.25"] * 79
    data = _post_data(results, notes="Second carton damaged")

    response = client.post(_record_url(lot), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Leakage: 79 results entered; the sampling plan calls for 80 (major defects)." in content
    assert 'class="form-errors" role="alert"' in content
    # everything typed comes back: the values, the laboratory, the person, the notes
    assert "\n".join(["4.25"] * 79) in content
    assert "\n".join(["97.5"] * 80) in content
    assert f'value="{LAB}"' in content
    assert 'value="A. Jansen"' in content
    assert 'value="2020-03-30"' in content
    assert "Second carton damaged" in content
    assert not Inspection.objects.exists()
    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED


def test_a_value_that_is_not_a_number_is_refused_by_the_service(client, inspector, make_lot):
    client.force_login(inspector)
    results = good(80)
    results["filtration"][5] = "ninety"

    response = client.post(_record_url(make_lot()), _post_data(results))

    assert "Filtration: &#x27;ninety&#x27; is not a number." in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_criterion_left_empty_is_named(client, inspector, make_lot):
    client.force_login(inspector)
    results = good(80)
    del results["resistance"]

    response = client.post(_record_url(make_lot()), _post_data(results))

    assert "Resistance: enter the measurements or the count" in response.content.decode()


def test_a_box_with_separators_only_is_a_form_error(client, inspector, make_lot):
    client.force_login(inspector)
    data = _post_data(good(80))
    data["values_leakage"] = " ;, \n"

    response = client.post(_record_url(make_lot()), data)

    assert response.context["form"].errors["values_leakage"] == ["No values found in this box."]
    assert not Inspection.objects.exists()


def test_values_and_a_count_for_the_same_criterion_are_refused(client, inspector, make_lot):
    client.force_login(inspector)
    data = _post_data(good(80), counts={"leakage": 0})

    response = client.post(_record_url(make_lot()), data)

    assert "count_leakage" in response.context["form"].errors
    assert not Inspection.objects.exists()


def test_counts_of_nonconforming_units_are_recorded(client, inspector, make_lot):
    lot = make_lot()
    client.force_login(inspector)
    data = _post_data(counts={"filtration": 0, "leakage": 6, "resistance": 0})

    response = client.post(_record_url(lot), data, follow=True)

    inspection = Inspection.objects.get()
    assert (inspection.verdict, inspection.outcome) == (Verdict.REJECTED, Outcome.ON_HOLD)
    assert inspection.classes.get(defect_class="major").nonconforming == 6
    content = response.content.decode()
    assert "REJECTED" in content
    assert "Lot put on hold; a second inspection is required" in content
    assert "Record the second inspection" in content


def test_a_count_above_the_sample_size_is_refused_by_the_service(client, inspector, make_lot):
    client.force_login(inspector)
    data = _post_data(counts={"filtration": 81, "leakage": 0, "resistance": 0})

    response = client.post(_record_url(make_lot()), data)

    assert "the count of nonconforming units must be 0 to 80" in response.content.decode()
    assert 'value="81"' in response.content.decode()


def test_measurements_and_counts_mix_across_criteria(client, inspector, make_lot):
    client.force_login(inspector)
    results = good(80)
    data = _post_data({"filtration": results["filtration"]}, counts={"leakage": 0, "resistance": 1})

    assert client.post(_record_url(make_lot()), data).status_code == 302
    assert Inspection.objects.get().verdict == Verdict.ACCEPTED


def test_the_second_inspection_is_offered_after_a_failed_first(client, inspector, make_lot):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    client.force_login(inspector)

    page = client.get(_record_url(lot))
    assert page.context["form"]["stage"].value() == "second"
    assert "Earlier inspections of this lot" in page.content.decode()

    data = _post_data(with_failures(80, filtration_failures=3), stage="second")
    response = client.post(_record_url(lot), data, follow=True)

    second = Inspection.objects.get(stage="second")
    assert second.outcome == Outcome.REJECTED
    assert "Lot rejected" in response.content.decode()


def test_a_second_first_inspection_is_refused_with_the_services_message(
    client, inspector, make_lot
):
    lot = make_lot()
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    client.force_login(inspector)

    response = client.post(_record_url(lot), _post_data(good(80), stage="first"))

    assert "already has a first inspection" in response.content.decode()
    assert Inspection.objects.count() == 1


def test_an_inspection_date_in_the_future_is_refused(client, inspector, make_lot):
    client.force_login(inspector)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.post(
        _record_url(make_lot()), _post_data(good(80), performed_on=tomorrow.isoformat())
    )

    assert "cannot be in the future" in response.content.decode()


def test_a_lab_report_is_stored_and_a_wrong_file_type_is_refused(client, inspector, make_lot):
    client.force_login(inspector)
    lot = make_lot()
    wrong = SimpleUploadedFile("report.exe", b"MZ", content_type="application/octet-stream")

    refused = client.post(_record_url(lot), {**_post_data(good(80)), "report_file": wrong})

    assert "report_file" in refused.context["form"].errors
    assert not Inspection.objects.exists()

    pdf = SimpleUploadedFile("lab-report.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(
        _record_url(lot), {**_post_data(good(80)), "report_file": pdf}, follow=True
    )

    inspection = Inspection.objects.get()
    assert inspection.report_file.name.endswith(".pdf")
    assert "lab-report" in response.content.decode()


def test_a_rapid_test_panel_at_30_percent_sensitivity_is_rejected_and_put_on_hold(
    client, officer, inspector, rapid_test_standard
):
    lot = _rapid_test_lot(officer, rapid_test_standard)
    client.force_login(inspector)
    form_page = client.get(_record_url(lot)).content.decode()
    assert 'name="true_positives"' in form_page
    assert "Sensitivity: at least 80 %" in form_page
    assert 'name="values_sensitivity"' not in form_page
    panel = {
        "true_positives": "30", "false_negatives": "70",
        "true_negatives": "98", "false_positives": "2",
    }  # fmt: skip

    response = client.post(_record_url(lot), _post_data(**panel), follow=True)

    inspection = Inspection.objects.get()
    assert (inspection.verdict, inspection.outcome) == (Verdict.REJECTED, Outcome.ON_HOLD)
    content = response.content.decode()
    assert "REJECTED" in content
    assert "on hold" in content
    assert "30 %" in content  # the computed sensitivity
    assert "98 %" in content  # the computed specificity
    lot.refresh_from_db()
    assert lot.status == LotStatus.ON_HOLD


def test_the_rapid_test_panel_is_required(client, officer, inspector, rapid_test_standard):
    lot = _rapid_test_lot(officer, rapid_test_standard)
    client.force_login(inspector)

    response = client.post(_record_url(lot), _post_data())

    assert "true_positives" in response.context["form"].errors
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("count", ["1000001", "-1"])
def test_a_panel_count_out_of_bounds_is_a_form_error(
    client, officer, inspector, rapid_test_standard, count
):
    lot = _rapid_test_lot(officer, rapid_test_standard)
    client.force_login(inspector)
    panel = {
        "true_positives": count, "false_negatives": "70",
        "true_negatives": "98", "false_positives": "2",
    }  # fmt: skip

    response = client.post(_record_url(lot), _post_data(**panel))

    assert response.status_code == 200
    assert "true_positives" in response.context["form"].errors
    assert not Inspection.objects.exists()


def test_an_officer_may_record_an_inspection(client, officer, make_lot):
    client.force_login(officer)

    assert client.post(_record_url(make_lot()), _post_data(good(80))).status_code == 302


# ---------------------------------------------------------------------------------------------
# The inspection page


def test_the_inspection_page_shows_the_plan_results_and_decision(client, inspector, make_lot):
    lot = make_lot()
    inspection = record(lot, inspector, measurements=with_failures(80, filtration_failures=1))
    client.force_login(inspector)

    response = client.get(reverse("inspections:detail", args=[inspection.pk]))

    content = response.content.decode()
    assert "ACCEPTED" in content
    assert "Lot released" in content
    assert "RIVM test lab" in content
    assert "J. de Vries" in content
    found = [(row.defect_class, row.nonconforming) for row, _ in response.context["classes"]]
    assert found == [("critical", 1), ("major", 0), ("minor", 0)]
    assert [aql for _, aql in response.context["classes"]] == [
        inspection.classes.get(defect_class=c).aql for c in ("critical", "major", "minor")
    ]
    assert reverse("admin:procurement_lot_change", args=[lot.pk]) in content
    assert reverse("inspections:queue") in content


def test_an_accepted_lot_ordered_with_a_mismatch_awaits_an_override(client, inspector, make_lot):
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    lot = make_lot(product=factories.ProductFactory(claimed_standard=kn95))
    client.force_login(inspector)

    response = client.post(_record_url(lot), _post_data(good(80)), follow=True)

    assert "release needs an officer&#x27;s override" in response.content.decode()


def test_a_confirmed_failure_after_dispatch_says_a_recall_is_required(
    client, officer, inspector, make_lot, hospital
):
    lot = make_lot()
    procurement.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU")
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    second = record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=2))
    client.force_login(inspector)

    response = client.get(reverse("inspections:detail", args=[second.pk]))

    assert "a recall is required" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The queue


def test_the_queue_lists_lots_awaiting_a_first_and_a_second_inspection(client, inspector, make_lot):
    waiting = make_lot()
    held = make_lot()
    failed = record(held, inspector, measurements=with_failures(80, filtration_failures=2))
    released = make_lot()
    record(released, inspector, measurements=good(80))
    client.force_login(inspector)

    response = client.get(reverse("inspections:queue"))

    assert [row.lot for row in response.context["first_rows"]] == [waiting]
    [row] = response.context["second_rows"]
    assert (row.lot, row.inspection_id) == (held, failed.pk)
    content = response.content.decode()
    assert _record_url(waiting) in content
    assert _record_url(held) in content
    assert released.lot_number not in content
    assert "Not inspected yet" in content
    assert "Record second inspection" in content


def _awaiting_override(make_lot, inspector) -> Inspection:
    """An accepted lot ordered for medical use, certified only to KN95: it waits in quarantine."""
    kn95 = factories.StandardFactory(code="GB 2626 KN95", is_medical=False)
    lot = make_lot(product=factories.ProductFactory(claimed_standard=kn95))
    return record(lot, inspector, measurements=good(80))


def _needing_recall(make_lot, officer, inspector, hospital) -> Inspection:
    """A lot in use on documents whose failure is confirmed after units reached a hospital."""
    lot = make_lot()
    procurement.lot_release(lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU")
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=officer)
    record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    return record(lot, inspector, "second", measurements=with_failures(80, filtration_failures=2))


def test_the_queue_lists_lots_awaiting_an_override_and_lots_needing_a_recall(
    client, officer, inspector, make_lot, hospital
):
    waiting = make_lot()
    accepted = _awaiting_override(make_lot, inspector)
    confirmed = _needing_recall(make_lot, officer, inspector, hospital)
    client.force_login(inspector)

    response = client.get(reverse("inspections:queue"))

    assert accepted.outcome == Outcome.AWAITING_OVERRIDE
    assert confirmed.outcome == Outcome.RECALL_REQUIRED
    assert [row.lot for row in response.context["first_rows"]] == [waiting]
    assert response.context["second_rows"] == []
    [override] = response.context["override_rows"]
    assert (override.lot, override.inspection_id) == (accepted.lot, accepted.pk)
    [recall] = response.context["recall_rows"]
    assert (recall.lot, recall.inspection_id) == (confirmed.lot, confirmed.pk)
    content = response.content.decode()
    assert "Accepted, awaiting an officer's override (intended-use mismatch)" in content
    assert "Needing a recall (a ministry officer starts it)" in content
    for inspection in (accepted, confirmed):
        assert reverse("inspections:detail", args=[inspection.pk]) in content
        assert _record_url(inspection.lot) not in content  # nothing more to inspect
    assert 'href="#override"' in content
    assert 'href="#recall"' in content


def test_a_lot_with_a_first_inspection_is_not_awaiting_a_first_one(
    client, officer, inspector, make_lot
):
    untested = make_lot()
    procurement.lot_release(
        lot=untested, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="Emergency"
    )
    # Accepted while in use: the lot stays released on documents, and is inspected now.
    inspected = make_lot()
    procurement.lot_release(
        lot=inspected, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="Emergency"
    )
    record(inspected, inspector, measurements=good(80))
    _awaiting_override(make_lot, inspector)  # quarantined, with a first inspection
    client.force_login(inspector)

    response = client.get(reverse("inspections:queue"))

    assert [row.lot for row in response.context["first_rows"]] == [untested]
    assert list(selectors.lots_awaiting_first_inspection()) == [untested]


def test_the_second_inspection_list_is_oldest_failure_first_and_drops_settled_lots(
    inspector, officer, make_lot
):
    newer, older, settled, officers_hold = make_lot(), make_lot(), make_lot(), make_lot()
    for lot in (older, newer, settled):
        record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    record(settled, inspector, "second", measurements=with_failures(80, filtration_failures=2))
    procurement.lot_hold(lot=officers_hold, actor=officer, reason="Complaint")

    assert list(selectors.lots_awaiting_second_inspection()) == [older, newer]


def test_each_list_pages_on_its_own_and_keeps_the_others_page(
    client, inspector, make_lot, monkeypatch
):
    monkeypatch.setattr("inspections.views.LOTS_PER_PAGE", 1)
    first_lots = [make_lot(), make_lot()]
    for lot in (make_lot(), make_lot()):
        record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    client.force_login(inspector)

    response = client.get(reverse("inspections:queue"), {"page": 2})

    assert [row.lot for row in response.context["first_rows"]] == [first_lots[1]]
    assert response.context["second_links"]["next"] == "?page=2&second_page=2"
    assert response.context["first_links"]["previous"] == "?page=1"


def test_the_inspector_start_page_links_each_lot_to_the_record_page(client, inspector, make_lot):
    lot = make_lot()
    client.force_login(inspector)

    content = client.get(reverse("inspector_home")).content.decode()

    assert _record_url(lot) in content
    assert "Record inspection" in content
    assert f"{reverse('inspections:queue')}#second" in content
    assert "Quarantined" in content


def test_the_start_page_and_the_queue_render_their_lots_with_the_same_table(
    client, inspector, make_lot
):
    make_lot()
    client.force_login(inspector)
    table = "inspections/_queue_table.html"

    start = client.get(reverse("inspector_home"))
    queue = client.get(reverse("inspections:queue"))

    assert table in [t.name for t in start.templates]
    assert table in [t.name for t in queue.templates]
    content = start.content.decode()
    for section in ("second", "override", "recall"):
        assert f"{reverse('inspections:queue')}#{section}" in content


# ---------------------------------------------------------------------------------------------
# Who may open the pages


def _urls(lot, inspection) -> list[str]:
    return [
        _record_url(lot),
        reverse("inspections:detail", args=[inspection.pk]),
        reverse("inspections:queue"),
    ]


@pytest.mark.parametrize("user_fixture", ["clerk", "hospital_user"])
def test_clerks_and_hospital_staff_are_forbidden(client, request, user_fixture, make_lot):
    lot = make_lot()
    inspection = record(make_lot(), request.getfixturevalue("officer"), measurements=good(80))
    client.force_login(request.getfixturevalue(user_fixture))

    for url in _urls(lot, inspection):
        assert client.get(url).status_code == 403, url
    assert client.post(_record_url(lot), _post_data(good(80))).status_code == 403
    assert Inspection.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, officer, make_lot):
    lot = make_lot()
    inspection = record(make_lot(), officer, measurements=good(80))

    for url in _urls(lot, inspection):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_an_unknown_lot_or_inspection_is_404(client, inspector):
    client.force_login(inspector)

    assert client.get(reverse("inspections:record", args=[999_999])).status_code == 404
    assert client.get(reverse("inspections:detail", args=[999_999])).status_code == 404


def test_a_disposed_lot_shows_no_form(client, officer, make_lot):
    lot = make_lot()
    client.force_login(officer)
    Lot.objects.filter(pk=lot.pk).update(status=LotStatus.DISPOSED)  # test set-up only

    content = client.get(_record_url(lot)).content.decode()

    assert "can no longer be inspected" in content
    assert '<form method="post" enctype' not in content


# ---------------------------------------------------------------------------------------------
# Query counts stay flat


def _grow(officer, inspector, make_lot, hospital, count: int) -> None:
    """Lots for every section of the queue."""
    for _ in range(count):
        make_lot()
        record(make_lot(), inspector, measurements=with_failures(80, filtration_failures=2))
        _awaiting_override(make_lot, inspector)
        _needing_recall(make_lot, officer, inspector, hospital)


def test_the_queue_runs_a_fixed_number_of_queries(
    client, officer, inspector, make_lot, hospital, django_assert_max_num_queries
):
    client.force_login(inspector)
    _grow(officer, inspector, make_lot, hospital, 1)
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(reverse("inspections:queue")).status_code == 200

    _grow(officer, inspector, make_lot, hospital, 5)

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        response = client.get(reverse("inspections:queue"))
    for section in ("first", "second", "override", "recall"):
        assert len(response.context[f"{section}_rows"]) == 6, section


def test_the_record_and_inspection_pages_run_a_fixed_number_of_queries(
    client, inspector, make_lot, respirator_standard, django_assert_max_num_queries
):
    client.force_login(inspector)
    lot = make_lot()
    first = record(lot, inspector, measurements=with_failures(80, filtration_failures=2))
    urls = [_record_url(lot), reverse("inspections:detail", args=[first.pk])]
    baselines = []
    for url in urls:
        with CaptureQueriesContext(connection) as baseline:
            assert client.get(url).status_code == 200
        baselines.append(len(baseline.captured_queries))

    # more criteria, more inspections, more results and decisions
    for i in range(4):
        Criterion.objects.create(
            standard=respirator_standard, code=f"extra{i}", characteristic=f"Extra {i}",
            unit="mm", comparison=Comparison.AT_MOST, limit=5, defect_class="minor",
        )  # fmt: skip
    results = with_failures(80, filtration_failures=2)
    results.update({f"extra{i}": ["1"] * 80 for i in range(4)})
    second = record(lot, inspector, "second", measurements=results)
    urls[1] = reverse("inspections:detail", args=[second.pk])

    for url, most in zip(urls, baselines, strict=True):
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("97.5\n98\n", ["97.5", "98"]),
        ("97,5 98,1", ["97,5", "98,1"]),
        ("97,5; 98,1;", ["97,5", "98,1"]),
        ("97.5,98.1, 99", ["97.5", "98.1", "99"]),
        ("4,4,4", ["4", "4", "4"]),
        ("  \n ,; ", []),
    ],
)
def test_values_are_split_on_lines_spaces_semicolons_and_list_commas(text, values):
    assert parse_values(text) == values


@pytest.mark.parametrize(
    ("stages", "expected"),
    [(set(), "first"), ({"first"}, "second"), ({"first", "second"}, "further")],
)
def test_the_next_stage_follows_the_lots_inspections(stages, expected):
    assert next_stage(stages) == expected
