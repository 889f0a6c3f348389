"""config/settings.py as a process sees it at start-up, under a controlled environment.

Each case starts a fresh interpreter, because settings are read once per process. The variables
the settings read are removed from the child's environment and only the case's own are set, and
the project's .env is not read (`environ.Env.read_env` is stubbed), so a developer's .env cannot
change the outcome. One case reads the real .env to show that the environment wins over it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text()

# Every variable the settings read: env.<type>("NAME") and _required_when_not_debug("NAME")
SETTINGS_VARIABLES = frozenset(
    re.findall(r'(?:env(?:\.\w+)?|_required_when_not_debug)\(\s*"(\w+)"', SETTINGS_SOURCE)
)

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "tracker.ministry.example",
    "HTTPS": "true",
}

_NO_DOTENV = "import environ\nenviron.Env.read_env = lambda *args, **kwargs: None\n"
_DUMP = """
import json
import django
django.setup()
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DB_ENGINE": db["ENGINE"],
    "DB_NAME": str(db["NAME"]),
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_FILE_PATH": str(getattr(s, "EMAIL_FILE_PATH", "")),
    "EMAIL_HOST": s.EMAIL_HOST,
    "EMAIL_PORT": s.EMAIL_PORT,
    "STATICFILES_BACKEND": s.STORAGES["staticfiles"]["BACKEND"],
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
}))
"""


def _run(code: str, *, read_dotenv: bool = False, **env: str) -> subprocess.CompletedProcess:
    """Run Python code in a fresh interpreter with only the given settings variables set."""
    child_env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    child_env.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", ("" if read_dotenv else _NO_DOTENV) + code],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(**env: str) -> dict:
    result = _run(_DUMP, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _start_up_error(**env: str) -> str:
    result = _run("import django\ndjango.setup()\n", **env)
    assert result.returncode != 0, "settings loaded although they should have refused"
    return result.stderr.strip().splitlines()[-1]


def _check_deploy(*extra_args: str) -> subprocess.CompletedProcess:
    code = (
        "from django.core.management import execute_from_command_line\n"
        f"execute_from_command_line(['manage.py', 'check', '--deploy', *{list(extra_args)!r}])\n"
    )
    return _run(code, **PRODUCTION_ENV)


def _check_ids(output: str) -> set[str]:
    return set(re.findall(r"\(([\w.]+\.[EW]\d{3})\)", output))


def test_the_variables_the_settings_read_are_found():
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= (
        SETTINGS_VARIABLES
    )


def test_without_debug_a_missing_secret_key_stops_start_up_naming_it():
    last_line = _start_up_error(DEBUG="false", ALLOWED_HOSTS="tracker.ministry.example")

    assert last_line.startswith(
        "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set"
    )


def test_without_debug_an_empty_secret_key_counts_as_missing():
    last_line = _start_up_error(
        DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="tracker.ministry.example"
    )

    assert "SECRET_KEY is not set" in last_line


def test_the_environment_wins_over_dotenv_so_an_empty_secret_key_still_stops_start_up():
    # given the real .env (make setup writes a SECRET_KEY there) is read this time
    result = _run("import django\ndjango.setup()\n", read_dotenv=True, DEBUG="false", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_without_debug_missing_allowed_hosts_stops_start_up_naming_it():
    last_line = _start_up_error(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="")

    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in last_line


def test_debug_off_is_the_default():
    last_line = _start_up_error()

    assert "SECRET_KEY is not set" in last_line


def test_with_debug_it_starts_with_development_defaults():
    values = _settings(DEBUG="true")

    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == "insecure-development-key-do-not-deploy"
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert values["STATICFILES_BACKEND"].endswith(".StaticFilesStorage")
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_without_debug_cookies_are_secure_and_static_files_are_hashed():
    values = _settings(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a.example, b.example")

    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    # X-Forwarded-Proto is trusted only behind a declared TLS proxy (HTTPS=true or
    # BEHIND_TLS_PROXY=true): tests/test_security_settings.py.
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["STATICFILES_BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_without_a_broker_celery_tasks_run_eagerly_in_process():
    values = _settings(DEBUG="true")

    assert values["CELERY_BROKER_URL"] == ""
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True


def test_with_a_broker_celery_tasks_go_to_the_worker():
    values = _settings(DEBUG="true", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")

    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_by_default_mail_is_written_as_files_under_var_mail():
    values = _settings(DEBUG="true")

    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(values["EMAIL_FILE_PATH"]) == ROOT / "var" / "mail"


def test_email_url_switches_to_smtp():
    values = _settings(DEBUG="true", EMAIL_URL="smtp://mail:1025")

    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("mail", 1025)


def test_by_default_the_database_is_sqlite_under_var():
    values = _settings(DEBUG="true")

    assert values["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert Path(values["DB_NAME"]) == ROOT / "var" / "tracker.sqlite3"


def test_database_url_selects_postgresql():
    values = _settings(DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:5432/tracker")

    assert values["DB_ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "tracker"


def test_check_deploy_is_clean_under_production_settings():
    result = _check_deploy("--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
