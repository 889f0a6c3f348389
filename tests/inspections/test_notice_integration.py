"""Recall notices are never lost, shown against real parts on loopback: a real Celery worker
(a subprocess) on real Redis and PostgreSQL, a real SMTP server (aiosmtpd) and a real HTTP
receiver that checks every webhook's HMAC signature.

The recall is issued by another process too (as the web process would), configured only through
the environment; the test process prepares the data, watches the database and plays the
receivers. No beat runs: where a case needs the sweeper, the test runs it (in another process
too) at the moment beat would have. Cases: a recall to 50 hospitals; the broker down while the
recall is issued; a worker killed in the middle of a batch; the mail server down, then up.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from inspections import services
from inspections.models import (
    Channel,
    DeliveryStatus,
    NoticeAttempt,
    NoticeDelivery,
    Recall,
    RecallClass,
)
from procurement import services as procurement
from tests import factories
from tests.conftest import require_service
from tests.faults.checks import assert_clean_after_fault

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
MESSAGE_ID_DOMAIN = "tracker.integration.test"


# ---------------------------------------------------------------------------------------------
# The real parts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(condition: Callable, *, what: str, timeout: float, logs=()) -> object:
    """Poll `condition` until it returns something true; fail with the workers' logs if it
    does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            tails = "\n".join(
                f"--- {log.name} ---\n{log.read_text()[-3000:]}" for log in logs if log.exists()
            )
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{tails}")
        time.sleep(0.1)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a fixed loopback port: started, stopped (the port
    refuses connections) and started again. Every message is recorded when its DATA arrives,
    before the server answers, so a client that dies waiting for the answer still counts as
    delivered once. `hold(n)` makes the server very slow: it does not answer the nth message
    until `release()` (or a minute has passed), and `holding` is set while it waits."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[dict] = []
        self.holding = threading.Event()
        self._hold_at: int | None = None
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def hold(self, number: int) -> None:
        self._hold_at = number

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.messages.append(
                {
                    "message_id": message["Message-ID"],
                    "reference": message["X-Notice-Reference"],
                    "to": list(envelope.rcpt_tos),
                    "subject": str(message["Subject"]),
                }
            )
            held = len(self.messages) == self._hold_at
        if held:
            self.holding.set()
            deadline = time.monotonic() + 60
            while not self._released.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class WebhookReceiver:
    """A real HTTP server that checks each request's HMAC-SHA256 signature with the secret of
    the hospital the payload names, answers 200 (or 401 to a bad signature) and keeps what it
    got."""

    def __init__(self):
        self.secrets: dict[str, str] = {}
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                secret = receiver.secrets.get(payload.get("hospital"), "")
                expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
                verified = bool(secret) and hmac.compare_digest(
                    self.headers.get("X-Tracker-Signature", ""), expected
                )
                receiver.requests.append(
                    {
                        "key": self.headers.get("Idempotency-Key"),
                        "reference": payload.get("notice_reference"),
                        "verified": verified,
                    }
                )
                self.send_response(200 if verified else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/recall-notices"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RedisServer:
    """A private redis-server on its own port, for the tests that stop the broker or kill a
    worker (the machine's shared Redis is never touched)."""

    def __init__(self, logs_dir: Path):
        self.port = free_port()
        self.log = logs_dir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(lambda: port_open(self.port), what="redis-server to listen", timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        wait_for(lambda: not port_open(self.port), what="redis-server to stop", timeout=10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Workers:
    """Celery worker subprocesses (solo pool, one task at a time), each with its own log; every
    one still running is terminated when the test ends."""

    def __init__(self, logs_dir: Path):
        self.logs_dir = logs_dir
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, env: dict) -> subprocess.Popen:
        number = len(self.processes) + 1
        log = self.logs_dir / f"worker-{number}.log"
        with log.open("w") as out:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"notices{number}@%h"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        self.logs.append(log)
        return process

    def wait_ready(self, process: subprocess.Popen) -> None:
        log = self.logs[self.processes.index(process)]

        def ready():
            if process.poll() is not None:
                pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
            return " ready." in log.read_text()

        wait_for(ready, what="the worker to be ready", timeout=30, logs=[log])

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _test_database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def smtp():
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def logs_dir():
    """Where the subprocesses write their logs: a directory of this test's own, not under
    pytest's tmp_path, which another pytest session of the same user may clean up meanwhile."""
    path = Path(tempfile.mkdtemp(prefix="notice-integration-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def workers(transactional_db, logs_dir):
    started = Workers(logs_dir)
    yield started
    started.close()


@pytest.fixture
def private_redis(logs_dir):
    require_service(shutil.which("redis-server") is not None, "redis-server (a private Redis)")
    server = RedisServer(logs_dir)
    server.start()
    yield server
    if server.process is not None:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture
def environment(postgres_only, redis_url):
    """The environment of every process the test starts: the test database, the broker, the
    SMTP server; override per case."""

    def environment(*, broker: str = redis_url, smtp_url: str, **extra: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "EMAIL_URL": smtp_url,
            "EMAIL_MESSAGE_ID_DOMAIN": MESSAGE_ID_DOMAIN,
            "SECRET_KEY": "integration-test-key",
            "ALLOWED_HOSTS": "localhost",
            "DEBUG": "false",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            **extra,
        }

    return environment


def run_django(code: str, env: dict) -> str:
    """Run `code` in a fresh Django process configured by `env` only (as the web process or
    beat would); returns what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def issue_in_another_process(recall: Recall, actor, env: dict) -> None:
    run_django(
        "from django.contrib.auth import get_user_model\n"
        "from inspections.models import Recall\n"
        "from inspections.services import recall_issue\n"
        f"recall_issue(recall=Recall.objects.get(pk={recall.pk}),"
        f" actor=get_user_model().objects.get(pk={actor.pk}))\n",
        env,
    )


def sweep_in_another_process(env: dict) -> int:
    output = run_django(
        "from inspections.services.notices import notices_sweep\nprint(notices_sweep())\n", env
    )
    return int(output.splitlines()[-1])


def draft_recall(officer, clerk, *, hospitals: int, webhook_every: int = 0, receiver=None):
    """A draft recall of one lot delivered to `hospitals` hospitals; every `webhook_every`th
    one has a webhook to `receiver` with its own secret."""
    lot = factories.released_lot(quantity=100 * hospitals)
    for number in range(1, hospitals + 1):
        code = f"H-{number:03d}"
        webhook = bool(webhook_every) and number % webhook_every == 0
        secret = f"secret-of-{code}" if webhook else ""
        hospital = factories.HospitalFactory(
            code=code,
            webhook_url=receiver.url if webhook else "",
            webhook_secret=secret,
        )
        if webhook:
            receiver.secrets[code] = secret
        procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=10, actor=clerk)
    return services.recall_create(
        reference="RC-2020-042",
        lots=[lot],
        reason="Filter membrane fails: 82-91 % filtration against the 94 % required.",
        hazard="Staff treating COVID-19 patients are not protected.",
        recall_class=RecallClass.I,
        response_deadline=timezone.localdate() + dt.timedelta(days=7),
        coordinator=officer,
        actor=officer,
    )


def statuses(recall: Recall) -> Counter:
    return Counter(
        NoticeDelivery.objects.filter(notice__recall=recall).values_list("status", flat=True)
    )


def all_delivered(recall: Recall, expected: int) -> bool:
    return statuses(recall) == Counter({DeliveryStatus.DELIVERED: expected})


def expected_message_ids(recall: Recall) -> dict[str, str]:
    """{notice reference: the Message-ID its e-mail must carry}."""
    return {
        notice.reference: f"<notice-{notice.pk}@{MESSAGE_ID_DOMAIN}>"
        for notice in recall.notices.select_related("recall", "hospital")
    }


def assert_duplicates_share_one_identity(recall: Recall, smtp: SmtpSink, receiver) -> None:
    """Every notice reached each receiver at least once, and every copy of it carried the same
    Message-ID (e-mail) or Idempotency-Key (webhook): a receiver can drop the duplicates."""
    message_ids = defaultdict(set)
    for message in smtp.messages:
        message_ids[message["reference"]].add(message["message_id"])
    expected = expected_message_ids(recall)
    assert {reference: {mid} for reference, mid in expected.items()} == dict(message_ids)
    if receiver is not None:
        keys = defaultdict(set)
        for request in receiver.requests:
            assert request["verified"], request
            keys[request["reference"]].add(request["key"])
        webhook_notices = {
            notice.reference: {str(notice.pk)}
            for notice in recall.notices.select_related("recall", "hospital").exclude(
                hospital__webhook_url=""
            )
        }
        assert dict(keys) == webhook_notices


def assert_clean_after_recovery(recall: Recall, smtp: SmtpSink, receiver=None) -> None:
    """The after-checks every fault test ends with (tests/faults/checks.py): nothing
    half-written, the ledger clean, every notice delivered once per key."""
    assert_clean_after_fault(
        recall,
        emails=[(message["reference"], message["message_id"]) for message in smtp.messages],
        webhooks=[(request["reference"], request["key"]) for request in receiver.requests]
        if receiver is not None
        else [],
        message_id_domain=MESSAGE_ID_DOMAIN,
    )


# ---------------------------------------------------------------------------------------------
# Cases


def test_a_recall_to_fifty_hospitals_reaches_every_one_by_email_and_signed_webhook(
    environment, workers, smtp, receiver, officer, clerk
):
    worker = workers.start(environment(smtp_url=smtp.url))
    recall = draft_recall(officer, clerk, hospitals=50, webhook_every=2, receiver=receiver)
    workers.wait_ready(worker)

    issue_in_another_process(recall, officer, environment(smtp_url=smtp.url))

    wait_for(
        lambda: all_delivered(recall, 75),
        what="75 deliveries (50 e-mails, 25 webhooks)",
        timeout=45,
        logs=workers.logs,
    )
    assert len(smtp.messages) == 50
    message_ids = [message["message_id"] for message in smtp.messages]
    assert len(set(message_ids)) == 50
    assert set(message_ids) == set(expected_message_ids(recall).values())
    contact = {n.reference: n.hospital.contact_email for n in recall.notices.all()}
    for message in smtp.messages:
        assert message["to"] == [contact[message["reference"]]]
        assert message["subject"].startswith("URGENT: Recall RC-2020-042 (class I)")
    assert len(receiver.requests) == 25
    assert all(request["verified"] for request in receiver.requests)
    assert_duplicates_share_one_identity(recall, smtp, receiver)
    assert not NoticeAttempt.objects.filter(succeeded=False).exists()
    assert_clean_after_recovery(recall, smtp, receiver)


def test_a_broker_outage_while_the_recall_is_issued_delays_the_notices_but_loses_none(
    private_redis, environment, workers, smtp, receiver, officer, clerk
):
    env = environment(broker=private_redis.url, smtp_url=smtp.url)
    worker = workers.start(env)
    recall = draft_recall(officer, clerk, hospitals=20, webhook_every=4, receiver=receiver)
    workers.wait_ready(worker)

    # given the broker goes down, then the recall is issued: the transaction commits, the
    # tasks cannot be queued
    private_redis.stop()
    issue_in_another_process(recall, officer, env)

    assert statuses(recall) == Counter({DeliveryStatus.PENDING: 25})
    assert not NoticeAttempt.objects.exists()
    assert smtp.messages == [] and receiver.requests == []

    # when the broker is back and the sweeper runs
    private_redis.start()
    assert sweep_in_another_process(env) == 25

    # then the same worker, reconnected, delivers every notice
    wait_for(
        lambda: all_delivered(recall, 25),
        what="every notice after the broker came back",
        timeout=45,
        logs=workers.logs,
    )
    assert worker.poll() is None  # the same worker, reconnected
    assert len(smtp.messages) == 20 and len(receiver.requests) == 5
    assert_duplicates_share_one_identity(recall, smtp, receiver)
    assert_clean_after_recovery(recall, smtp, receiver)


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_duplicates_keep_one_identity(
    private_redis, environment, workers, smtp, receiver, officer, clerk
):
    # A private broker: the killed worker's unacknowledged message goes away with it.
    claim_expires = 3
    env = environment(
        broker=private_redis.url,
        smtp_url=smtp.url,
        OUTBOX_CLAIM_EXPIRES_SECONDS=str(claim_expires),
    )
    smtp.hold(5)  # the mail server does not answer the fifth message: the batch is half-way
    first = workers.start(env)
    recall = draft_recall(officer, clerk, hospitals=12, webhook_every=2, receiver=receiver)
    workers.wait_ready(first)
    issue_in_another_process(recall, officer, env)

    # when the worker is killed while the mail server holds a message it has not answered
    wait_for(smtp.holding.is_set, what="the fifth e-mail", timeout=30, logs=workers.logs)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    smtp.release()
    [stuck] = NoticeDelivery.objects.filter(notice__recall=recall, status=DeliveryStatus.SENDING)
    assert stuck.channel == Channel.EMAIL
    assert stuck.notice.reference == smtp.messages[4]["reference"]
    assert statuses(recall)[DeliveryStatus.DELIVERED] < 17

    # then a new worker takes the rest of the queue; the claimed delivery waits for its claim
    # to expire, and the sweeper re-queues it
    second = workers.start(env)
    workers.wait_ready(second)
    wait_for(
        lambda: (
            statuses(recall) == Counter({DeliveryStatus.DELIVERED: 17, DeliveryStatus.SENDING: 1})
        ),
        what="the new worker to drain the queue",
        timeout=30,
        logs=workers.logs,
    )
    time.sleep(max(0.0, claim_expires + 0.5 - (time.monotonic() - killed_at)))
    assert sweep_in_another_process(env) == 1
    wait_for(
        lambda: all_delivered(recall, 18),
        what="the abandoned delivery to be sent again",
        timeout=20,
        logs=workers.logs,
    )

    # every notice arrived; the one the mail server got twice carried the same Message-ID
    references = Counter(message["reference"] for message in smtp.messages)
    assert len(smtp.messages) == 13
    assert references[stuck.notice.reference] == 2
    assert_duplicates_share_one_identity(recall, smtp, receiver)
    stuck.refresh_from_db()
    assert stuck.attempt_count == 1  # the killed worker never recorded its try
    assert [attempt.succeeded for attempt in stuck.attempts.all()] == [True]
    assert_clean_after_recovery(recall, smtp, receiver)


def test_a_mail_server_that_is_down_gets_every_notice_once_it_is_back(
    environment, workers, officer, clerk
):
    smtp = SmtpSink(free_port())  # nothing listens on its port yet
    env = environment(smtp_url=smtp.url)
    worker = workers.start(env)
    recall = draft_recall(officer, clerk, hospitals=10)
    workers.wait_ready(worker)

    try:
        # when the recall is issued while the mail server is down
        issue_in_another_process(recall, officer, env)

        # then every delivery is waiting for a retry, its failed attempt recorded
        wait_for(
            lambda: (
                statuses(recall) == Counter({DeliveryStatus.PENDING: 10})
                and NoticeAttempt.objects.filter(
                    delivery__notice__recall=recall, succeeded=False
                ).count()
                == 10
            ),
            what="a failed attempt per e-mail",
            timeout=30,
            logs=workers.logs,
        )
        for delivery in NoticeDelivery.objects.filter(notice__recall=recall):
            assert delivery.channel == Channel.EMAIL
            assert delivery.attempt_count == 1
            assert delivery.next_attempt_at > timezone.now()
            [attempt] = delivery.attempts.all()
            assert not attempt.permanent
            assert "refused" in attempt.error.lower()

        # when the mail server is back and the retries are due, the sweeper sends them
        smtp.start()
        NoticeDelivery.objects.filter(notice__recall=recall).update(next_attempt_at=timezone.now())
        assert sweep_in_another_process(env) == 10
        wait_for(
            lambda: all_delivered(recall, 10),
            what="every e-mail once the mail server is back",
            timeout=30,
            logs=workers.logs,
        )
    finally:
        smtp.stop()

    assert len(smtp.messages) == 10
    assert_duplicates_share_one_identity(recall, smtp, None)
    for delivery in NoticeDelivery.objects.filter(notice__recall=recall):
        assert [attempt.succeeded for attempt in delivery.attempts.all()] == [False, True]
    assert_clean_after_recovery(recall, smtp)
