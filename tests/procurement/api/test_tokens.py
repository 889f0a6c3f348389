"""API tokens: created by a ministry officer, shown once, hashed at rest, bound to a role and a
hospital, revocable and expiring, and refused with one 401 message when wrong."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.roles import Role
from procurement.models import ApiToken
from procurement.services import api_token_create, api_token_revoke
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


def test_token_key_is_shown_once_and_only_its_hash_is_stored(officer):
    token, key = api_token_create(
        name="Logistics platform", role=Role.WAREHOUSE_CLERK, actor=officer
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith("pit_") and key not in str(stored.__dict__)
    assert stored.key_hash != key and len(stored.key_hash) == 64
    assert stored.user.username == "api:Logistics platform"
    assert not stored.user.has_usable_password()


def test_only_a_ministry_officer_may_create_a_token(clerk):
    with pytest.raises(NotPermitted):
        api_token_create(name="x", role=Role.WAREHOUSE_CLERK, actor=clerk)


def test_hospital_token_needs_a_hospital_and_others_may_not_have_one(officer, hospital):
    with pytest.raises(InvalidInput, match="at least one hospital"):
        api_token_create(name="a", role=Role.HOSPITAL_STAFF, actor=officer)
    with pytest.raises(InvalidInput, match="Only a hospital staff token"):
        api_token_create(name="b", role=Role.INSPECTOR, hospitals=[hospital], actor=officer)


def test_token_names_are_unique(officer):
    api_token_create(name="Lab", role=Role.INSPECTOR, actor=officer)
    with pytest.raises(InvalidInput, match="already exists"):
        api_token_create(name="Lab", role=Role.INSPECTOR, actor=officer)


def test_token_signs_in_as_its_user():
    client = token_client(Role.MINISTRY_OFFICER)
    assert client.get("/api/v1/suppliers/").status_code == 200
    client.token.refresh_from_db()
    assert client.token.last_used_at is not None


def test_no_credentials_answers_401_in_the_error_format():
    response = APIClient().get("/api/v1/suppliers/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("key", ["pit_deadbeef_wrong", "nonsense", "pit_"])
def test_wrong_key_answers_401(key):
    token_client(Role.MINISTRY_OFFICER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/v1/suppliers/")
    assert response.status_code == 401
    assert "Invalid, revoked or expired" in error_of(response)["message"]


def test_revoked_token_stops_working_at_once(officer):
    client = token_client(Role.MINISTRY_OFFICER)
    api_token_revoke(token=client.token, actor=officer, reason="Contract ended")
    assert client.get("/api/v1/suppliers/").status_code == 401
    with pytest.raises(IllegalTransition):
        api_token_revoke(token=client.token, actor=officer, reason="again")


def test_revoking_needs_a_reason(officer):
    client = token_client(Role.MINISTRY_OFFICER)
    with pytest.raises(InvalidInput):
        api_token_revoke(token=client.token, actor=officer, reason=" ")


def test_expired_token_answers_401():
    client = token_client(Role.MINISTRY_OFFICER)
    ApiToken.objects.filter(pk=client.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get("/api/v1/suppliers/").status_code == 401


def test_expiry_must_be_in_the_future(officer):
    with pytest.raises(InvalidInput, match="future"):
        api_token_create(
            name="old",
            role=Role.INSPECTOR,
            actor=officer,
            expires_at=timezone.now() - dt.timedelta(days=1),
        )


def test_token_role_decides_what_it_may_read():
    hospital = factories.HospitalFactory()
    client = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    response = client.get("/api/v1/suppliers/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_many_wrong_keys_from_one_address_are_throttled(settings):
    settings.API_TOKEN_FAILURE_RATE_LIMIT = "3/m"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer pit_00000000_guess")
    statuses = [client.get("/api/v1/suppliers/").status_code for _ in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[-1] == 429


def test_token_user_gets_the_contact_email_and_a_bad_one_is_refused(officer):
    token, _key = api_token_create(
        name="Ministry system",
        role=Role.MINISTRY_OFFICER,
        actor=officer,
        contact_email="quality@ministry.example",
    )
    assert token.user.email == "quality@ministry.example"
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        api_token_create(name="x", role=Role.INSPECTOR, actor=officer, contact_email="nope")
