"""Benchmark 1, recall fan-out: issuing a recall of a lot dispatched to 10,000 hospitals.

    .venv/bin/python -m bench.recall_fanout [--hospitals 10000] [--json out.json]

Data: 10,000 hospitals (bulk_create), one lot made and released through the services and
dispatched to all of them in one `distribution_dispatch_many` (a movement, distribution and
event per hospital, as a real plan writes them).

Tracker: `inspections.services.recall_create` + `recall_issue` as the panel calls them: the lot
becomes recalled (no unit can be dispatched any more), a notice and an e-mail delivery row per
hospital, the events, the webhook outbox; after the commit one Celery task per delivery is
queued on Redis (DB 7; the queue is purged afterwards, no worker runs). Timed from the call to
its return, the commit and the queueing apart.

Baseline: the same notice rows and their delivery rows written by raw SQL, one
`INSERT ... SELECT` each (per hospital the units of each lot, from the dispatch movements), for a
second draft recall of the same lot, in one transaction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from bench.common import Figure, benchmark_database, hospitals_make, people, released_lots, say

TARGET_SECONDS = 2.0
TARGET_RATIO = 3.0
QUANTITY = 12  # units per hospital

BASELINE_NOTICES = """
INSERT INTO inspections_notice (recall_id, hospital_id, received, language, created_at,
                                reminders_sent)
SELECT %(recall)s, l.hospital_id, jsonb_object_agg(lot.lot_number, s.units), h.language, now(), 0
FROM (SELECT to_location_id, lot_id, sum(quantity) AS units
      FROM procurement_stockmovement
      WHERE lot_id = ANY(%(lots)s) AND kind = 'dispatch'
      GROUP BY to_location_id, lot_id) s
JOIN procurement_location l ON l.id = s.to_location_id AND l.kind = 'hospital'
JOIN procurement_hospital h ON h.id = l.hospital_id
JOIN procurement_lot lot ON lot.id = s.lot_id
GROUP BY l.hospital_id, h.language
"""
BASELINE_DELIVERIES = """
INSERT INTO inspections_noticedelivery (notice_id, channel, status, attempt_count)
SELECT id, 'email', 'pending', 0 FROM inspections_notice WHERE recall_id = %(recall)s
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.recall_fanout", description=__doc__)
    parser.add_argument("--hospitals", type=int, default=10_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    with benchmark_database("recall"):
        figure = run(args.hospitals)
    if args.json:
        figure.write(args.json)
    return 0


def run(hospital_count: int) -> Figure:
    from procurement import services

    officer, clerk = people()
    started = time.perf_counter()
    hospitals = hospitals_make(hospital_count)
    (lot,) = released_lots([QUANTITY * hospital_count], officer)
    services.distribution_dispatch_many(
        lot=lot, rows=[(hospital, QUANTITY) for hospital in hospitals], actor=clerk
    )
    say(f"  data: {hospital_count:,} hospitals, 1 lot dispatched to all ({_since(started)})")
    tracker = _tracker(lot, officer)
    baseline = _baseline(lot, officer)
    assert tracker["notices"] == baseline["notices"] == hospital_count, (tracker, baseline)
    seconds, raw = tracker["seconds"], baseline["seconds"]
    ratio = seconds / raw
    return Figure(
        number=1,
        name=f"Recall fan-out ({hospital_count:,} hospitals)",
        unit="s",
        tracker=seconds,
        baseline=raw,
        ratio=ratio,
        target=f"<= {TARGET_SECONDS:g} s and <= {TARGET_RATIO:g}x raw",
        met=seconds <= TARGET_SECONDS and ratio <= TARGET_RATIO,
        details={**tracker, "baseline": baseline},
    )


def _tracker(lot, officer) -> dict:
    from django.db import transaction

    from inspections.models import Notice, NoticeDelivery, RecallClass
    from inspections.services import recall_create, recall_issue

    marks: dict[str, float] = {}
    started = time.perf_counter()
    # The outer transaction only lets the commit be timed apart: its on_commit mark, registered
    # first, runs before the service's queueing callback.
    with transaction.atomic():
        transaction.on_commit(lambda: marks.setdefault("committed", time.perf_counter()))
        recall = recall_create(
            reference="RC-BENCH-1",
            lots=[lot],
            reason="Filtration efficiency under the limit (IR-2).",
            hazard="Staff exposed to airborne particles.",
            recall_class=RecallClass.I,
            response_deadline=dt.date.today() + dt.timedelta(days=7),
            coordinator=officer,
            actor=officer,
        )
        recall_issue(recall=recall, actor=officer)
    ended = time.perf_counter()
    _purge_queue()
    lot.refresh_from_db()
    say(
        f"  tracker: {ended - started:.2f} s (transaction {marks['committed'] - started:.2f} s, "
        f"queueing the tasks on Redis {ended - marks['committed']:.2f} s); lot {lot.status}"
    )
    return {
        "seconds": ended - started,
        "transaction_seconds": marks["committed"] - started,
        "queueing_seconds": ended - marks["committed"],
        "notices": Notice.objects.filter(recall=recall).count(),
        "deliveries": NoticeDelivery.objects.filter(notice__recall=recall).count(),
        "lot_status": lot.status,
    }


def _baseline(lot, officer) -> dict:
    from django.db import connection, transaction

    from inspections.models import Notice, Recall

    recall = Recall.objects.create(
        reference="RC-BENCH-RAW",
        reason="raw baseline",
        hazard="raw baseline",
        recall_class="I",
        response_deadline=dt.date.today() + dt.timedelta(days=7),
        coordinator=officer,
        created_by=officer,
    )
    params = {"recall": recall.pk, "lots": [lot.pk]}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BASELINE_NOTICES, params)
        cursor.execute(BASELINE_DELIVERIES, params)
    seconds = time.perf_counter() - started
    say(f"  baseline (INSERT ... SELECT of notices and deliveries): {seconds:.3f} s")
    return {"seconds": seconds, "notices": Notice.objects.filter(recall=recall).count()}


def _purge_queue() -> None:
    """Drop the queued delivery tasks: no worker runs in this benchmark."""
    from config.celery import app

    app.control.purge()


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


if __name__ == "__main__":
    raise SystemExit(main())
