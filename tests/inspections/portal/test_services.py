"""The complaint services the portal calls (and the officers' next steps): complaint_report,
complaint_escalate, complaint_close. Permissions, refusals that change nothing, and photos that
never outlive a refused report."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.models import OutboundEmail
from inspections import services
from inspections.models import Complaint, ComplaintEvent, ComplaintStatus
from inspections.services import complaints as complaint_module
from procurement import services as procurement
from procurement.models import LotEvent, LotStatus

from .files import media_files, oversized_upload, png_upload, text_as_jpeg


def _nothing_reported(settings) -> bool:
    return (
        not Complaint.objects.exists()
        and not ComplaintEvent.objects.exists()
        and not OutboundEmail.objects.exists()
        and media_files(settings) == []
    )


# ---------------------------------------------------------------------------------------------
# complaint_report


def test_a_report_is_saved_with_its_event_and_two_emails(delivery, report, hospital_user):
    complaint = report(delivery, quantity=7, description="  Straps snap  ")

    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.hospital == delivery.hospital
    assert complaint.lot == delivery.lot
    assert complaint.description == "Straps snap"
    event = complaint.events.get()
    assert (event.kind, event.actor, event.to_status) == (
        ComplaintEvent.Kind.REPORTED,
        hospital_user,
        ComplaintStatus.OPEN,
    )
    assert {e.key for e in OutboundEmail.objects.all()} == {
        f"complaint-{complaint.pk}-received",
        f"complaint-{complaint.pk}-alert",
    }


def test_a_report_with_a_real_photo_stores_it(delivery, report, settings):
    complaint = report(delivery, photo=png_upload())

    assert complaint.photo.name.endswith(".png")
    assert len(media_files(settings)) == 1


@pytest.mark.parametrize("name", ["straps.html", "straps.gif", "straps"])
def test_a_photo_is_stored_under_the_extension_of_what_it_really_is(
    delivery, report, settings, name
):
    complaint = report(delivery, photo=png_upload(name))

    assert complaint.photo.name.endswith(".png")
    assert [path.suffix for path in media_files(settings)] == [".png"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "smell"}, "Choose what kind of problem"),
        ({"description": "   "}, "Describe the problem"),
        ({"quantity": 0}, "between 1 and the 100 units"),
        ({"quantity": 101}, "between 1 and the 100 units"),
        ({"quantity": None}, "between 1 and the 100 units"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_kept(delivery, report, settings, fields, message):
    with pytest.raises(InvalidInput, match=message):
        report(delivery, **fields)

    assert _nothing_reported(settings)


def test_once_confirmed_the_affected_units_are_limited_to_those_received(
    delivery, report, hospital_user
):
    procurement.distribution_confirm_receipt(
        distribution=delivery, quantity_received=60, remark="40 missing", actor=hospital_user
    )
    delivery.refresh_from_db()

    with pytest.raises(InvalidInput, match="the 60 units delivered"):
        report(delivery, quantity=61)
    assert report(delivery, quantity=60).quantity_affected == 60


@pytest.mark.parametrize("upload", [text_as_jpeg, oversized_upload])
def test_a_bad_photo_is_refused_and_leaves_no_file(delivery, report, settings, upload):
    with pytest.raises(InvalidInput):
        report(delivery, photo=upload())

    assert _nothing_reported(settings)


@pytest.mark.parametrize("who", ["officer", "clerk", "other_user"])
def test_only_staff_of_the_receiving_hospital_may_report(delivery, report, request, settings, who):
    with pytest.raises(NotPermitted):
        report(delivery, actor=request.getfixturevalue(who), photo=png_upload())

    assert _nothing_reported(settings)


def test_a_failure_after_the_photo_was_stored_removes_the_photo_and_the_row(
    delivery, report, settings, monkeypatch
):
    # given the acknowledgement fails after the complaint and its photo were saved
    def broken(complaint, actor):
        assert media_files(settings), "the photo is stored by now"
        raise RuntimeError("mail template broken")

    monkeypatch.setattr(complaint_module, "_acknowledge", broken)

    # when
    with pytest.raises(RuntimeError):
        report(delivery, photo=png_upload())

    # then nothing is left: no row, no event, no orphaned file
    assert _nothing_reported(settings)


def test_the_acknowledgement_follows_the_hospitals_language(delivery, report, hospital):
    hospital.language = "nl"
    hospital.save(update_fields=["language"])

    complaint = report(delivery)

    received = OutboundEmail.objects.get(key=f"complaint-{complaint.pk}-received")
    assert received.language == "nl"


# ---------------------------------------------------------------------------------------------
# complaint_escalate


def _escalate(complaint, actor, **choices):
    return services.complaint_escalate(
        complaint=complaint,
        actor=actor,
        reason=choices.pop("reason", "Three hospitals report the same"),
        hold_lot=choices.pop("hold_lot", True),
        request_inspection=choices.pop("request_inspection", False),
    )


def test_an_officer_puts_the_lot_on_hold_from_a_complaint(delivery, report, officer):
    complaint = _escalate(report(delivery), officer)

    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.ON_HOLD
    assert complaint.status == ComplaintStatus.INVESTIGATING
    assert [e.kind for e in complaint.events.all()] == [
        ComplaintEvent.Kind.REPORTED,
        ComplaintEvent.Kind.LOT_HELD,
    ]
    hold = LotEvent.objects.get(lot=delivery.lot, to_status=LotStatus.ON_HOLD)
    assert f"Complaint #{complaint.pk}" in hold.reason


def test_an_inspection_request_keeps_the_first_moment(delivery, report, officer):
    complaint = _escalate(report(delivery), officer, hold_lot=False, request_inspection=True)
    first = complaint.inspection_requested_at

    again = _escalate(complaint, officer, hold_lot=False, request_inspection=True)

    assert first is not None and first <= timezone.now()
    assert again.inspection_requested_at == first
    assert again.events.filter(kind=ComplaintEvent.Kind.INSPECTION_REQUESTED).count() == 2
    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.RELEASED


def test_a_recalled_lot_keeps_its_status_and_the_event_says_so(delivery, report, officer):
    complaint = report(delivery)
    procurement.lot_recall(lot=delivery.lot, actor=officer, reason="Failed")

    complaint = _escalate(complaint, officer)

    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.RECALLED
    note = complaint.events.get(kind=ComplaintEvent.Kind.LOT_HELD).note
    assert "was already Recalled" in note


@pytest.mark.parametrize("who", ["hospital_user", "inspector", "clerk"])
def test_only_an_officer_may_escalate(delivery, report, request, who):
    complaint = report(delivery)

    with pytest.raises(NotPermitted):
        _escalate(complaint, request.getfixturevalue(who))

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.RELEASED


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"reason": "  "}, "written reason"),
        ({"hold_lot": False, "request_inspection": False}, "Choose at least one"),
    ],
)
def test_escalating_needs_a_reason_and_a_step(delivery, report, officer, choices, message):
    complaint = report(delivery)

    with pytest.raises(InvalidInput, match=message):
        _escalate(complaint, officer, **choices)

    assert complaint.events.count() == 1


def test_a_closed_complaint_cannot_be_escalated(delivery, report, officer):
    complaint = report(delivery)
    services.complaint_close(complaint=complaint, actor=officer, resolution="Not a defect")

    with pytest.raises(IllegalTransition, match="is closed"):
        _escalate(complaint, officer)

    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.RELEASED


def test_escalation_is_all_or_nothing(delivery, report, officer, monkeypatch):
    # given the inspection request fails after the lot was put on hold
    complaint = report(delivery)
    real_move = complaint_module._move

    def failing_move(complaint, kind, **kwargs):
        if kind == ComplaintEvent.Kind.INSPECTION_REQUESTED:
            raise RuntimeError("database hiccup")
        return real_move(complaint, kind, **kwargs)

    monkeypatch.setattr(complaint_module, "_move", failing_move)

    with pytest.raises(RuntimeError):
        _escalate(complaint, officer, request_inspection=True)

    # then neither the hold nor the complaint's move survived
    delivery.lot.refresh_from_db()
    assert delivery.lot.status == LotStatus.RELEASED
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.inspection_requested_at is None
    assert complaint.events.count() == 1


# ---------------------------------------------------------------------------------------------
# complaint_close


def test_an_officer_closes_a_complaint_with_the_resolution(delivery, report, officer):
    complaint = services.complaint_close(
        complaint=report(delivery), actor=officer, resolution="  Lot recalled.  "
    )

    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.resolution == "Lot recalled."
    closed = complaint.events.get(kind=ComplaintEvent.Kind.CLOSED)
    assert (closed.from_status, closed.to_status) == (ComplaintStatus.OPEN, ComplaintStatus.CLOSED)


def test_closing_needs_a_resolution_and_an_officer(delivery, report, hospital_user, officer):
    complaint = report(delivery)

    with pytest.raises(InvalidInput, match="Write the resolution"):
        services.complaint_close(complaint=complaint, actor=officer, resolution=" ")
    with pytest.raises(NotPermitted):
        services.complaint_close(complaint=complaint, actor=hospital_user, resolution="Done")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.resolution == ""


def test_a_complaint_is_closed_once(delivery, report, officer):
    complaint = report(delivery)
    services.complaint_close(complaint=complaint, actor=officer, resolution="First")

    with pytest.raises(IllegalTransition, match="already closed"):
        services.complaint_close(complaint=complaint, actor=officer, resolution="Second")

    complaint.refresh_from_db()
    assert complaint.resolution == "First"
    assert complaint.events.filter(kind=ComplaintEvent.Kind.CLOSED).count() == 1
