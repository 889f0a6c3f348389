"""Benchmark 2, notice delivery: 10,000 recall notices delivered by 2 Celery worker processes
through Redis to a local SMTP server.

    .venv/bin/python -m bench.notice_delivery [--notices 10000] [--json out.json]

Data: 10,000 hospitals (bulk_create, no webhook: one e-mail delivery each), one lot released
through the services and dispatched to all of them.

SMTP server: aiosmtpd in this process on a free loopback port, a sink that accepts every
message, counts it and notes when it arrived.

Tracker: a Celery worker (`celery -A config worker --concurrency 2`: two worker processes) on
Redis DB 7, mailing through `EMAIL_URL=smtp://127.0.0.1:<port>`. The recall is issued here
(`recall_create` + `recall_issue`), which queues the deliveries after its commit; the clock runs
from that commit to the moment the sink has the last of the 10,000 messages (and every delivery
row says delivered). The figure is messages per second over that span.

Baseline: the same 10,000 messages (rendered beforehand by `notice_email`, as bytes), sent by a
plain loop over one SMTP connection (`smtplib.SMTP.sendmail`) to the same sink: its rate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import smtplib
import socket
import subprocess
import threading
import time

from bench.common import (
    ROOT,
    Figure,
    benchmark_database,
    django_env,
    hospitals_make,
    people,
    released_lots,
    say,
)

TARGET_RATIO = 0.5
QUANTITY = 12
WAIT_SECONDS = 900


class Sink:
    """An aiosmtpd handler that keeps only a count and the arrival times."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.first = self.last = 0.0

    async def handle_DATA(self, server, session, envelope) -> str:
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"

    def reset(self) -> None:
        with self.lock:
            self.count, self.first, self.last = 0, 0.0, 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notice_delivery", description=__doc__)
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with benchmark_database("delivery") as url:
            figure = run(url, port, sink, args.notices)
    finally:
        controller.stop()
    if args.json:
        figure.write(args.json)
    return 0


def run(url: str, port: int, sink: Sink, count: int) -> Figure:
    from procurement import services

    officer, clerk = people()
    hospitals = hospitals_make(count)
    (lot,) = released_lots([QUANTITY * count], officer)
    services.distribution_dispatch_many(
        lot=lot, rows=[(hospital, QUANTITY) for hospital in hospitals], actor=clerk
    )
    _purge()
    worker = _worker(url, port)
    try:
        tracker = _tracker(lot, officer, sink, count)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    sink.reset()
    baseline = _baseline(port, sink, count)
    say(
        f"  tracker {tracker['rate']:.0f} msg/s ({tracker['seconds']:.1f} s from the commit), "
        f"plain loop {baseline['rate']:.0f} msg/s ({baseline['seconds']:.1f} s)"
    )
    ratio = baseline["rate"] / tracker["rate"]
    return Figure(
        number=2,
        name=f"Notice delivery ({count:,} e-mails, 2 worker processes)",
        unit="msg/s",
        tracker=tracker["rate"],
        baseline=baseline["rate"],
        ratio=ratio,
        target=">= 0.5x the plain loop's rate",
        met=tracker["rate"] >= TARGET_RATIO * baseline["rate"],
        details={"tracker": tracker, "baseline": baseline},
    )


def _worker(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, **django_env(url), "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "--hostname",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    from config.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return worker
    worker.terminate()
    raise SystemExit("the Celery worker did not answer within 120 s")


def _tracker(lot, officer, sink: Sink, count: int) -> dict:
    from django.db import transaction

    from inspections.models import DeliveryStatus, NoticeDelivery, RecallClass
    from inspections.services import recall_create, recall_issue

    marks: dict[str, float] = {}
    with transaction.atomic():
        transaction.on_commit(lambda: marks.setdefault("committed", time.perf_counter()))
        recall = recall_create(
            reference="RC-BENCH-DELIVERY",
            lots=[lot],
            reason="Filtration efficiency under the limit (IR-2).",
            hazard="Staff exposed to airborne particles.",
            recall_class=RecallClass.I,
            response_deadline=dt.date.today() + dt.timedelta(days=7),
            coordinator=officer,
            actor=officer,
        )
        recall_issue(recall=recall, actor=officer)
    queued = time.perf_counter()
    deadline = time.monotonic() + WAIT_SECONDS
    while sink.count < count and time.monotonic() < deadline:
        time.sleep(0.05)
    arrived = sink.last
    deliveries = NoticeDelivery.objects.filter(notice__recall=recall)
    while time.monotonic() < deadline:
        delivered = deliveries.filter(status=DeliveryStatus.DELIVERED).count()
        if delivered >= count:
            break
        time.sleep(0.2)
    assert sink.count == count, f"the sink got {sink.count} of {count} messages"
    assert delivered == count, f"{delivered} of {count} deliveries recorded as delivered"
    seconds = arrived - marks["committed"]
    return {
        "rate": count / seconds,
        "seconds": seconds,
        "queueing_seconds": queued - marks["committed"],
        "first_to_last_rate": (count - 1) / (sink.last - sink.first),
        "messages": sink.count,
        "delivered_rows": delivered,
    }


def _baseline(port: int, sink: Sink, count: int) -> dict:
    from django.conf import settings

    from inspections.models import Notice
    from inspections.services.notices import notice_email

    notices = Notice.objects.select_related("recall__coordinator", "hospital").order_by("pk")
    messages = [
        (settings.DEFAULT_FROM_EMAIL, [notice.hospital.contact_email], notice_email(notice))
        for notice in notices
    ]
    # As Django's SMTP backend serializes a message (CRLF line ends).
    messages = [
        (sender, to, email.message().as_bytes(linesep="\r\n")) for sender, to, email in messages
    ]
    assert len(messages) == count
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, to, data in messages:
            smtp.sendmail(sender, to, data)
    while sink.count < count:
        time.sleep(0.01)
    seconds = sink.last - started
    return {"rate": count / seconds, "seconds": seconds, "messages": sink.count}


def _purge() -> None:
    from config.celery import app

    app.control.purge()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    raise SystemExit(main())
