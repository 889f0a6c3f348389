"""A soak on loopback: gunicorn (2 sync workers, a random free port on 127.0.0.1) serves the demo
story from PostgreSQL while 20 simulated users work at once, for SOAK_SECONDS and at most
SOAK_MAX_REQUESTS requests: 10 hospital staff on the portal's pages (signed-in sessions, each on
their own hospital's deliveries and notice) and 10 ministry officers on the ministry panel (the
dashboard, change lists, reports) and on the API with their own tokens.

Every request must answer 200 (no server error, no refusal, no redirect to the sign-in page) and
none may fail to connect. Each page is requested twice before the clock starts (the workers'
first requests load the URL map and templates). The request count and the p50/p95/max latency,
overall and per page, are printed (`pytest -s`) and written to var/soak.json.

Duration: SOAK_SECONDS, 60 in CI (the issue's figure), 20 elsewhere so a developer's PostgreSQL
run stays short; SOAK_MAX_REQUESTS (default 20,000) bounds the count.

The data is committed (a transactional test database) so that gunicorn, another process, sees
it. Such a test starts from empty tables, so the project's data migrations (the roles'
permissions, the seed standards) run again first. Static files are collected into a temporary
STATIC_ROOT, as a deployment does."""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from core.roles import Role
from inspections import demo
from inspections.models import Notice
from procurement import services
from procurement.models import Distribution, Lot
from tests import factories
from tests.conftest import IN_CI, rerun_data_migrations
from tests.inspections.test_notice_integration import (
    _test_database_url,
    free_port,
    port_open,
    wait_for,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.soak,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS") or (60 if IN_CI else 20))
SOAK_MAX_REQUESTS = int(os.environ.get("SOAK_MAX_REQUESTS") or 20_000)
HOSPITAL_USERS = 10
OFFICERS = 10
REQUEST_TIMEOUT = 60  # seconds: far above gunicorn's own 30 s worker timeout
REPORT = ROOT / "var" / "soak.json"


# ---------------------------------------------------------------------------------------------
# The simulated users


@dataclass
class User:
    """One simulated user: the headers it signs in with and the pages it cycles through."""

    name: str
    headers: dict[str, str]
    paths: list[str]


@dataclass
class Tally:
    """What every request answered and how long it took, shared by the users' threads."""

    limit: int
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)  # answered, but not 200
    errors: list[str] = field(default_factory=list)  # no answer: refused, reset, timed out
    started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_turn(self) -> bool:
        """Reserve one request of the budget; False once it is spent."""
        with self.lock:
            if self.started >= self.limit:
                return False
            self.started += 1
            return True

    def answered(self, path: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_page.setdefault(_page(path), []).append(seconds)
            self.statuses[status] += 1
            if status != 200:
                self.refusals.append(f"{path}: {status}")

    def failed(self, path: str, error: str) -> None:
        with self.lock:
            self.errors.append(f"{path}: {error}")


def _get(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **headers})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _work(user: User, port: int, tally: Tally, deadline: float, seed: int) -> None:
    order = random.Random(seed)
    while time.monotonic() < deadline and tally.take_turn():
        path = order.choice(user.paths)
        started = time.perf_counter()
        try:
            status = _get(port, path, user.headers)
        except OSError as error:  # refused, reset, timed out: a failure of the server
            tally.failed(path, f"{user.name}: {error!r}")
        else:
            tally.answered(path, status, time.perf_counter() - started)


def _warm_up(port: int, users: list[User]) -> None:
    """Every page once per worker before the clock starts: each gunicorn worker loads the URL
    map, the admin and the templates on its first requests. Not counted; each must answer 200."""
    seen = set()
    for user in users:
        for path in user.paths:
            if _page(path) not in seen:
                seen.add(_page(path))
                for _worker in range(2):
                    assert _get(port, path, user.headers) == 200, path


def _page(path: str) -> str:
    """The page a path shows, ids left out: /hospital/notices/12/ -> /hospital/notices/<id>/."""
    return "/".join("<id>" if part.isdigit() else part for part in path.split("/"))


def _latency_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values) * 1000, 1),
        "p95": round(_percentile(values, 95) * 1000, 1),
        "max": round(max(values) * 1000, 1),
    }


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


# ---------------------------------------------------------------------------------------------
# Data, users and the server


def _session_cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


