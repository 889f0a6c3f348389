"""Sign-in is rate-limited per address: past the limit the page answers 429 and says to wait."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_too_many_sign_in_attempts_answer_429(settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    client = Client()
    statuses = [
        client.post("/accounts/login/", {"username": f"u{i}", "password": "wrong"}).status_code
        for i in range(4)
    ]
    assert statuses[:3] == [200, 200, 200]
    response = client.post("/accounts/login/", {"username": "x", "password": "wrong"})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many attempts" in response.content.decode()


def test_sign_in_page_itself_is_not_limited(settings):
    settings.LOGIN_RATE_LIMIT = "1/m"
    client = Client()
    assert all(client.get("/accounts/login/").status_code == 200 for _ in range(3))
