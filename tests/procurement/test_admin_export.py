"""CSV exports of the admin's lists: the rows the list's filters and search select, streamed,
with readable headers, refused to people who may not view the list, and safe to open in a
spreadsheet whatever people typed."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from core.admin.export import spreadsheet_safe
from inspections import demo, selectors
from inspections import services as inspection_services
from inspections.models import Complaint, Notice, Recall
from procurement import services
from procurement.models import (
    Distribution,
    Hospital,
    Lot,
    Product,
    PurchaseOrder,
    Shipment,
    Supplier,
    SupplierReturn,
)
from tests import factories
from tests.admin_helpers import admin_url, messages_of

pytestmark = pytest.mark.django_db

EXPORTED_LISTS = [
    Lot,
    PurchaseOrder,
    Shipment,
    Distribution,
    Hospital,
    Product,
    Supplier,
    Complaint,
    Recall,
    Notice,
    SupplierReturn,
]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _export(client, model, query: str = ""):
    response = client.get(admin_url(model, "export") + query)
    assert response.status_code == 200, response.status_code
    return response


def _rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _column(rows, header: str) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def test_a_lot_export_has_the_rows_the_status_filter_selects(officer_client):
    released = factories.released_lot()
    quarantined = factories.received_lot()

    rows = _rows(_export(officer_client, Lot, "?status__exact=released"))

    assert _column(rows, "Lot number") == [released.lot_number]
    assert quarantined.lot_number not in {cell for row in rows for cell in row}
    assert _column(rows, "Status") == ["Released"]


def test_an_export_follows_the_search_and_the_sorting(officer_client):
    factories.SupplierFactory(name="Alpha Medical")
    factories.SupplierFactory(name="Zulu Medical")
    factories.SupplierFactory(name="Other Trading")

    rows = _rows(_export(officer_client, Supplier, "?q=Medical&o=-1"))

    assert _column(rows, "Name") == ["Zulu Medical", "Alpha Medical"]


def test_an_export_has_every_page_not_only_the_one_on_screen(officer_client):
    for number in range(3):
        factories.HospitalFactory(code=f"EXP{number}")

    rows = _rows(_export(officer_client, Hospital, "?p=2"))

    assert sorted(_column(rows, "Code")) == ["EXP0", "EXP1", "EXP2"]


def test_an_export_has_readable_headers_and_values(officer_client):
    lot = factories.received_lot(quantity=1_500)

    response = _export(officer_client, Lot)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="lots-')
    rows = _rows(response)
    assert rows[0][:5] == ["Lot number", "Product", "Order", "Supplier", "Status"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Quantity received"] == "1500"
    assert row["In warehouse"] == "1500"
    assert row["Needs a test"] == "no"
    assert row["Expires on"] == lot.expires_on.isoformat()
    assert row["Supplier"] == lot.shipment.order.supplier.name


def test_the_list_links_to_an_export_of_what_it_shows(officer_client):
    response = officer_client.get(admin_url(Lot) + "?status__exact=released&p=1")

    export_url = response.context["csv_export_url"]
    assert export_url == admin_url(Lot, "export") + "?status__exact=released"
    assert f'href="{export_url.replace("&", "&amp;")}"' in response.content.decode()


def test_an_export_is_refused_to_a_role_that_may_not_view_the_list(client, clerk):
    client.force_login(clerk)

    assert client.get(admin_url(SupplierReturn, "export")).status_code == 403
    assert client.get(admin_url(Complaint, "export")).status_code == 403
    # The same as their lists: a clerk does not see them at all.
    assert client.get(admin_url(Complaint)).status_code == 403


def test_an_export_sends_hospital_staff_to_the_login_page(client, hospital_user):
    client.force_login(hospital_user)

    response = client.get(admin_url(Hospital, "export"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_inspector_exports_what_an_inspector_may_view(client, inspector):
    factories.received_lot()
    client.force_login(inspector)

    assert len(_rows(_export(client, Lot))) == 2
    assert client.get(admin_url(SupplierReturn, "export")).status_code == 403


def test_an_export_with_a_filter_the_list_does_not_have_goes_back_to_the_list(officer_client):
    response = officer_client.get(admin_url(Lot, "export") + "?no_such_field=1", follow=True)

    assert response.redirect_chain[-1][0].startswith(admin_url(Lot))
    assert "The list's filters are not valid." in messages_of(response)


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+31 20 555 0100", "'+31 20 555 0100"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Medical Supplies Ltd", "Medical Supplies Ltd"),
        ("-12", "-12"),
        ("+1,000", "+1,000"),
        ("-", "-"),
        ("", ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(typed, exported):
    assert spreadsheet_safe(typed) == exported


def test_a_formula_typed_by_a_supplier_or_a_hospital_is_not_run_by_the_export(
    officer_client, officer, hospital, hospital_user
):
    factories.SupplierFactory(
        name='=HYPERLINK("http://evil.example","Open")', contact_phone="+31 20 555 0100"
    )
    lot = factories.released_lot()
    delivery = services.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=50, actor=officer
    )
    inspection_services.complaint_report(
        distribution=delivery,
        category="fit",
        description="@SUM(A1:A9) masks gape at the nose",
        quantity_affected=10,
        actor=hospital_user,
    )

    suppliers = _rows(_export(officer_client, Supplier, "?q=HYPERLINK"))
    complaints = _rows(_export(officer_client, Complaint))

    assert _column(suppliers, "Name") == ['\'=HYPERLINK("http://evil.example","Open")']
    assert _column(suppliers, "Contact phone") == ["'+31 20 555 0100"]
    assert _column(complaints, "Description") == ["'@SUM(A1:A9) masks gape at the nose"]
    assert _column(complaints, "Quantity affected") == ["10"]


def test_an_export_reads_a_long_list_in_a_fixed_number_of_queries(officer_client):
    def queries_to_export() -> int:
        response = _export(officer_client, Lot)
        with CaptureQueriesContext(connection) as queries:
            rows = _rows(response)
        return len(queries), len(rows)

    factories.received_lot()
    few, few_rows = queries_to_export()
    for _ in range(4):
        factories.received_lot()
    many, many_rows = queries_to_export()

    assert (few_rows, many_rows) == (2, 6)
    assert many == few


# ---------------------------------------------------------------------------------------------
# Every main list, with the demo story loaded


@pytest.fixture
def story_client(client, settings):
    """The demo story loaded, and its ministry officer signed in."""
    settings.DEBUG = True  # the demo loads only on a development database
    demo.load_demo()
    client.force_login(get_user_model().objects.get(username="officer"))
    return client


def test_every_main_list_exports_the_rows_its_list_shows(story_client):
    for model in EXPORTED_LISTS:
        listed = story_client.get(admin_url(model)).context["cl"].result_count

        rows = _rows(_export(story_client, model))

        assert rows[0] and all(rows[0]), model
        assert len(rows) - 1 == listed > 0, model


def test_the_recall_export_has_the_recall_figures(story_client):
    rows = _rows(_export(story_client, Recall))

    recall = Recall.objects.get()
    figures = selectors.recall_effectiveness(recall)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == recall.reference
    assert row["Notified"] == str(figures.hospitals_notified)
    assert row["Answered"] == str(figures.hospitals_answered)
    assert row["Overdue"] == str(figures.hospitals_overdue)
    assert row["Unaccounted"] == f"{figures.units.unaccounted:,}"
