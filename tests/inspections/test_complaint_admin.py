"""The ministry's complaint queue: open complaints first; from a complaint an officer holds the lot
and asks for an inspection, which waits in the inspectors' queue until one is recorded; closing
needs a resolution. Inspectors look but do not act; hospital staff do not get in."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.errors import NotPermitted
from inspections import services
from inspections.models import Complaint, ComplaintEvent, ComplaintStatus
from procurement import services as procurement
from procurement.models import LotStatus
from tests.admin_helpers import act
from tests.admin_helpers import messages_of as _messages
from tests.inspections.conftest import good, record

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:inspections_complaint_changelist"


def _act(client, action: str, objects, **form):
    return act(client, Complaint, action, objects, **form)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("mask.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def delivered_lot(make_lot, inspector, clerk, hospital):
    """A lot released after an accepted first inspection, 200 units at the hospital."""
    lot = make_lot()
    record(lot, inspector, measurements=good(80))
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED
    delivery = procurement.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=200, actor=clerk
    )
    return delivery


def _report(delivery, user, **fields) -> Complaint:
    return services.complaint_report(
        distribution=delivery,
        category=fields.pop("category", "fit"),
        description=fields.pop("description", "The masks do not close around the nose."),
        quantity_affected=fields.pop("quantity_affected", 40),
        actor=user,
        **fields,
    )


def test_the_queue_lists_open_complaints_before_closed_ones(
    client, officer, delivered_lot, hospital_user
):
    older = _report(delivered_lot, hospital_user, description="older")
    newer = _report(delivered_lot, hospital_user, description="newer")
    services.complaint_close(complaint=older, actor=officer, resolution="Checked: fine.")
    client.force_login(officer)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [newer, older]


def test_hold_and_request_inspection_holds_the_lot_and_queues_it_for_inspectors(
    client, officer, inspector, delivered_lot, hospital_user
):
    complaint = _report(delivered_lot, hospital_user)
    client.force_login(officer)

    response = _act(
        client,
        "hold_lot_and_request_inspection",
        [complaint],
        reason="Fit complaint from the ICU; test the lot again.",
    )

    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING
    assert complaint.inspection_requested_at is not None
    assert complaint.lot.status == LotStatus.ON_HOLD
    assert list(complaint.events.values_list("kind", flat=True)) == [
        ComplaintEvent.Kind.REPORTED,
        ComplaintEvent.Kind.LOT_HELD,
        ComplaintEvent.Kind.INSPECTION_REQUESTED,
    ]
    hold = complaint.lot.events.filter(to_status=LotStatus.ON_HOLD).get()
    assert hold.reason.startswith(f"Complaint #{complaint.pk}:")
    assert hold.actor == officer

    client.force_login(inspector)
    queue = client.get(reverse("inspections:queue"))
    assert [row.lot for row in queue.context["complaint_rows"]] == [complaint.lot]


def test_the_lot_leaves_the_inspectors_queue_once_an_inspection_is_recorded(
    officer, inspector, delivered_lot, hospital_user, client
):
    complaint = _report(delivered_lot, hospital_user)
    services.complaint_escalate(
        complaint=complaint, actor=officer, reason="test again", hold_lot=True,
        request_inspection=True,
    )  # fmt: skip

    record(complaint.lot, inspector, "second", measurements=good(80))

    client.force_login(inspector)
    queue = client.get(reverse("inspections:queue"))
    assert queue.context["complaint_rows"] == []
    # The accepted inspection does not lift an officer's hold.
    complaint.lot.refresh_from_db()
    assert complaint.lot.status == LotStatus.ON_HOLD


def test_request_inspection_alone_leaves_the_lot_status(
    client, officer, delivered_lot, hospital_user
):
    complaint = _report(delivered_lot, hospital_user)
    client.force_login(officer)

    _act(client, "request_inspection", [complaint], reason="Labelling only; check a sample.")

    complaint.refresh_from_db()
    assert complaint.inspection_requested_at is not None
    assert complaint.lot.status == LotStatus.RELEASED


def test_escalating_without_a_reason_keeps_the_page_open_and_changes_nothing(
    client, officer, delivered_lot, hospital_user
):
    complaint = _report(delivered_lot, hospital_user)
    client.force_login(officer)

    response = _act(client, "hold_lot_and_request_inspection", [complaint], reason="  ")

    assert "A written reason is required for acting on a complaint." in _messages(response)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.lot.status == LotStatus.RELEASED


def test_holding_a_lot_already_on_hold_records_that_it_was(officer, delivered_lot, hospital_user):
    procurement.lot_hold(lot=delivered_lot.lot, actor=officer, reason="earlier doubt")
    complaint = _report(delivered_lot, hospital_user)

    services.complaint_escalate(
        complaint=complaint, actor=officer, reason="second report", hold_lot=True,
        request_inspection=False,
    )  # fmt: skip

    event = complaint.events.get(kind=ComplaintEvent.Kind.LOT_HELD)
    assert "was already On hold" in event.note
    assert delivered_lot.lot.events.filter(to_status=LotStatus.ON_HOLD).count() == 1


def test_close_needs_a_resolution_and_a_closed_complaint_stays_closed(
    client, officer, delivered_lot, hospital_user
):
    complaint = _report(delivered_lot, hospital_user)
    client.force_login(officer)

    response = _act(client, "close", [complaint], resolution="")
    assert "Write the resolution: what was found and what was done." in _messages(response)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN

    _act(client, "close", [complaint], resolution="Second test passed; fit training given.")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.resolution == "Second test passed; fit training given."

    response = _act(client, "request_inspection", [complaint], reason="again")
    assert f"Complaint #{complaint.pk} is closed." in _messages(response)


def test_inspectors_see_the_queue_but_are_offered_no_action(
    client, inspector, delivered_lot, hospital_user
):
    _report(delivered_lot, hospital_user)
    client.force_login(inspector)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert set(response.context["cl"].model_admin.get_actions(response.wsgi_request)) == set()


def test_the_services_refuse_non_officers(inspector, delivered_lot, hospital_user):
    complaint = _report(delivered_lot, hospital_user)

    with pytest.raises(NotPermitted):
        services.complaint_escalate(
            complaint=complaint, actor=inspector, reason="x", hold_lot=True,
            request_inspection=True,
        )  # fmt: skip
    with pytest.raises(NotPermitted):
        services.complaint_close(complaint=complaint, actor=hospital_user, resolution="x")


def test_hospital_staff_do_not_get_into_the_panel(client, delivered_lot, hospital_user):
    _report(delivered_lot, hospital_user)
    client.force_login(hospital_user)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_photo_is_served_to_officers_only_through_the_panel(
    client, officer, delivered_lot, hospital_user
):
    complaint = _report(delivered_lot, hospital_user, photo=_png())
    url = reverse("admin:inspections_complaint_photo", args=[complaint.pk])
    client.force_login(officer)

    change = client.get(reverse("admin:inspections_complaint_change", args=[complaint.pk]))
    response = client.get(url)

    assert url in change.content.decode()
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(hospital_user)
    assert client.get(url).status_code == 302
