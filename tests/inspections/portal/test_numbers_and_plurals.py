"""Numbers and counts in the reader's language: "1.000" for a thousand in Dutch ("1,000" in
English), "1 stuk" / "1 unit" for one, the roles named by their labels in a refusal, and the
ministry's records and e-mails that do not depend on who triggered them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.errors import InvalidInput, NotPermitted
from core.models import OutboundEmail
from core.roles import Role, require_role
from inspections import services as inspection_services
from inspections.models import ComplaintEvent
from inspections.validators import photo_extension, validate_report_file_size
from procurement import services

MB = 1024 * 1024


def _page_url(distribution) -> str:
    return reverse("hospital_delivery", args=[distribution.pk])


def _confirm_url(distribution) -> str:
    return reverse("hospital_delivery_confirm", args=[distribution.pk])


@pytest.fixture
def dutch_client(staff_client, hospital_user):
    """The hospital user, reading Dutch (chosen before the first page of the session)."""
    services.user_language_set(user=hospital_user, language="nl")
    return staff_client


@pytest.fixture
def large_delivery(make_delivery, hospital):
    """2,000 units, not yet confirmed."""
    return make_delivery(hospital, 2_000)


@pytest.fixture
def single_delivery(make_delivery, hospital):
    """One unit (a ventilator, say), not yet confirmed."""
    return make_delivery(hospital, 1)


# ---------------------------------------------------------------------------------------------
# Thousands


def test_a_dutch_reader_sees_dutch_thousands_in_the_discrepancy_error(dutch_client, large_delivery):
    response = dutch_client.post(_confirm_url(large_delivery), {"quantity_received": 1_000})

    content = response.content.decode()
    assert "Uw telling (1.000 stuks) wijkt af van de 2.000 verzonden stuks" in content
    assert "1,000" not in content and "2,000" not in content


def test_an_english_reader_sees_english_thousands_in_the_discrepancy_error(
    staff_client, large_delivery
):
    response = staff_client.post(_confirm_url(large_delivery), {"quantity_received": 1_000})

    assert "1,000 units differs from the 2,000 dispatched" in response.content.decode()


def test_a_dutch_reader_sees_dutch_thousands_after_confirming_and_using(
    dutch_client, large_delivery
):
    confirmed = dutch_client.post(
        _confirm_url(large_delivery),
        {"quantity_received": 1_500, "remark": "Twee dozen ontbreken"},
        follow=True,
    ).content.decode()
    used = dutch_client.post(
        reverse("hospital_delivery_use", args=[large_delivery.pk]),
        {"quantity_used": 1_200},
        follow=True,
    ).content.decode()

    assert "1.500 stuks geteld, 2.000 verzonden" in confirmed
    assert f"1.200 stuks van partij {large_delivery.lot.lot_number} vastgelegd" in used


def test_the_complaint_form_and_its_service_write_the_delivered_quantity_the_dutch_way(
    dutch_client, large_delivery, report
):
    page = dutch_client.get(
        reverse("hospital_complaint_report", args=[large_delivery.pk])
    ).content.decode()
    with translation.override("nl"), pytest.raises(InvalidInput) as refused:
        report(large_delivery, quantity=2_001)

    assert "Hoeveel van de 2.000 geleverde stuks het betreft." in page
    assert "2.000 stuks verzonden op" in page
    assert "de 2.000 geleverde stuks" in refused.value.message


def test_upload_sizes_use_the_readers_decimal_sign():
    report_file = SimpleNamespace(size=int(10.5 * MB))
    photo = SimpleNamespace(size=int(9.25 * MB))

    with pytest.raises(ValidationError) as english_report:
        validate_report_file_size(report_file)
    with translation.override("nl"):
        with pytest.raises(ValidationError) as dutch_report:
            validate_report_file_size(report_file)
        with pytest.raises(ValidationError) as dutch_photo:
            photo_extension(photo)

    with pytest.raises(ValidationError) as rounded:
        validate_report_file_size(SimpleNamespace(size=int(10.96 * MB)))

    assert english_report.value.messages == ["The file is 10.5 MB; the limit is 10 MB."]
    assert rounded.value.messages == ["The file is 11.0 MB; the limit is 10 MB."]
    assert dutch_report.value.messages == ["Het bestand is 10,5 MB; de grens is 10 MB."]
    assert dutch_photo.value.messages == ["De foto is 9,2 MB; de grens is 8 MB."]


# ---------------------------------------------------------------------------------------------
# One unit


def test_one_unit_is_singular_on_the_pages_in_english(staff_client, single_delivery):
    home = staff_client.get(reverse("hospital_home")).content.decode()
    page = staff_client.get(_page_url(single_delivery)).content.decode()
    form = staff_client.get(
        reverse("hospital_complaint_report", args=[single_delivery.pk])
    ).content.decode()

    assert "1 unit dispatched on" in home
    assert "1 unit was dispatched. Count what arrived and confirm." in page
    assert "<strong>1</strong> unit." in page
    assert "1 unit dispatched on" in form
    assert "1 unit was delivered." in form
    for content in (home, page, form):
        assert "1 units" not in content


def test_one_unit_is_singular_on_the_pages_in_dutch(dutch_client, single_delivery):
    home = dutch_client.get(reverse("hospital_home")).content.decode()
    page = dutch_client.get(_page_url(single_delivery)).content.decode()
    form = dutch_client.get(
        reverse("hospital_complaint_report", args=[single_delivery.pk])
    ).content.decode()

    assert "1 stuk verzonden op" in home
    assert "Er is 1 stuk verzonden." in page
    assert "<strong>1</strong> stuk." in page
    assert "Er is 1 stuk geleverd." in form
    for content in (home, page, form):
        assert "1 stuks" not in content


def test_confirming_and_using_one_unit_says_so_in_the_singular(staff_client, single_delivery):
    lot = single_delivery.lot.lot_number

    confirmed = staff_client.post(
        _confirm_url(single_delivery), {"quantity_received": 1}, follow=True
    ).content.decode()
    used = staff_client.post(
        reverse("hospital_delivery_use", args=[single_delivery.pk]),
        {"quantity_used": 1},
        follow=True,
    ).content.decode()

    assert f"Receipt of lot {lot} confirmed: 1 unit." in confirmed
    assert f"1 unit of lot {lot} recorded as used." in used


def test_one_unit_counted_of_more_dispatched_is_singular_in_dutch(dutch_client, delivery):
    refused = dutch_client.post(_confirm_url(delivery), {"quantity_received": 1}).content.decode()
    confirmed = dutch_client.post(
        _confirm_url(delivery), {"quantity_received": 1, "remark": "De rest ontbreekt"}, follow=True
    ).content.decode()

    assert "Uw telling (1 stuk) wijkt af van de 100 verzonden stuks" in refused
    assert "1 stuk geteld, 100 verzonden" in confirmed


def test_the_affected_quantity_of_a_single_unit_delivery_is_singular(single_delivery, report):
    with pytest.raises(InvalidInput) as english:
        report(single_delivery, quantity=2)
    with translation.override("nl"), pytest.raises(InvalidInput) as dutch:
        report(single_delivery, quantity=2)

    assert english.value.message.endswith("between 1 and the 1 unit delivered.")
    assert dutch.value.message.endswith("tussen 1 en het 1 geleverde stuk liggen.")


# ---------------------------------------------------------------------------------------------
# Who may: the roles by their labels


def test_recording_use_elsewhere_is_refused_naming_the_role_in_the_readers_language(
    delivery, other_user
):
    with pytest.raises(NotPermitted) as english:
        services.stock_consume(
            lot=delivery.lot, hospital=delivery.hospital, quantity=1, actor=other_user
        )
    with translation.override("nl"), pytest.raises(NotPermitted) as dutch:
        services.stock_consume(
            lot=delivery.lot, hospital=delivery.hospital, quantity=1, actor=other_user
        )

    assert english.value.message == "Only a ministry officer may record use at this hospital."
    assert dutch.value.message == (
        "Alleen een medewerker ministerie mag verbruik in dit ziekenhuis vastleggen."
    )


def test_a_refusal_names_every_role_by_its_label(hospital_user):
    action = gettext_lazy("record use at this hospital")

    with translation.override("nl"), pytest.raises(NotPermitted) as dutch:
        require_role(hospital_user, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action=action)

    assert dutch.value.message == (
        "Alleen een magazijnmedewerker of een medewerker ministerie mag verbruik in dit "
        "ziekenhuis vastleggen."
    )


def test_each_role_gets_its_own_article(hospital_user):
    with pytest.raises(NotPermitted) as refused:
        require_role(hospital_user, Role.INSPECTOR, action="verify certificates")

    assert refused.value.message == "Only an inspector may verify certificates."


def test_an_action_not_marked_for_translation_keeps_the_whole_refusal_english(hospital_user):
    with translation.override("nl"), pytest.raises(NotPermitted) as refused:
        require_role(
            hospital_user, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action="dispatch stock"
        )

    assert refused.value.message == (
        "Only a warehouse clerk or a ministry officer may dispatch stock."
    )


# ---------------------------------------------------------------------------------------------
# The ministry's records and e-mails


def test_the_note_on_a_lot_already_recalled_is_english_whoever_acted(delivery, report, officer):
    complaint = report(delivery)
    services.lot_recall(lot=delivery.lot, actor=officer, reason="Failed")

    with translation.override("nl"):
        inspection_services.complaint_escalate(
            complaint=complaint,
            actor=officer,
            reason="Drie ziekenhuizen melden hetzelfde",
            hold_lot=True,
            request_inspection=False,
        )

    note = complaint.events.get(kind=ComplaintEvent.Kind.LOT_HELD).note
    assert note == (
        f"Drie ziekenhuizen melden hetzelfde (lot {delivery.lot.lot_number} was already Recalled)"
    )


def test_the_discrepancy_email_writes_its_numbers_for_its_language(dutch_client, large_delivery):
    dutch_client.post(
        _confirm_url(large_delivery),
        {"quantity_received": 1_000, "remark": "Een pallet ontbreekt"},
    )

    email = OutboundEmail.objects.get()
    large_delivery.refresh_from_db()
    context = {"distribution": large_delivery, "actor": large_delivery.confirmed_by}
    with translation.override("nl"):
        dutch = render_to_string("emails/receipt_discrepancy_body.txt", context)

    assert email.language == "en"  # the ministry's desk language, whoever confirmed
    assert "Dispatched: 2,000\nReceived: 1,000\nDifference: -1,000\n" in email.body
    assert "Verzonden: 2.000\nOntvangen: 1.000\nVerschil: -1.000\n" in dutch


def test_more_units_than_dispatched_show_a_plus_in_the_email(staff_client, delivery):
    staff_client.post(
        _confirm_url(delivery), {"quantity_received": 105, "remark": "One carton extra"}
    )

    assert "Difference: +5\n" in OutboundEmail.objects.get().body
