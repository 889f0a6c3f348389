"""Sign-in is limited per user name too, not only per address (tests/test_login_rate_limit.py):
guessing one account's password from many addresses is refused all the same."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_guessing_one_account_from_many_addresses_answers_429(settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    statuses = [
        Client(REMOTE_ADDR=f"192.0.2.{i}")
        .post("/accounts/login/", {"username": "officer", "password": f"guess {i}"})
        .status_code
        for i in range(1, 5)
    ]

    assert statuses == [200, 200, 200, 429]


def test_other_accounts_can_still_sign_in_from_elsewhere_meanwhile(settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    for i in range(1, 5):
        Client(REMOTE_ADDR=f"192.0.2.{i}").post(
            "/accounts/login/", {"username": "officer", "password": f"guess {i}"}
        )

    response = Client(REMOTE_ADDR="198.51.100.7").post(
        "/accounts/login/", {"username": "nurse", "password": "wrong"}
    )

    assert response.status_code == 200
