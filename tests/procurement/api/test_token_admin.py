"""The ministry panel's API tokens: created with the key shown once, view only, revoked with a
reason; and the same from the command line."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.roles import Role
from procurement.models import ApiToken
from tests import factories
from tests.admin_helpers import act, admin_url, messages_of

pytestmark = pytest.mark.django_db


def add_token(client, **data):
    form = {"name": "Hospital stock system", "role": Role.HOSPITAL_STAFF, **data}
    return client.post(admin_url(ApiToken, "add"), form)


def test_officer_creates_a_token_and_sees_the_key_once(client, officer, hospital):
    client.force_login(officer)
    response = add_token(client, hospitals=[hospital.pk])
    assert response.status_code == 200
    key = response.context["key"]
    token = ApiToken.objects.get()
    assert key.startswith(f"pit_{token.prefix}_")
    assert key in response.content.decode()
    assert list(token.user.hospitals.all()) == [hospital]
    page = client.get(admin_url(ApiToken, "change", token.pk)).content.decode()
    assert key not in page and token.prefix in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/schema/").status_code == 200


def test_refusal_of_the_service_shows_on_the_form_and_creates_nothing(client, officer):
    client.force_login(officer)
    response = add_token(client)  # hospital staff without a hospital
    assert response.status_code == 200
    assert "at least one hospital" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_clerk_cannot_open_the_token_pages(client, clerk):
    client.force_login(clerk)
    assert client.get(admin_url(ApiToken)).status_code == 403
    assert add_token(client).status_code == 403


def test_officer_revokes_a_token_with_a_reason(client, officer):
    client.force_login(officer)
    add_token(client, role=Role.INSPECTOR, name="Lab")
    token = ApiToken.objects.get()
    response = act(client, ApiToken, "revoke", [token], reason="Laboratory contract ended")
    assert "Revoked: Lab" in " ".join(messages_of(response))
    token.refresh_from_db()
    assert token.revoked_at and token.revoke_reason == "Laboratory contract ended"
    assert not token.user.is_active


def test_command_creates_a_token_and_prints_the_key(capsys, officer, hospital):
    call_command(
        "api_token_create",
        "Ward system",
        role=Role.HOSPITAL_STAFF,
        hospital=[hospital.code],
        by="officer",
    )
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(name="Ward system")
    assert key.startswith(f"pit_{token.prefix}_")


def test_command_refuses_unknown_hospital_and_non_officer(officer, clerk):
    with pytest.raises(CommandError, match="Unknown hospital"):
        call_command(
            "api_token_create", "x", role=Role.HOSPITAL_STAFF, hospital=["NOPE"], by="officer"
        )
    with pytest.raises(CommandError, match="Only a ministry officer"):
        call_command("api_token_create", "x", role=Role.INSPECTOR, by="clerk")
    assert factories.HospitalFactory()  # nothing else created a hospital
    assert not ApiToken.objects.exists()
