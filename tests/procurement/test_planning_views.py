"""The warehouse's planning pages: choose a lot, plan it across hospitals, import a plan from CSV
(preview, then confirm), see the dispatches made and print their dispatch notes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from procurement import services
from procurement.models import Distribution
from procurement.planning import MAX_UPLOAD_BYTES
from procurement.services.ledger import balance_of, warehouse_location
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "hospital_code,lot_number,quantity"


@pytest.fixture
def lot(officer):
    return factories.released_lot(
        quantity=1_000,
        actor=officer,
        lot_number="LOT-A",
        expires_on=timezone.localdate() + dt.timedelta(days=400),
    )


@pytest.fixture
def hospitals(db):
    return [
        factories.HospitalFactory(code=f"H{i}", name=f"Hospital {name}", city=city)
        for i, (name, city) in enumerate(
            [("Alpha", "Utrecht"), ("Beta", "Zwolle"), ("Gamma", "Breda")], start=1
        )
    ]


@pytest.fixture
def signed_in_clerk(client, clerk):
    client.force_login(clerk)
    return client


def _plan_data(rows: list[tuple[object, object]], *, total: int = 10, **extra) -> dict:
    """The POST of the planning form: (hospital, quantity) per row, blank rows after them."""
    data = {"row-TOTAL_FORMS": str(total), "row-INITIAL_FORMS": "0", **extra}
    for index in range(total):
        hospital, quantity = rows[index] if index < len(rows) else ("", "")
        data[f"row-{index}-hospital"] = getattr(hospital, "pk", hospital)
        data[f"row-{index}-quantity"] = quantity
    return data


def _upload(text: str | bytes, name: str = "plan.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _csv(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def _hidden_csv_text(content: str) -> str:
    match = re.search(r'<input type="hidden" name="csv_text" value="([^"]*)"', content, re.S)
    assert match, "the preview carries the CSV text in a hidden field"
    return match.group(1)


# ---------------------------------------------------------------------------------------------
# Who may open the pages


def _urls(lot, distribution) -> list[str]:
    return [
        reverse("distribution_choose"),
        reverse("distribution_plan", args=[lot.pk]),
        reverse("distribution_import"),
        reverse("distribution_note", args=[distribution.pk]),
        reverse("distribution_plan_done", args=["abc"]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, officer, lot, hospitals):
    distribution = services.distribution_dispatch(
        lot=lot, hospital=hospitals[0], quantity=1, actor=officer
    )
    for url in _urls(lot, distribution):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("user_fixture", ["hospital_user", "inspector"])
def test_other_roles_are_forbidden(client, request, officer, lot, hospitals, user_fixture):
    distribution = services.distribution_dispatch(
        lot=lot, hospital=hospitals[0], quantity=1, actor=officer
    )
    client.force_login(request.getfixturevalue(user_fixture))

    for url in _urls(lot, distribution):
        assert client.get(url).status_code == 403
    response = client.post(reverse("distribution_plan", args=[lot.pk]), _plan_data([]))
    assert response.status_code == 403
    assert not Distribution.objects.exclude(pk=distribution.pk).exists()


def test_a_ministry_officer_may_plan(client, officer, lot):
    client.force_login(officer)

    assert client.get(reverse("distribution_plan", args=[lot.pk])).status_code == 200


def test_unknown_lot_distribution_and_plan_answer_404(signed_in_clerk):
    assert signed_in_clerk.get(reverse("distribution_plan", args=[999_999])).status_code == 404
    assert signed_in_clerk.get(reverse("distribution_note", args=[999_999])).status_code == 404
    assert signed_in_clerk.get(reverse("distribution_plan_done", args=["nope"])).status_code == 404
    notes = reverse("distribution_plan_notes", args=["nope"])
    assert signed_in_clerk.get(notes).status_code == 404


# ---------------------------------------------------------------------------------------------
# Choosing the lot


def test_the_warehouse_page_links_to_the_planner_and_the_import(signed_in_clerk, lot):
    content = signed_in_clerk.get(reverse("warehouse_home")).content.decode()

    assert reverse("distribution_choose") in content
    assert reverse("distribution_import") in content
    assert reverse("distribution_plan", args=[lot.pk]) in content


def test_the_chooser_lists_lots_first_expired_first_and_suggests_the_first(
    signed_in_clerk, officer
):
    today = timezone.localdate()
    later = factories.released_lot(actor=officer, expires_on=today + dt.timedelta(days=700))
    sooner = factories.released_lot(actor=officer, expires_on=today + dt.timedelta(days=30))
    factories.received_lot(actor=officer)  # quarantined: not offered

    response = signed_in_clerk.get(reverse("distribution_choose"))

    assert response.context["lots"] == [sooner, later]
    assert response.context["suggested"] == sooner
    content = response.content.decode()
    assert content.count("Suggested: expires first") == 1
    assert (
        content.index(sooner.lot_number)
        < content.index("Suggested")
        < content.index(later.lot_number)
    )
    assert reverse("distribution_plan", args=[sooner.pk]) in content


# ---------------------------------------------------------------------------------------------
# Planning one lot


def test_the_plan_page_shows_the_lot_its_stock_and_ten_rows(signed_in_clerk, lot, hospitals):
    response = signed_in_clerk.get(reverse("distribution_plan", args=[lot.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "LOT-A" in content
    assert lot.expires_on.strftime("%Y-%m-%d") in content
    assert "EN 149 FFP2" in content
    assert len(response.context["formset"].forms) == 10
    assert 'data-available="1000"' in content
    assert (response.context["allocated"], response.context["remaining"]) == (0, 1_000)
    assert "Hospital Beta (H2, Zwolle)" in content
    assert 'src="/static/procurement/planning.js" defer' in content


@pytest.mark.parametrize(("asked", "shown"), [("25", 25), ("500", 100), ("0", 1), ("x", 10)])
def test_more_rows_by_query_string_up_to_100(signed_in_clerk, lot, asked, shown):
    response = signed_in_clerk.get(reverse("distribution_plan", args=[lot.pk]), {"rows": asked})

    assert len(response.context["formset"].forms) == shown


def test_a_plan_dispatches_and_lists_the_dispatches_with_their_notes(
    signed_in_clerk, lot, hospitals, clerk
):
    url = reverse("distribution_plan", args=[lot.pk])
    data = _plan_data([(hospitals[0], "300"), ("", ""), (hospitals[2], "150")], note="PO 77")

    response = signed_in_clerk.post(url, data, follow=True)

    distributions = list(Distribution.objects.order_by("pk"))
    assert [(d.hospital, d.quantity, d.note, d.dispatched_by) for d in distributions] == [
        (hospitals[0], 300, "PO 77", clerk),
        (hospitals[2], 150, "PO 77", clerk),
    ]
    assert balance_of(lot, warehouse_location()) == 550
    assert response.redirect_chain[-1][0].startswith("/warehouse/distributions/plans/")
    content = response.content.decode()
    assert "2 dispatches recorded, 450 units in all." in content
    for distribution in distributions:
        assert reverse("distribution_note", args=[distribution.pk]) in content
    assert "Hospital Gamma" in content
    assert "Hospital Beta" not in content


def test_bad_rows_keep_what_was_typed_and_dispatch_nothing(signed_in_clerk, lot, hospitals):
    url = reverse("distribution_plan", args=[lot.pk])
    data = _plan_data([(hospitals[0], "abc"), (hospitals[1], ""), ("", "40"), (hospitals[2], "7")])

    response = signed_in_clerk.post(url, data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Enter a whole number." in content
    assert "How many units for this hospital?" in content
    assert "Which hospital are these units for?" in content
    assert "Nothing was dispatched." in content
    assert 'value="abc"' in content
    assert 'value="40"' in content
    assert f'<option value="{hospitals[2].pk}" selected>' in content
    assert response.context["allocated"] == 47  # server-side running total of what was typed
    assert not Distribution.objects.exists()


def test_over_allocation_is_refused_with_a_clear_message(signed_in_clerk, lot, hospitals):
    url = reverse("distribution_plan", args=[lot.pk])
    data = _plan_data([(hospitals[0], "600"), (hospitals[1], "500")])

    response = signed_in_clerk.post(url, data)

    content = response.content.decode()
    assert "Lot LOT-A: 1,100 units planned but the warehouse holds 1,000 (100 too many)." in content
    assert "Nothing was dispatched." in content
    assert response.context["remaining"] == -100
    assert 'value="600"' in content
    assert not Distribution.objects.exists()
    assert balance_of(lot, warehouse_location()) == 1_000


def test_the_same_hospital_twice_is_refused(signed_in_clerk, lot, hospitals):
    url = reverse("distribution_plan", args=[lot.pk])

    response = signed_in_clerk.post(url, _plan_data([(hospitals[0], "5"), (hospitals[0], "6")]))

    content = response.content.decode()
    assert "This hospital is already on row 1." in content
    assert "Each hospital may appear only once in a plan." in content
    assert not Distribution.objects.exists()


def test_an_empty_plan_asks_for_a_hospital(signed_in_clerk, lot):
    response = signed_in_clerk.post(reverse("distribution_plan", args=[lot.pk]), _plan_data([]))

    assert "Choose at least one hospital and the units it gets." in response.content.decode()
    assert not Distribution.objects.exists()


def test_more_rows_keeps_what_was_typed_without_dispatching_or_complaining(
    signed_in_clerk, lot, hospitals
):
    url = reverse("distribution_plan", args=[lot.pk]) + "?rows=20"
    data = _plan_data([(hospitals[1], "12"), (hospitals[0], "")], more_rows="1", note="urgent")

    response = signed_in_clerk.post(url, data)

    content = response.content.decode()
    assert len(response.context["formset"].forms) == 20
    assert f'<option value="{hospitals[1].pk}" selected>' in content
    assert 'value="12"' in content
    assert 'value="urgent"' in content
    assert "How many units" not in content
    assert response.context["allocated"] == 12
    assert not Distribution.objects.exists()
    assert 'formaction="?rows=30"' in content


def test_a_lot_on_hold_shows_why_and_refuses_a_plan(signed_in_clerk, officer, lot, hospitals):
    services.lot_hold(lot=lot, actor=officer, reason="complaint")
    url = reverse("distribution_plan", args=[lot.pk])

    page = signed_in_clerk.get(url)
    posted = signed_in_clerk.post(url, _plan_data([(hospitals[0], "5")]))

    assert "Lot LOT-A is on hold; only released stock can be dispatched." in page.content.decode()
    assert "data-plan-form" not in page.content.decode()
    assert posted.status_code == 200
    assert not Distribution.objects.exists()


def test_a_lot_that_expires_later_points_to_the_one_to_send_first(signed_in_clerk, officer, lot):
    product = lot.order_line.product
    sooner = factories.released_lot(
        actor=officer,
        order=factories.placed_order(actor=officer, product=product),
        expires_on=timezone.localdate() + dt.timedelta(days=20),
    )

    content = signed_in_clerk.get(reverse("distribution_plan", args=[lot.pk])).content.decode()

    assert f"Lot {sooner.lot_number} of the same product expires earlier" in content
    assert reverse("distribution_plan", args=[sooner.pk]) in content


def test_the_plan_page_queries_do_not_grow_with_rows_or_hospitals(
    signed_in_clerk, lot, hospitals, django_assert_max_num_queries
):
    url = reverse("distribution_plan", args=[lot.pk])
    with CaptureQueriesContext(connection) as baseline:
        assert signed_in_clerk.get(url).status_code == 200
    baseline_count = len(baseline.captured_queries)  # the next request clears the query log

    for _ in range(20):
        factories.HospitalFactory()
    with django_assert_max_num_queries(baseline_count):
        response = signed_in_clerk.get(url, {"rows": 100})
    assert len(response.context["formset"].forms) == 100

    data = _plan_data([(h, "abc") for h in hospitals], total=100)
    with django_assert_max_num_queries(baseline_count):
        assert signed_in_clerk.post(url, data).status_code == 200


# ---------------------------------------------------------------------------------------------
# The dispatches made and their notes


def _plan_through_the_page(client, lot, hospitals) -> str:
    data = _plan_data([(hospitals[0], "300"), (hospitals[1], "200")])
    response = client.post(reverse("distribution_plan", args=[lot.pk]), data)
    assert response.status_code == 302
    return response["Location"]


def test_the_dispatch_note_has_what_the_receiver_signs_for(signed_in_clerk, officer, hospitals):
    officer.first_name, officer.last_name = "Anna", "de Vries"
    officer.save()
    lot = factories.released_lot(
        quantity=500, actor=officer, lot_number="LOT-N", expires_on=dt.date(2031, 3, 31)
    )
    distribution = services.distribution_dispatch(
        lot=lot, hospital=hospitals[1], quantity=240, actor=officer, note="Ward 4"
    )

    response = signed_in_clerk.get(reverse("distribution_note", args=[distribution.pk]))

    content = response.content.decode()
    for expected in [
        f"DN-{distribution.pk:06d}",
        "LOT-N",
        lot.order_line.product.name,
        "EN 149 FFP2",
        "2031-03-31",
        ">240<",
        "Hospital Beta",
        "H2",
        "Zwolle",
        distribution.dispatched_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d"),
        "Anna de Vries",
        "Ward 4",
        "Signature",
        "Name of receiver",
        "data-print",
    ]:
        assert expected in content, expected


def test_the_dispatches_made_page_and_all_notes_at_once(signed_in_clerk, lot, hospitals):
    done_url = _plan_through_the_page(signed_in_clerk, lot, hospitals)
    token = done_url.rstrip("/").rsplit("/", 1)[-1]

    done = signed_in_clerk.get(done_url).content.decode()
    notes = signed_in_clerk.get(reverse("distribution_plan_notes", args=[token]))

    assert "2 dispatches, 500 units in all." in done
    assert reverse("distribution_plan_notes", args=[token]) in done
    assert notes.content.decode().count('class="dispatch-note"') == 2


def test_another_session_cannot_open_the_list_of_a_plan(client, signed_in_clerk, lot, hospitals):
    done_url = _plan_through_the_page(signed_in_clerk, lot, hospitals)
    client.logout()
    client.force_login(factories.UserFactory(username="clerk2", role=Role.WAREHOUSE_CLERK))

    assert client.get(done_url).status_code == 404


def test_the_dispatches_made_page_queries_do_not_grow_with_the_rows(
    signed_in_clerk, lot, hospitals, django_assert_max_num_queries
):
    done_url = _plan_through_the_page(signed_in_clerk, lot, hospitals)
    with CaptureQueriesContext(connection) as baseline:
        signed_in_clerk.get(done_url)
    # Counted now: the next request clears the connection's query log.
    baseline_count = len(baseline.captured_queries)
    many = [factories.HospitalFactory() for _ in range(10)]
    bigger = _plan_data([(h, "10") for h in many], total=10)
    response = signed_in_clerk.post(reverse("distribution_plan", args=[lot.pk]), bigger)

    with django_assert_max_num_queries(baseline_count):
        assert signed_in_clerk.get(response["Location"]).status_code == 200
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    with django_assert_max_num_queries(baseline_count):
        signed_in_clerk.get(reverse("distribution_plan_notes", args=[token]))


def test_the_script_and_print_styles_are_self_served():
    script = finders.find("procurement/planning.js")
    assert script
    with open(script, encoding="utf-8") as handle:
        text = handle.read()
    assert "http" not in text  # nothing fetched from elsewhere
    with open(finders.find("procurement/tracker.css"), encoding="utf-8") as handle:
        assert "@media print" in handle.read()


# ---------------------------------------------------------------------------------------------
# Importing a plan from CSV


def test_the_import_page_explains_the_file(signed_in_clerk):
    content = signed_in_clerk.get(reverse("distribution_import")).content.decode()

    assert "hospital_code, lot_number, quantity" in content
    assert 'enctype="multipart/form-data"' in content


def test_upload_shows_a_preview_and_dispatches_nothing_yet(signed_in_clerk, lot, hospitals):
    text = _csv("H1,LOT-A,600", "H3,LOT-A,150")

    response = signed_in_clerk.post(reverse("distribution_import"), {"file": _upload(text)})

    content = response.content.decode()
    assert response.status_code == 200
    assert "The file checks out: 2 rows, 750 units in all." in content
    assert "Hospital Alpha" in content
    assert "Hospital Gamma" in content
    [total] = response.context["plan"].lot_totals
    assert (total.requested, total.available, total.remaining) == (750, 1_000, 250)
    assert "Dispatch all 2 rows" in content
    assert _hidden_csv_text(content).replace("&#x27;", "'") == text
    assert not Distribution.objects.exists()


def test_preview_then_confirm_dispatches_every_row(signed_in_clerk, lot, hospitals):
    url = reverse("distribution_import")
    preview = signed_in_clerk.post(
        url, {"file": _upload(_csv("H1,LOT-A,600", "H3,LOT-A,150")), "note": "Week 12"}
    )
    csv_text = _hidden_csv_text(preview.content.decode())

    response = signed_in_clerk.post(
        url, {"csv_text": csv_text, "note": "Week 12", "confirm": "1"}, follow=True
    )

    assert [(d.hospital.code, d.quantity, d.note) for d in Distribution.objects.order_by("pk")] == [
        ("H1", 600, "Week 12"),
        ("H3", 150, "Week 12"),
    ]
    assert "2 dispatches recorded, 750 units in all." in response.content.decode()
    assert balance_of(lot, warehouse_location()) == 250


def test_a_bom_and_semicolons_from_excel_are_read(signed_in_clerk, lot, hospitals):
    data = "\ufeffHospital Code;Lot Number;Quantity\r\nH2;LOT-A;10\r\n".encode()

    response = signed_in_clerk.post(reverse("distribution_import"), {"file": _upload(data)})

    assert response.context["plan"].errors == []
    assert "Hospital Beta" in response.content.decode()


def test_upload_errors_name_row_and_column_and_import_nothing(signed_in_clerk, lot, hospitals):
    text = _csv("H1,LOT-A,600", "H9,LOT-A,5", "H2,LOT-A,abc", "H3,LOT-A,500")

    response = signed_in_clerk.post(reverse("distribution_import"), {"file": _upload(text)})

    content = response.content.decode()
    assert "The file was not imported." in content
    assert "Row 3, column hospital_code: no hospital has the code “H9”." in content
    assert "Row 4, column quantity: “abc” is not a whole number." in content
    assert (
        "Row 2, column quantity: rows 2 and 5 ask for 1,100 units of lot LOT-A together, but "
        "the warehouse holds 1,000 (100 too many)."
    ) in content
    assert "csv_text" not in content
    assert not Distribution.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n \n", "The file is empty."),
        ("hospital_code,lot_number,quantity\nCura\xe7ao,L,1\n".encode("latin-1"), "not UTF-8"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "The file is larger than 1 MB"),
        (b"hospital,lot_number,quantity\nH1,LOT-A,1\n", "Row 1, column hospital"),
    ],
    ids=["no-bytes", "blank", "latin-1", "too-large", "misnamed-column"],
)
def test_unreadable_files_are_refused_with_a_reason(signed_in_clerk, lot, data, message):
    response = signed_in_clerk.post(reverse("distribution_import"), {"file": _upload(data)})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "csv_text" not in response.content.decode()
    assert not Distribution.objects.exists()


def test_stock_that_changed_after_the_preview_refuses_the_whole_import(
    signed_in_clerk, officer, lot, hospitals
):
    url = reverse("distribution_import")
    preview = signed_in_clerk.post(url, {"file": _upload(_csv("H1,LOT-A,600", "H2,LOT-A,300"))})
    csv_text = _hidden_csv_text(preview.content.decode())
    # meanwhile another clerk sends 200 units elsewhere
    services.distribution_dispatch(lot=lot, hospital=hospitals[2], quantity=200, actor=officer)

    response = signed_in_clerk.post(url, {"csv_text": csv_text, "confirm": "1"})

    content = response.content.decode()
    assert "Nothing was imported." in content
    assert "the warehouse holds 800 (100 too many)" in content
    assert Distribution.objects.count() == 1  # only the other clerk's
    assert balance_of(lot, warehouse_location()) == 800


def test_a_tampered_confirmation_is_checked_again(signed_in_clerk, lot, hospitals):
    url = reverse("distribution_import")

    response = signed_in_clerk.post(url, {"csv_text": _csv("H1,LOT-A,5000"), "confirm": "1"})

    assert "the warehouse holds 1,000" in response.content.decode()
    assert not Distribution.objects.exists()


def test_a_confirmation_without_text_asks_for_the_file_again(signed_in_clerk, lot):
    response = signed_in_clerk.post(reverse("distribution_import"), {"csv_text": ""})

    assert "upload the file again" in response.content.decode()
    assert not Distribution.objects.exists()


def test_the_preview_queries_do_not_grow_with_the_rows(
    signed_in_clerk, lot, django_assert_max_num_queries
):
    url = reverse("distribution_import")
    for i in range(30):
        factories.HospitalFactory(code=f"X{i}")
    with CaptureQueriesContext(connection) as baseline:
        signed_in_clerk.post(url, {"file": _upload(_csv("X0,LOT-A,1"))})
    baseline_count = len(baseline.captured_queries)  # the next request clears the query log

    with django_assert_max_num_queries(baseline_count):
        response = signed_in_clerk.post(
            url, {"file": _upload(_csv(*[f"X{i},LOT-A,1" for i in range(30)]))}
        )
    assert len(response.context["plan"].allocations) == 30


def test_hospital_staff_cannot_import(client, hospital_user, lot, hospitals):
    client.force_login(hospital_user)

    response = client.post(reverse("distribution_import"), {"csv_text": _csv("H1,LOT-A,5")})

    assert response.status_code == 403
    assert not Distribution.objects.exists()