def _hospital_staff() -> list[User]:
    """The demo's nurse and nine more staff, each signed in, each on the pages of a hospital
    that got masks and a recall notice."""
    nurse = get_user_model().objects.get(username="nurse")
    notices = list(Notice.objects.select_related("hospital").order_by("hospital__code"))
    people = [(nurse, notices[0])]
    assert notices[0].hospital.code == demo.supply.NURSE_HOSPITALS[0]
    for number, notice in enumerate(notices[1:HOSPITAL_USERS], start=1):
        membership = factories.HospitalMembershipFactory(
            hospital=notice.hospital, user__username=f"soak-staff-{number}"
        )
        people.append((membership.user, notice))
    users = []
    for person, notice in people:
        delivery = Distribution.objects.filter(hospital=notice.hospital).order_by("pk").first()
        paths = [
            "/hospital/",
            "/hospital/deliveries/",
            f"/hospital/deliveries/{delivery.pk}/",
            "/hospital/notices/",
            f"/hospital/notices/{notice.pk}/",
            "/hospital/stock/",
            "/hospital/complaints/",
            "/static/admin/css/base.css",
        ]
        users.append(User(person.username, _session_cookie(person), paths))
    assert len(users) == HOSPITAL_USERS
    return users


def _officers() -> list[User]:
    """Ten officers, the demo's among them: five signed in on the ministry panel, five on the
    API, each with a token of their own."""
    demo_officer = get_user_model().objects.get(username="officer")
    recall = demo.demo_recalls().first()
    lot = Lot.objects.order_by("lot_number").first()
    panel = [
        "/admin/",
        "/admin/procurement/lot/",
        "/admin/inspections/recall/",
        f"/admin/reports/recalls/{recall.pk}/",
        f"/admin/reports/lots/{lot.pk}/",
        "/ministry/",
    ]
    api = ["/api/v1/lots/", f"/api/v1/lots/{lot.pk}/", f"/api/v1/lots/{lot.pk}/events/",
           "/api/v1/suppliers/"]  # fmt: skip
    users = []
    for number in range(OFFICERS):
        if number % 2 == 0:
            person = demo_officer if number == 0 else factories.UserFactory(
                username=f"soak-officer-{number}", role=Role.MINISTRY_OFFICER
            )  # fmt: skip
            users.append(User(person.username, _session_cookie(person), panel))
        else:
            _token, key = services.api_token_create(
                name=f"soak {number}", role=Role.MINISTRY_OFFICER, actor=demo_officer
            )
            users.append(User(f"token {number}", {"Authorization": f"Bearer {key}"}, api))
    return users


@pytest.fixture
def demo_story(postgres_only):
    """The demo story, committed, with the simulated users' sessions and tokens."""
    rerun_data_migrations()
    demo.load_demo(force=True)
    return _hospital_staff() + _officers()


@pytest.fixture
def gunicorn(demo_story):
    """gunicorn with 2 workers on a free loopback port, against the test database."""
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_test_database_url(),
        SECRET_KEY=settings.SECRET_KEY,  # the sessions' auth hashes are keyed with it
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="false",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        EMAIL_FILE_PATH=str(workdir / "mail"),
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        # 20 users at full speed are well past a person's pace; the throttle is not under test.
        API_THROTTLE_USER="1000000/minute",
        LOG_LEVEL="WARNING",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
        cwd=ROOT, env=env, check=True, timeout=300,
    )  # fmt: skip
    port = free_port()
    log = workdir / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "--error-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(lambda: port_open(port), what="gunicorn to listen", timeout=60, logs=[log])
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def test_twenty_users_for_the_soak_get_no_server_error(demo_story, gunicorn):
    port, log = gunicorn
    users = demo_story
    assert len(users) == HOSPITAL_USERS + OFFICERS
    tally = Tally(limit=SOAK_MAX_REQUESTS)
    _warm_up(port, users)

    # when twenty users work at once until the time or the request budget runs out
    started = time.monotonic()
    deadline = started + SOAK_SECONDS
    threads = [
        threading.Thread(target=_work, args=(user, port, tally, deadline, seed))
        for seed, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SOAK_SECONDS + REQUEST_TIMEOUT + 30)
    elapsed = time.monotonic() - started

    # then the figures are reported
    figures = {
        "users": len(users),
        "seconds": round(elapsed, 1),
        "requests": len(tally.latencies),
        "requests_per_second": round(len(tally.latencies) / elapsed, 1),
        "statuses": {str(status): count for status, count in sorted(tally.statuses.items())},
        "connection_errors": len(tally.errors),
        "latency_ms": _latency_ms(tally.latencies) if tally.latencies else {},
        "latency_ms_by_page": {
            page: {"requests": len(values), **_latency_ms(values)}
            for page, values in sorted(tally.by_page.items())
        },
        "limits": {"seconds": SOAK_SECONDS, "max_requests": SOAK_MAX_REQUESTS},
    }  # fmt: skip
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nsoak: {json.dumps(figures)}")

    # and every request answered 200: no server error, no refusal, no connection failure
    assert all(not thread.is_alive() for thread in threads)
    assert tally.errors == [], (tally.errors[:20], log.read_text()[-3000:])
    assert tally.refusals == [], (tally.refusals[:20], log.read_text()[-3000:])
    assert tally.latencies, "no request was made"
    assert elapsed < SOAK_SECONDS + REQUEST_TIMEOUT + 30
