"""Shared fixtures, and the rule that in CI (CI=true) a missing service fails, never skips."""

from __future__ import annotations

import os
import socket

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations.special import RunPython
from django.utils import translation

from core.roles import Role
from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"


def rerun_data_migrations() -> None:
    """Run the project's data migrations (roles and their permissions, locations, the seed
    standards) again, each with the models as of its migration, as `migrate` ran them. They only
    add what is missing. A transactional test (a live server, gunicorn) starts from tables an
    earlier one flushed, without them. (Serialized rollback would restore them too, but collides
    with the content types an earlier transactional test's flush re-creates.)"""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    for migration, _backwards in plan:
        if migration.app_label not in ("procurement", "inspections"):
            continue
        steps = [op for op in migration.operations if isinstance(op, RunPython)]
        if steps:
            state = executor.loader.project_state((migration.app_label, migration.name))
            with connection.schema_editor() as editor:
                for step in steps:
                    step.code(state.apps, editor)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_service(available: bool, what: str) -> None:
    """Skip when a service is missing on a developer's machine; fail in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Unit tests run tasks eagerly even when CI points CELERY_BROKER_URL at Redis; the
    integration tests start a real worker in a subprocess instead."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _english_unless_a_test_asks():
    """A request in Dutch leaves Dutch active in the thread (as in a server, where the next
    request sets its own language); each test starts, and leaves, in the default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The production hasher costs a few hundred ms per user created or signed in; tests make
    many. Nothing here tests hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and throttle counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_mail_and_static_for_tests(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tests run with DEBUG off and no collectstatic: resolve {% static %} without a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _block_outside_network(monkeypatch):
    """Unit tests talk to nothing but loopback."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not (host.startswith("/") or host.startswith("127."))
        ):
            raise RuntimeError(f"test tried to reach {address}: only loopback is allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def postgres_only():
    """For tests that need PostgreSQL's row locks; in CI the suite runs on PostgreSQL."""
    require_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
    if not url and _port_open("127.0.0.1", 6379) and IN_CI:
        url = "redis://127.0.0.1:6379/0"
    require_service(bool(url) and _port_open("127.0.0.1", 6379), "Redis (set CELERY_BROKER_URL)")
    return url


@pytest.fixture
def officer(db):
    return factories.UserFactory(username="officer", role=Role.MINISTRY_OFFICER)


@pytest.fixture
def inspector(db):
    return factories.UserFactory(username="inspector", role=Role.INSPECTOR)


@pytest.fixture
def clerk(db):
    return factories.UserFactory(username="clerk", role=Role.WAREHOUSE_CLERK)


@pytest.fixture
def hospital(db):
    return factories.HospitalFactory()


@pytest.fixture
def hospital_user(db, hospital):
    membership = factories.HospitalMembershipFactory(hospital=hospital, user__username="nurse")
    return membership.user
