"""Choosing the language of pages: signed-in users keep it on their account, visitors in a
cookie; the header's switcher offers both languages by their own names."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from procurement.models import UserPreference

LANGUAGE_SET = reverse("language_set")


def test_choosing_dutch_is_remembered_and_the_next_pages_are_dutch(staff_client, hospital_user):
    home = reverse("hospital_home")

    response = staff_client.post(LANGUAGE_SET, {"language": "nl", "next": home})

    assert response.status_code == 302
    assert response["Location"] == home
    assert UserPreference.objects.get(user=hospital_user).language == "nl"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert '<html lang="nl">' in staff_client.get(home).content.decode()


def test_the_choice_holds_in_a_new_session(client, hospital_user):
    client.force_login(hospital_user)
    client.post(LANGUAGE_SET, {"language": "nl"})
    client.logout()
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)

    client.force_login(hospital_user)
    content = client.get(reverse("hospital_home")).content.decode()

    assert '<html lang="nl">' in content


def test_switching_back_to_english(staff_client, hospital_user):
    staff_client.post(LANGUAGE_SET, {"language": "nl"})

    staff_client.post(LANGUAGE_SET, {"language": "en"})

    assert UserPreference.objects.get(user=hospital_user).language == "en"
    assert '<html lang="en">' in staff_client.get(reverse("hospital_home")).content.decode()


def test_every_signed_in_role_may_choose(client, officer):
    client.force_login(officer)

    response = client.post(LANGUAGE_SET, {"language": "nl", "next": reverse("ministry_home")})

    assert response["Location"] == reverse("ministry_home")
    assert UserPreference.objects.get(user=officer).language == "nl"


def test_an_unknown_language_is_refused_and_changes_nothing(staff_client, hospital_user):
    response = staff_client.post(LANGUAGE_SET, {"language": "de"}, follow=True)

    assert not UserPreference.objects.filter(user=hospital_user).exists()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "Choose one of the languages offered." in response.content.decode()
    assert '<html lang="en">' in response.content.decode()


def test_an_unsafe_next_is_ignored(staff_client):
    for unsafe in ("https://evil.example/phish", "//evil.example/", "javascript:alert(1)"):
        response = staff_client.post(LANGUAGE_SET, {"language": "nl", "next": unsafe})

        assert response["Location"] == reverse("home"), unsafe


def test_an_anonymous_visitor_is_sent_to_sign_in_and_a_get_is_not_allowed(client, hospital_user):
    anonymous = client.post(LANGUAGE_SET, {"language": "nl"})
    client.force_login(hospital_user)
    get = client.get(LANGUAGE_SET)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert get.status_code == 405
    assert not UserPreference.objects.exists()


# ---------------------------------------------------------------------------------------------
# The switcher in the header


def test_a_signed_in_user_s_switcher_posts_to_their_account(staff_client):
    content = staff_client.get(reverse("hospital_home")).content.decode()

    assert f'action="{LANGUAGE_SET}"' in content
    assert 'lang="en" class="language-switch__option" aria-pressed="true">English<' in content
    assert 'lang="nl" class="language-switch__option" aria-pressed="false">Nederlands<' in content
    assert f'name="next" value="{reverse("hospital_home")}"' in content


def test_a_visitor_s_switcher_posts_to_djangos_set_language(client, db):
    content = client.get(reverse("login")).content.decode()

    assert f'action="{reverse("set_language")}"' in content
    assert "Nederlands" in content

    response = client.post(reverse("set_language"), {"language": "nl", "next": reverse("login")})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert '<html lang="nl">' in client.get(reverse("login")).content.decode()
