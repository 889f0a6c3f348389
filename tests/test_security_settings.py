"""The security settings: `check --deploy` clean under production settings, the HTTPS switch and
what it turns on, and the headers every response carries (Content Security Policy included).

Settings are read once per process, so the cases about the environment start a fresh
interpreter (tests/test_settings.py's `_run`: only the case's own variables, no .env)."""

from __future__ import annotations

import json
import re
import secrets

import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_settings import _run

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "tracker.ministry.example",
    "HTTPS": "true",
    # Several gunicorn processes share their rate-limit counts through Redis (nothing connects
    # to it during the check).
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}

# Silenced in config/settings.py, each with its reason there: django-ratelimit names only
# memcached and django-redis as supported, Django's own Redis cache counts atomically too.
JUSTIFIED_SILENCED = {"django_ratelimit.W001"}

_SECURITY_DUMP = """
import json
import django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SILENCED_SYSTEM_CHECKS",
)}))
"""


def _security_settings(**env: str) -> dict:
    result = _run(_SECURITY_DUMP, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing_under_production_settings():
    code = (
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])\n"
    )
    result = _run(code, **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert not re.search(r"\((\w+\.)?[EW]\d{3}\)", result.stdout + result.stderr)
    silenced = _security_settings(**PRODUCTION_ENV)["SILENCED_SYSTEM_CHECKS"]
    assert set(silenced) == JUSTIFIED_SILENCED


def test_check_deploy_warns_when_production_forgets_https():
    env = {**PRODUCTION_ENV, "HTTPS": "false"}
    code = (
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check', '--deploy'])\n"
    )
    result = _run(code, **env)

    # HSTS (W004) and the redirect to HTTPS (W008) are what HTTPS=true turns on.
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout


def test_https_turns_on_the_redirect_hsts_and_the_proxy_header():
    values = _security_settings(**PRODUCTION_ENV)

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


def test_without_https_plain_http_keeps_working_but_cookies_stay_secure():
    values = _security_settings(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a.example")

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


def test_the_demo_with_debug_sends_cookies_over_plain_http():
    values = _security_settings(DEBUG="true")

    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False


def test_https_behind_gunicorn_s_own_tls_need_not_trust_a_forwarded_header():
    values = _security_settings(**PRODUCTION_ENV, BEHIND_TLS_PROXY="false")

    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["SECURE_SSL_REDIRECT"] is True


def test_each_switch_can_still_be_set_on_its_own():
    values = _security_settings(**PRODUCTION_ENV, SECURE_HSTS_SECONDS="3600")

    assert values["SECURE_HSTS_SECONDS"] == 3600


# --- Response headers (the suite's own settings: DEBUG off, plain HTTP) ------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_a_page_carries_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_a_page_carries_the_other_security_headers(client):
    response = client.get(reverse("login"))

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_allow_data_images_and_their_one_style_by_nonce(client):
    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["img-src"] == ["'self'", "data:"]
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert nonce, "the docs page's <style> has no nonce"
    assert f"'nonce-{nonce[1]}'" in policy["style-src"]
    # The start-up script is a file of its own (?script), not inline.
    assert "<script>" not in response.content.decode()
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")


# E-mails are not web pages: mail clients ignore stylesheets, so they keep inline styles.
PAGE_TEMPLATES = sorted(
    path
    for path in (settings.BASE_DIR / "templates").rglob("*.html")
    if "emails" not in path.relative_to(settings.BASE_DIR / "templates").parts
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_WITHOUT_NONCE = re.compile(r"<style(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.IGNORECASE)
TEMPLATE_COMMENT = re.compile(r"{% comment %}.*?{% endcomment %}|{#.*?#}", re.DOTALL)


@pytest.mark.parametrize(
    "template", PAGE_TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_no_page_template_has_what_the_policy_refuses(template):
    text = TEMPLATE_COMMENT.sub("", template.read_text())

    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static file"
    assert not STYLE_WITHOUT_NONCE.search(text), "<style> without nonce: use a stylesheet"
    assert not STYLE_ATTRIBUTE.search(text), "style= attribute: use a CSS class"
    assert not EVENT_HANDLER.search(text), "on...= handler: attach it from a static script"


def test_page_templates_are_found():
    assert len(PAGE_TEMPLATES) > 50


def test_the_suite_itself_runs_without_https():
    # The test client speaks plain HTTP: with HTTPS on, every request would be a redirect.
    assert settings.SECURE_SSL_REDIRECT is False
