"""Reporting a problem with a delivery, the complaints list and page, and the photo view."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse

from core.models import OutboundEmail
from inspections import services as inspection_services
from inspections.models import Complaint, ComplaintEvent
from procurement import services
from procurement.models import UserPreference

from .files import media_files, oversized_upload, png_bytes, png_upload, text_as_jpeg


def _report_url(distribution) -> str:
    return reverse("hospital_complaint_report", args=[distribution.pk])


def _form(**overrides) -> dict:
    return {
        "category": "fit",
        "description": "Straps snap when the mask is put on.",
        "quantity_affected": 12,
        **overrides,
    }


# ---------------------------------------------------------------------------------------------
# The form


def test_the_report_form_offers_categories_as_radio_buttons_and_a_photo_from_camera_or_gallery(
    staff_client, delivery
):
    content = staff_client.get(_report_url(delivery)).content.decode()

    assert 'enctype="multipart/form-data"' in content
    assert content.count('type="radio" name="category"') == 6
    assert "Suspected counterfeit" in content
    assert 'accept="image/jpeg,image/png,image/webp"' in content
    # No `capture`: on some phones it forces the camera and hides the gallery.
    assert " capture" not in content
    assert 'max="100"' in content


def test_a_report_without_a_photo_goes_to_its_page_with_a_thank_you(
    staff_client, delivery, hospital, hospital_user
):
    response = staff_client.post(_report_url(delivery), _form(), follow=True)

    complaint = Complaint.objects.get()
    assert response.redirect_chain == [(reverse("hospital_complaint", args=[complaint.pk]), 302)]
    content = response.content.decode()
    assert f"Thank you. The ministry has your report #{complaint.pk};" in content
    assert complaint.hospital == hospital
    assert complaint.lot == delivery.lot
    assert complaint.quantity_affected == 12
    assert complaint.reported_by == hospital_user
    assert not complaint.photo
    assert [e.kind for e in complaint.events.all()] == [ComplaintEvent.Kind.REPORTED]


def test_the_report_queues_an_acknowledgement_and_a_ministry_alert(
    staff_client, delivery, hospital, hospital_user
):
    staff_client.post(_report_url(delivery), _form())

    complaint = Complaint.objects.get()
    received = OutboundEmail.objects.get(key=f"complaint-{complaint.pk}-received")
    alert = OutboundEmail.objects.get(key=f"complaint-{complaint.pk}-alert")
    assert received.to == sorted([hospital_user.email, hospital.contact_email])
    assert received.language == "en"
    assert f"#{complaint.pk}" in received.subject
    assert alert.to == sorted(settings.MINISTRY_ALERT_EMAILS)


def test_a_dutch_hospitals_acknowledgement_is_queued_in_dutch(staff_client, delivery, hospital):
    hospital.language = "nl"
    hospital.save(update_fields=["language"])

    staff_client.post(_report_url(delivery), _form())

    received = OutboundEmail.objects.get(key__endswith="-received")
    assert received.language == "nl"
    # The ministry's alert stays in the site language.
    assert OutboundEmail.objects.get(key__endswith="-alert").language == settings.LANGUAGE_CODE


def test_the_reporters_own_language_wins_over_the_hospitals(
    staff_client, delivery, hospital, hospital_user
):
    hospital.language = "nl"
    hospital.save(update_fields=["language"])
    UserPreference.objects.create(user=hospital_user, language="en")

    staff_client.post(_report_url(delivery), _form())

    assert OutboundEmail.objects.get(key__endswith="-received").language == "en"


def test_a_missing_category_or_description_is_a_form_error_and_the_input_is_kept(
    staff_client, delivery
):
    response = staff_client.post(
        _report_url(delivery), _form(category="", description="Labels in Chinese only")
    )

    form = response.context["form"]
    assert "category" in form.errors
    content = response.content.decode()
    assert "Labels in Chinese only" in content
    assert 'name="quantity_affected" value="12"' in content
    assert not Complaint.objects.exists()


def test_more_units_than_delivered_is_the_services_message_and_the_input_is_kept(
    staff_client, delivery
):
    response = staff_client.post(
        _report_url(delivery), _form(quantity_affected=101, category="packaging")
    )

    content = response.content.decode()
    assert "between 1 and the 100 units delivered" in content
    assert 'class="form-errors" role="alert"' in content
    assert re.search(r'value="packaging"[^>]* checked', content)
    assert "Straps snap when the mask is put on." in content
    assert not Complaint.objects.exists()
    assert not OutboundEmail.objects.exists()


# ---------------------------------------------------------------------------------------------
# Photos


def test_a_real_png_is_accepted_and_shown_only_through_the_checked_view(
    staff_client, delivery, settings
):
    response = staff_client.post(_report_url(delivery), _form(photo=png_upload()), follow=True)

    complaint = Complaint.objects.get()
    assert complaint.photo.name.startswith("complaints/")
    photo_url = reverse("hospital_complaint_photo", args=[complaint.pk])
    content = response.content.decode()
    assert f'src="{photo_url}"' in content
    assert settings.MEDIA_URL not in content

    photo = staff_client.get(photo_url)

    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == png_bytes()
    assert "sandbox" in photo["Content-Security-Policy"]
    assert photo["X-Content-Type-Options"] == "nosniff"


def test_another_hospitals_staff_cannot_see_the_photo_or_the_complaint(
    client, delivery, report, other_user
):
    complaint = report(delivery, photo=png_upload())
    client.force_login(other_user)

    assert client.get(reverse("hospital_complaint_photo", args=[complaint.pk])).status_code == 404
    assert client.get(reverse("hospital_complaint", args=[complaint.pk])).status_code == 404


def test_a_complaint_without_a_photo_has_no_photo_to_show(staff_client, delivery, report):
    complaint = report(delivery)

    response = staff_client.get(reverse("hospital_complaint_photo", args=[complaint.pk]))

    assert response.status_code == 404


def test_a_text_file_named_jpg_is_refused_with_a_clear_error_and_nothing_is_stored(
    staff_client, delivery, settings
):
    response = staff_client.post(_report_url(delivery), _form(photo=text_as_jpeg()))

    content = response.content.decode()
    assert response.status_code == 200
    assert "could not be read as an image" in content
    assert "choose the photo again" in content
    assert "Straps snap when the mask is put on." in content
    assert not Complaint.objects.exists()
    assert media_files(settings) == []


def test_an_oversized_photo_is_refused(staff_client, delivery, settings):
    response = staff_client.post(_report_url(delivery), _form(photo=oversized_upload()))

    assert "the limit is 8 MB" in response.content.decode()
    assert not Complaint.objects.exists()
    assert media_files(settings) == []


def test_a_file_of_another_kind_is_refused_by_its_extension(staff_client, delivery):
    upload = png_upload(name="straps.gif")

    response = staff_client.post(_report_url(delivery), _form(photo=upload))

    assert response.context["form"].errors["photo"]
    assert not Complaint.objects.exists()


# ---------------------------------------------------------------------------------------------
# Not yours, not allowed


def test_another_hospitals_delivery_cannot_be_reported_on(staff_client, other_delivery):
    assert staff_client.get(_report_url(other_delivery)).status_code == 404
    assert staff_client.post(_report_url(other_delivery), _form()).status_code == 404
    assert not Complaint.objects.exists()


def test_a_clerk_cannot_report_and_an_anonymous_visitor_must_sign_in(client, clerk, delivery):
    anonymous = client.post(_report_url(delivery), _form())
    client.force_login(clerk)
    clerk_response = client.post(_report_url(delivery), _form())

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert clerk_response.status_code == 403
    assert not Complaint.objects.exists()


# ---------------------------------------------------------------------------------------------
# The list and the page


def test_the_list_shows_the_hospitals_complaints_newest_first(
    staff_client, delivery, other_delivery, report, other_user
):
    first = report(delivery)
    second = report(delivery, category="labelling")
    theirs = report(other_delivery, actor=other_user)

    response = staff_client.get(reverse("hospital_complaints"))

    assert list(response.context["page_obj"]) == [second, first]
    assert f"#{theirs.pk}<" not in response.content.decode()


def test_the_list_has_25_per_page(staff_client, delivery, report):
    for _ in range(26):
        report(delivery, quantity=1)

    first = staff_client.get(reverse("hospital_complaints"))
    second = staff_client.get(reverse("hospital_complaints"), {"page": 2})

    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 1
    assert b"Page 2 of 2" in second.content


def test_the_page_shows_what_was_reported_and_what_the_ministry_did(
    staff_client, delivery, report, officer
):
    complaint = report(delivery, description="Nose clip breaks")
    inspection_services.complaint_escalate(
        complaint=complaint, actor=officer, reason="Internal: supplier under watch",
        hold_lot=True, request_inspection=True,
    )  # fmt: skip
    inspection_services.complaint_close(
        complaint=complaint, actor=officer, resolution="Lot tested and recalled."
    )

    response = staff_client.get(reverse("hospital_complaint", args=[complaint.pk]))

    content = response.content.decode()
    assert [e.kind for e in response.context["events"]] == [
        ComplaintEvent.Kind.REPORTED,
        ComplaintEvent.Kind.LOT_HELD,
        ComplaintEvent.Kind.INSPECTION_REQUESTED,
        ComplaintEvent.Kind.CLOSED,
    ]
    assert "Nose clip breaks" in content
    assert "Lot tested and recalled." in content
    assert "Closed" in content
    assert "Internal: supplier under watch" not in content  # the officers' notes stay inside
    assert "is on hold: do not use it" in content


def test_a_photo_whose_file_is_gone_answers_404(staff_client, delivery, report):
    complaint = report(delivery, photo=png_upload())
    complaint.photo.storage.delete(complaint.photo.name)

    response = staff_client.get(reverse("hospital_complaint_photo", args=[complaint.pk]))

    assert response.status_code == 404


def test_a_held_lots_complaint_page_warns(staff_client, delivery, report, officer):
    complaint = report(delivery)
    services.lot_hold(lot=delivery.lot, actor=officer, reason="x")

    content = staff_client.get(reverse("hospital_complaint", args=[complaint.pk])).content.decode()

    assert 'role="alert"' in content
