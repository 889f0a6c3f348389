"""Errors are pages of the app: styled, in the user's language, with a way back."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_apps_not_found_page(client, hospital_user):
    client.force_login(hospital_user)

    response = client.get(reverse("hospital_delivery", args=[987654]))

    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert "records of other hospitals are not shown" in content
    assert 'href="/"' in content
    assert "tracker.css" in content


def test_a_page_of_another_role_is_the_apps_not_allowed_page(client, clerk):
    client.force_login(clerk)

    response = client.get(reverse("hospital_home"))

    assert response.status_code == 403
    assert "Your role does not give access to this page." in response.content.decode()
