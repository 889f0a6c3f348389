"""The one error format: 400 with field errors, 401, 403, 404 and 409 with a readable message."""

import pytest

from core.roles import Role
from procurement import services
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


def test_missing_field_is_a_400_naming_the_field():
    lot = factories.received_lot()
    response = token_client(Role.MINISTRY_OFFICER).post(f"/api/v1/lots/{lot.pk}/hold/", {})
    error = error_of(response)
    assert response.status_code == 400
    assert error["fields"] == {"reason": ["This field is required."]}
    assert "reason" in error["message"]


def test_service_refusal_of_bad_input_is_a_400():
    lot = factories.received_lot()
    response = token_client(Role.MINISTRY_OFFICER).post(
        f"/api/v1/lots/{lot.pk}/hold/", {"reason": "   "}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_role_refused_by_the_service_is_a_403_with_its_sentence():
    lot = factories.received_lot()
    response = token_client(Role.WAREHOUSE_CLERK).post(
        f"/api/v1/lots/{lot.pk}/hold/", {"reason": "suspect"}
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == (
        "Only a ministry officer or an inspector may put a lot on hold."
    )


def test_unknown_object_is_a_404():
    response = token_client(Role.MINISTRY_OFFICER).get("/api/v1/lots/999999/")
    assert response.status_code == 404
    assert error_of(response) == {"status": 404, "code": "not_found", "message": "Not found."}


def test_illegal_transition_is_a_409(officer):
    lot = factories.released_lot(actor=officer)
    services.lot_reject(lot=lot, actor=officer, reason="failed")
    response = token_client(Role.MINISTRY_OFFICER).post(
        f"/api/v1/lots/{lot.pk}/hold/", {"reason": "suspect"}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "illegal_transition"


def test_unknown_api_path_is_a_json_404_not_an_html_page():
    response = token_client(Role.MINISTRY_OFFICER).get("/api/v1/lots/not a number/extra/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_answers_json_500(rf):
    from core.api.errors import server_error

    response = server_error(rf.get("/api/v1/lots/"))
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content
