"""`Idempotency-Key` on POST: the same key and body answer with the first response and do the
work once; another body is refused; a key in progress is refused; keys expire."""

import datetime as dt

import pytest
from django.utils import timezone

from core.api.idempotency import idempotency_keys_purge
from core.models import IdempotencyKey, IdempotencyStatus
from core.roles import Role
from procurement.models import LotEvent, LotStatus
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot():
    return factories.received_lot(quantity=500)


def hold(client, lot, reason="Complaint: straps break", key="k-1"):
    return client.post(f"/api/v1/lots/{lot.pk}/hold/", {"reason": reason}, HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_response_and_acts_once(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    first = hold(client, lot)
    lot.refresh_from_db()
    assert first.status_code == 200 and lot.status == LotStatus.ON_HOLD
    # The lot is released by someone else meanwhile; the replay must not hold it again.
    second = hold(client, lot)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert LotEvent.objects.filter(lot=lot, to_status=LotStatus.ON_HOLD).count() == 1


def test_same_key_with_another_body_is_refused(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    hold(client, lot)
    response = hold(client, lot, reason="A different reason")
    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"


def test_json_whitespace_does_not_make_another_body(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/lots/{lot.pk}/hold/"
    a = client.post(
        url, '{"reason": "x"}', content_type="application/json", HTTP_IDEMPOTENCY_KEY="w"
    )
    b = client.post(
        url, '{ "reason":"x" }', content_type="application/json", HTTP_IDEMPOTENCY_KEY="w"
    )
    assert a.status_code == b.status_code == 200
    assert b["Idempotent-Replayed"] == "true"


def test_key_still_in_progress_is_refused_with_409(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    hold(client, lot, key="busy")
    IdempotencyKey.objects.filter(key="busy").update(status=IdempotencyStatus.IN_PROGRESS)
    response = hold(client, lot, key="busy")
    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_in_progress"


def test_abandoned_key_in_progress_is_taken_over(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    hold(client, lot, key="dead")
    IdempotencyKey.objects.filter(key="dead").update(
        status=IdempotencyStatus.IN_PROGRESS, created_at=timezone.now() - dt.timedelta(hours=1)
    )
    response = hold(client, lot, key="dead")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response


def test_refusals_are_replayed_too(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    first = hold(client, lot, reason=" ", key="bad")
    assert first.status_code == 400
    second = hold(client, lot, reason=" ", key="bad")
    assert second.status_code == 400 and second["Idempotent-Replayed"] == "true"


def test_keys_are_per_user(lot):
    one = token_client(Role.MINISTRY_OFFICER, name="one")
    other = token_client(Role.INSPECTOR, name="other")
    assert hold(one, lot, key="shared").status_code == 200
    response = hold(other, lot, key="shared")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response


def test_expired_keys_are_forgotten_and_purged(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    hold(client, lot, key="old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = hold(client, lot, key="old", reason="A new reason, a new request")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert idempotency_keys_purge() == 1
    assert not IdempotencyKey.objects.exists()


def test_overlong_key_is_a_400(lot):
    client = token_client(Role.MINISTRY_OFFICER)
    response = hold(client, lot, key="k" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)["fields"]
