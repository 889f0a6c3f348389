"""The quality side's webhook events, each published by the one service where the change
happens: an inspection recorded, a recall issued, a notice answered, a hospital's return
received at the warehouse (published once, by the supply side's receipt)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import IllegalTransition
from core.models import WebhookDelivery, WebhookEvent
from core.outbox import webhooks
from inspections import services
from procurement.models import LotStatus
from tests import factories
from tests.inspections.conftest import good, record, with_failures
from tests.inspections.recall_notices import answer, issue_recall

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribe(officer):
    def subscribe(event):
        return webhooks.webhook_subscription_create(
            name=f"Listener of {event}",
            url="http://127.0.0.1:9/hooks",
            events=[event],
            actor=officer,
        )

    return subscribe


def _data(event) -> list[dict]:
    """What was queued for `event`, oldest first: the `data` of each delivery's body."""
    deliveries = WebhookDelivery.objects.filter(event=event).order_by("pk")
    return [delivery.payload["data"] for delivery in deliveries]


def test_recording_an_inspection_publishes_it_with_the_lots_new_status(
    subscribe, make_lot, inspector
):
    subscribe(WebhookEvent.INSPECTION_RECORDED)
    subscribe(WebhookEvent.LOT_STATUS_CHANGED)
    lot = make_lot()

    inspection = record(lot, inspector, measurements=with_failures(80, filtration_failures=2))

    [data] = _data(WebhookEvent.INSPECTION_RECORDED)
    assert data["inspection_id"] == inspection.pk
    assert data["lot"]["id"] == lot.pk and data["lot"]["number"] == lot.lot_number
    assert (data["stage"], data["verdict"], data["outcome"]) == ("first", "rejected", "on_hold")
    assert data["lot_status"] == LotStatus.ON_HOLD
    assert (data["standard"], data["laboratory"]) == ("TEST FFP2", "RIVM test lab")
    assert (data["sample_size"], data["performed_on"]) == (80, "2020-03-30")
    assert data["recorded_by"] == inspector.username
    # The hold it caused is a lot status change of its own.
    [moved] = _data(WebhookEvent.LOT_STATUS_CHANGED)
    assert (moved["from"], moved["to"]) == (LotStatus.QUARANTINED, LotStatus.ON_HOLD)


def test_an_inspection_that_is_refused_publishes_nothing(subscribe, make_lot, inspector):
    subscribe(WebhookEvent.INSPECTION_RECORDED)
    lot = make_lot()
    record(lot, inspector, measurements=good(80))

    with pytest.raises(IllegalTransition, match="already has a first inspection"):
        record(lot, inspector, measurements=good(80))

    assert len(_data(WebhookEvent.INSPECTION_RECORDED)) == 1


def test_issuing_a_recall_publishes_it_with_its_lots_and_notices(subscribe, officer, hospital):
    subscribe(WebhookEvent.RECALL_ISSUED)
    other = factories.HospitalFactory(code="H-EAST")

    issued = issue_recall(officer, {hospital: (100, 50), other: (20, 0)}, reference="RC-7")

    [data] = _data(WebhookEvent.RECALL_ISSUED)
    assert data["recall_id"] == issued.recall.pk and data["reference"] == "RC-7"
    assert (data["class"], data["urgent"]) == ("I", True)
    assert data["lots"] == [{"id": lot.pk, "number": lot.lot_number} for lot in issued.lots]
    assert data["notice_count"] == 2
    assert data["hospitals"] == sorted([hospital.code, "H-EAST"])
    assert data["reason"].startswith("Filter membrane fails")


def test_answering_a_notice_publishes_every_answer(subscribe, officer, hospital, hospital_user):
    subscribe(WebhookEvent.NOTICE_ANSWERED)
    issued = issue_recall(officer, {hospital: (100,)})
    notice = issued.notice(hospital)

    answer(notice, hospital_user, {issued.lot: (70, 20, 10)})
    answer(notice, hospital_user, {issued.lot: (60, 25, 15)}, respondent_name="B. Manager")

    first, second = _data(WebhookEvent.NOTICE_ANSWERED)
    assert first["notice_id"] == notice.pk and first["notice_reference"] == notice.reference
    assert first["recall"] == issued.recall.reference
    assert first["hospital"] == {"code": hospital.code, "name": hospital.name}
    assert first["acknowledged"] is True and first["respondent_name"] == "A. Pharmacist"
    assert first["lines"] == [
        {"lot": issued.lot.lot_number, "on_hand": 70, "used": 20, "destroyed": 10}
    ]
    assert second["lines"][0]["used"] == 25 and second["respondent_name"] == "B. Manager"
    assert first["version_id"] != second["version_id"]


def test_a_hospital_return_received_at_the_warehouse_is_published_once(
    subscribe, officer, hospital, hospital_user, clerk
):
    subscribe(WebhookEvent.RETURN_RECEIVED)
    issued = issue_recall(officer, {hospital: (100,)})
    shipped = services.hospital_return_ship(
        notice=issued.notice(hospital),
        lot=issued.lot,
        quantity=80,
        actor=hospital_user,
        reference="DHL 123",
    )
    assert _data(WebhookEvent.RETURN_RECEIVED) == []  # shipped is not received

    services.hospital_return_receive(
        hospital_return=shipped, quantity_received=78, actor=clerk, remark="One box short"
    )

    [data] = _data(WebhookEvent.RETURN_RECEIVED)
    assert data["lot"]["number"] == issued.lot.lot_number
    assert data["hospital"]["code"] == hospital.code
    assert (data["shipped"], data["received"], data["missing"]) == (80, 78, 2)
    assert (data["reference"], data["remark"]) == ("DHL 123", "One box short")
    assert data["received_by"] == clerk.username


def test_a_recall_nobody_subscribed_to_costs_one_query_per_published_change(officer, hospital):
    with CaptureQueriesContext(connection) as queries:
        issue_recall(officer, {hospital: (100, 50, 30)})

    webhook_queries = [q["sql"] for q in queries if "core_webhook" in q["sql"]]
    # Per lot: released, then recalled (two status changes); then the recall itself.
    assert len(webhook_queries) == 3 * 2 + 1
    assert all("core_webhooksubscription" in sql for sql in webhook_queries)
    assert not WebhookDelivery.objects.exists()
