"""The admin's History page: one timeline of field edits (who changed which field from what to
what) and the domain events the services wrote (status changes with their reasons)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.admin.history import SYSTEM_ACTOR, Change, HistoryAdminMixin
from inspections import demo
from inspections import services as inspection_services
from inspections.models import Complaint, LevelState, SupplierLevel
from procurement import services
from procurement.models import (
    Hospital,
    Lot,
    LotStatus,
    OrderStatus,
    PurchaseOrder,
    Supplier,
)
from tests import factories
from tests.admin_helpers import act, admin_url, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def _history(client, obj):
    response = client.get(admin_url(type(obj), "history", obj.pk))
    assert response.status_code == 200
    return response


def _entries(response):
    return list(response.context["entries"])


def _supplier_form(supplier: Supplier, **changes) -> dict:
    data = {
        "name": supplier.name,
        "country": supplier.country,
        "contact_email": supplier.contact_email,
        "contact_phone": supplier.contact_phone,
    }
    return {**data, **changes}


def test_a_field_edit_shows_who_changed_what_from_what_to_what(officer_client, officer):
    supplier = factories.SupplierFactory(contact_email="old@supplier.example")
    response = officer_client.post(
        admin_url(Supplier, "change", supplier.pk),
        _supplier_form(supplier, contact_email="new@supplier.example"),
    )
    assert response.status_code == 302

    edits = [e for e in _entries(_history(officer_client, supplier)) if not e.is_event]

    assert [e.title for e in edits] == ["Created", "Changed"]
    assert edits[0].actor == SYSTEM_ACTOR  # made by the factory, outside any request
    assert edits[1].actor == officer.username
    assert edits[1].changes == [
        Change("Contact email", "old@supplier.example", "new@supplier.example")
    ]


def test_the_page_shows_the_edit_and_the_user_in_its_html(officer_client, officer):
    supplier = factories.SupplierFactory(country="China")
    officer_client.post(
        admin_url(Supplier, "change", supplier.pk), _supplier_form(supplier, country="Taiwan")
    )

    content = _history(officer_client, supplier).content.decode()

    assert "Field edit" in content
    assert "Country:" in content
    assert '<span class="history-old">China</span> &rarr;' in content
    assert "Taiwan" in content
    assert f"<td>{officer.username}</td>" in content
    assert "revert" not in content.lower()  # nothing on the page turns the clock back


def test_a_lot_shows_its_release_with_the_reason_next_to_the_status_edit(officer_client, officer):
    lot = factories.received_lot()
    act(
        officer_client,
        Lot,
        "release_on_documents",
        [lot],
        reason="Critical care wards run out on Friday; certificates checked.",
    )
    lot.refresh_from_db()
    assert lot.status == LotStatus.RELEASED

    entries = _entries(_history(officer_client, lot))

    events = [e for e in entries if e.is_event]
    assert [(e.title, e.transition) for e in events] == [
        ("Received", ("", "Quarantined")),
        ("Status changed", ("Quarantined", "Released")),
    ]
    release = events[1]
    assert release.actor == officer.username
    assert release.reason == "Critical care wards run out on Friday; certificates checked."
    status_edit = next(e for e in entries if not e.is_event and e.actor == officer.username)
    assert Change("Status", "Quarantined", "Released") in status_edit.changes
    # One timeline, oldest first: the lot was created before anything happened to it.
    assert entries[0].title == "Created"
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_a_dispatch_event_shows_where_the_units_went(officer_client, officer, hospital):
    lot = factories.released_lot(quantity=500)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=200, actor=officer)

    events = [e for e in _entries(_history(officer_client, lot)) if e.is_event]

    dispatched = next(e for e in events if e.title == "Dispatched")
    details = dict(dispatched.details)["Details"]
    assert hospital.code in details
    assert "200" in details


def test_an_order_cancelled_with_a_reason_shows_it(officer_client, officer):
    order = factories.placed_order()
    act(officer_client, PurchaseOrder, "cancel_orders", [order], reason="Supplier cannot deliver.")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED

    events = [e for e in _entries(_history(officer_client, order)) if e.is_event]

    assert events[-1].transition == ("Placed", "Cancelled")
    assert events[-1].reason == "Supplier cannot deliver."
    assert events[-1].actor == officer.username


def test_a_supplier_history_includes_its_inspection_level_changes(officer_client, officer):
    supplier = factories.SupplierFactory()
    level = SupplierLevel.objects.create(
        supplier=supplier, category="respirator", state=LevelState.REDUCED
    )
    inspection_services.supplier_level_return_to_normal(
        level=level, actor=officer, reason="Production moved to a new plant."
    )

    events = [e for e in _entries(_history(officer_client, supplier)) if e.is_event]

    assert len(events) == 1
    assert events[0].transition == ("Reduced", "Normal")
    assert events[0].reason == "Production moved to a new plant."
    assert ("Product category", "Respirator") in events[0].details


def test_a_complaint_history_shows_its_steps_with_their_notes(
    officer_client, officer, hospital, hospital_user
):
    lot = factories.released_lot()
    delivery = services.distribution_dispatch(
        lot=lot, hospital=hospital, quantity=100, actor=officer
    )
    complaint = inspection_services.complaint_report(
        distribution=delivery,
        category="fit",
        description="The masks do not close.",
        quantity_affected=20,
        actor=hospital_user,
    )
    act(
        officer_client,
        Complaint,
        "request_inspection",
        [complaint],
        reason="Ward reports gaps at the nose.",
    )

    events = [e for e in _entries(_history(officer_client, complaint)) if e.is_event]

    assert [e.title for e in events] == ["Reported", "Inspection requested"]
    assert events[1].reason == "Ward reports gaps at the nose."
    assert events[1].actor == officer.username


def test_the_webhook_secret_never_reaches_the_history(officer_client):
    hospital = factories.HospitalFactory(webhook_url="https://h.example/hook")
    form = {
        "code": hospital.code,
        "name": hospital.name,
        "city": hospital.city,
        "region": hospital.region,
        "contact_email": hospital.contact_email,
        "language": hospital.language,
        "webhook_url": hospital.webhook_url,
        "webhook_secret": "s3cret-never-shown",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = officer_client.post(admin_url(Hospital, "change", hospital.pk), form)
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.webhook_secret == "s3cret-never-shown"

    response = _history(officer_client, hospital)

    assert "s3cret-never-shown" not in response.content.decode()
    assert not hasattr(hospital.history.model, "webhook_secret")


def test_history_is_refused_to_a_role_that_may_not_view_the_object(client, clerk):
    supplier_level = SupplierLevel.objects.create(
        supplier=factories.SupplierFactory(), category="respirator"
    )
    client.force_login(clerk)

    response = client.get(admin_url(SupplierLevel, "history", supplier_level.pk))

    assert response.status_code == 403


def test_history_sends_hospital_staff_to_the_login_page(client, hospital_user):
    lot = factories.received_lot()
    client.force_login(hospital_user)

    response = client.get(admin_url(Lot, "history", lot.pk))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_inspector_reads_a_lot_history(client, inspector):
    lot = factories.received_lot()
    client.force_login(inspector)

    entries = _entries(_history(client, lot))

    assert entries[0].title == "Created"


def test_an_unknown_object_goes_back_to_the_admin_index_with_a_message(officer_client):
    response = officer_client.get(admin_url(Lot, "history", 999_999), follow=True)

    assert response.redirect_chain[0][0] == reverse("admin:index")
    assert any(str(999_999) in message for message in messages_of(response))


def test_every_history_page_opens_on_the_demo_story(client, settings):
    settings.DEBUG = True  # the demo loads only on a development database
    demo.load_demo()
    client.force_login(get_user_model().objects.get(username="officer"))
    with_history = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, HistoryAdminMixin)
    ]

    for model, _model_admin in with_history:
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, model
        _history(client, obj)  # opens (rows written in bulk by a service have no entries)

    assert len(with_history) >= 19
    # A supplier of the story went to tightened inspection: its page says so, with the reason.
    supplier = SupplierLevel.objects.filter(state=LevelState.TIGHTENED).first().supplier
    events = [e for e in _entries(_history(client, supplier)) if e.is_event]
    assert any(e.transition == ("Normal", "Tightened") and e.reason for e in events)
