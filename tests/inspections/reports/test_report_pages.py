"""The report pages under /admin/reports/: each report as a page, a CSV and a PDF for those who
may read it (officers everything, inspectors lots' traceability), refused to everyone else, and
linked from the admin pages of the lot, the recall and the supplier."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inspections import services
from inspections.models import Recall
from inspections.selectors import recall_effectiveness
from procurement.models import Lot, Supplier
from tests import factories
from tests.admin_helpers import admin_url
from tests.inspections.recall_scenario import fully_answered_recall, recall_draft

from .read_back import csv_rows, csv_section, page_texts

pytestmark = pytest.mark.django_db

FORMATS = ["", "_csv", "_pdf"]
CONTENT_TYPES = {"": "text/html", "_csv": "text/csv", "_pdf": "application/pdf"}


def _url(name: str, pk: int, fmt: str = "") -> str:
    return reverse(f"reports:{name}{fmt}", args=[pk])


@pytest.fixture
def nurse(hospital_user):
    return hospital_user


@pytest.fixture
def urls(officer) -> list[str]:
    """The page, CSV and PDF of each report, of a lot, a draft recall and a supplier."""
    lot = factories.released_lot(actor=officer)
    recall = recall_draft(officer, [lot])
    objects = [
        ("lot_trace", lot.pk),
        ("recall_report", recall.pk),
        ("supplier_scorecard", lot.order_line.order.supplier_id),
    ]
    return [_url(name, pk, fmt) for name, pk in objects for fmt in FORMATS]


# ---------------------------------------------------------------------------------------------
# Who may read what


def test_an_officer_reads_every_report_in_every_format(story, scenario, officer, sign_in):
    client = sign_in(officer)
    for name, pk in [
        ("lot_trace", story.accepted.pk),
        ("recall_report", scenario.recall.pk),
        ("supplier_scorecard", story.supplier.pk),
    ]:
        for fmt, content_type in CONTENT_TYPES.items():
            response = client.get(_url(name, pk, fmt))

            assert response.status_code == 200, (name, fmt)
            assert response["Content-Type"].startswith(content_type)


def test_an_inspector_reads_a_lot_s_traceability_but_no_recall_report_or_scorecard(
    story, scenario, inspector, sign_in
):
    client = sign_in(inspector)

    assert client.get(_url("lot_trace", story.accepted.pk)).status_code == 200
    assert client.get(_url("lot_trace", story.accepted.pk, "_pdf")).status_code == 200
    assert client.get(_url("recall_report", scenario.recall.pk)).status_code == 403
    assert client.get(_url("supplier_scorecard", story.supplier.pk, "_csv")).status_code == 403


def test_every_report_is_refused_to_a_warehouse_clerk(urls, clerk, sign_in):
    client = sign_in(clerk)

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 403)


def test_hospital_staff_are_sent_to_the_admin_sign_in_and_get_nothing(urls, nurse, sign_in):
    client = sign_in(nurse)
    for url in urls:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))


def test_hospital_staff_made_staff_by_mistake_are_still_refused(urls, nurse, sign_in):
    nurse.is_staff = True
    nurse.save(update_fields=["is_staff"])
    client = sign_in(nurse)

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 403)
    assert client.get(reverse("reports:lot_search"), {"q": "LOT"}).status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client, urls):
    for url in urls:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_unknown_lot_recall_or_supplier_is_not_found(officer, sign_in):
    client = sign_in(officer)

    assert client.get(_url("lot_trace", 999_999)).status_code == 404
    assert client.get(_url("recall_report", 999_999, "_pdf")).status_code == 404
    assert client.get(_url("supplier_scorecard", 999_999, "_csv")).status_code == 404


# ---------------------------------------------------------------------------------------------
# What the formats hold


def test_the_traceability_page_shows_the_lot_s_life_and_downloads(story, officer, sign_in):
    lot = story.accepted

    response = sign_in(officer).get(_url("lot_trace", lot.pk))

    page = response.content.decode()
    assert f"Lot traceability: {lot.lot_number}" in page
    for heading in [
        "Order and order line",
        "Shipment",
        "Where every unit is now",
        "Certificates",
        "Inspections",
        "Sampling plans and findings per defect class",
        "Distributions to hospitals",
        "Complaints",
        "Recalls (this lot&#x27;s units)",
        "Every event",
    ]:
        assert heading in page, heading
    assert "CERT-2020-0042" in page and "Amphia Ziekenhuis" in page
    assert _url("lot_trace", lot.pk, "_csv") in page and _url("lot_trace", lot.pk, "_pdf") in page
    assert reverse("admin:procurement_purchaseorder_change", args=[lot.shipment.order_id]) in page


def test_the_traceability_csv_places_every_unit_and_adds_up_to_the_receipt(
    scenario, officer, sign_in
):
    lot = scenario.first

    response = sign_in(officer).get(_url("lot_trace", lot.pk, "_csv"))

    assert response["Content-Disposition"] == (
        f'attachment; filename="lot-{lot.lot_number}-traceability.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == [f"Lot traceability: {lot.lot_number}"]
    header, *places, total = csv_section(rows, "Where every unit is now")
    assert header == ["Place", "Kind", "Hospital code", "Units"]
    assert sum(int(row[3]) for row in places) == int(total[3]) == lot.quantity_received
    assert ["H-Silent Hospital", "Hospital", "H-SILENT", "100"] in places


def test_the_recall_csv_has_exactly_the_effectiveness_figures(scenario, officer, sign_in):
    figures = recall_effectiveness(scenario.recall)

    rows = csv_rows(sign_in(officer).get(_url("recall_report", scenario.recall.pk, "_csv")))

    header, *per_lot, total = csv_section(rows, "Quantities per lot")
    assert header[1:] == [
        "Delivered",
        "Returned",
        "In transit",
        "Used",
        "Destroyed",
        "Held",
        "Unaccounted",
    ]
    fields = ["delivered", "returned", "in_transit", "used", "destroyed", "held", "unaccounted"]
    expected = [
        [line.lot_number, *(str(getattr(line.units, f)) for f in fields)] for line in figures.lots
    ]
    assert per_lot == expected
    assert total == ["All lots", *(str(getattr(figures.units, f)) for f in fields)]
    progress = dict(csv_section(rows, "Progress"))
    assert progress["Hospitals notified"] == str(figures.hospitals_notified) == "7"
    assert progress["Hospitals that answered"] == str(figures.hospitals_answered) == "5"
    assert progress["Units unaccounted for"] == str(figures.units.unaccounted) == "195"
    non_responders = csv_section(rows, "Non-responders")[1:]
    assert [row[0] for row in non_responders] == ["H-FAILED", "H-SILENT"]


def test_the_recall_pdf_prints_the_figures_and_the_reconciliation(scenario, officer, sign_in):
    response = sign_in(officer).get(_url("recall_report", scenario.recall.pk, "_pdf"))

    assert response.content.startswith(b"%PDF-")
    assert b"/Title (Recall status report: RC-2020-001)" in response.content
    assert response["Content-Disposition"] == (
        'attachment; filename="recall-RC-2020-001-status-report.pdf"'
    )
    pages = page_texts(response.content)
    text = [run for page in pages for run in page]
    assert "Recall status report: RC-2020-001" in text
    assert any(run.startswith("Generated ") and run.endswith(" by officer") for run in text)
    assert "Non-responders" in text and "H-SILENT" in text
    assert any(run.startswith("Reconciliation so far: delivered = used + returned") for run in text)
    assert all(
        f"Recall status report: RC-2020-001 - page {number}" in page
        for number, page in enumerate(pages, start=1)
    )


def test_a_closed_recall_s_report_is_titled_final(officer, clerk, sign_in):
    recall = fully_answered_recall(officer, clerk)
    services.recall_close(recall=recall, actor=officer)
    client = sign_in(officer)

    page = client.get(_url("recall_report", recall.pk)).content.decode()
    rows = csv_rows(client.get(_url("recall_report", recall.pk, "_csv")))

    assert f"Recall final report: {recall.reference}" in page
    assert "Final reconciliation: delivered = used + returned" in page
    assert rows[0] == [f"Recall final report: {recall.reference}"]


def test_the_scorecard_csv_counts_the_lots_and_the_open_claims(story, officer, sign_in):
    rows = csv_rows(sign_in(officer).get(_url("supplier_scorecard", story.supplier.pk, "_csv")))

    lots = dict(csv_section(rows, "Lots")[:11])
    assert lots["Lots received"] == "3"
    assert lots["Lots rejected or recalled"] == "1"
    assert lots["Rejection rate"] == "50.0 % of 2 decided lots"
    assert lots["Credit claims open (EUR)"] == "1200.00"
    level = csv_section(rows, "Inspection level now, per product category")
    assert level[1][:2] == ["Respirator", "Tightened"]


def test_text_a_spreadsheet_would_run_as_a_formula_is_defused(officer, sign_in):
    supplier = factories.SupplierFactory(name='=HYPERLINK("http://x.example")')

    rows = csv_rows(sign_in(officer).get(_url("supplier_scorecard", supplier.pk, "_csv")))

    assert rows[0] == ['Supplier scorecard: =HYPERLINK("http://x.example")']
    assert ["Name", '\'=HYPERLINK("http://x.example")'] in rows


# ---------------------------------------------------------------------------------------------
# Links from the admin


def test_the_lot_page_and_list_link_the_traceability_for_officers_and_inspectors_only(
    story, officer, inspector, clerk, sign_in
):
    trace = _url("lot_trace", story.accepted.pk)
    for user, linked in [(officer, True), (inspector, True), (clerk, False)]:
        client = sign_in(user)

        change = client.get(admin_url(Lot, "change", story.accepted.pk)).content.decode()
        changelist = client.get(admin_url(Lot)).content.decode()

        assert (trace in change) is linked, user.username
        assert (trace in changelist) is linked, user.username


def test_the_recall_page_links_its_report_for_officers_only(scenario, officer, inspector, sign_in):
    report = _url("recall_report", scenario.recall.pk)
    change = admin_url(Recall, "change", scenario.recall.pk)

    assert report in sign_in(officer).get(change).content.decode()
    assert report not in sign_in(inspector).get(change).content.decode()


def test_the_supplier_page_and_list_link_the_scorecard_for_officers_only(
    story, officer, inspector, sign_in
):
    scorecard = _url("supplier_scorecard", story.supplier.pk)
    client = sign_in(officer)

    change = admin_url(Supplier, "change", story.supplier.pk)
    assert scorecard in client.get(change).content.decode()
    assert scorecard in client.get(admin_url(Supplier)).content.decode()
    assert scorecard not in sign_in(inspector).get(admin_url(Supplier)).content.decode()


def test_every_admin_page_has_the_lot_search_for_those_who_see_lots(officer, clerk, sign_in):
    search = f'action="{reverse("reports:lot_search")}"'
    for user in (officer, clerk):
        page = sign_in(user).get(reverse("admin:index")).content.decode()

        assert search in page, user.username
        assert 'aria-label="Lot number"' in page
    staff_without_role = factories.UserFactory(username="visitor")
    staff_without_role.is_staff = True
    staff_without_role.save(update_fields=["is_staff"])
    assert search not in sign_in(staff_without_role).get(reverse("admin:index")).content.decode()
