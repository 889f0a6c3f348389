"""Benchmark 5, CSV import: a distribution plan of 100,000 rows through the import-job path.

    .venv/bin/python -m bench.csv_import [--rows 100000] [--json out.json]

Data: as `bench.import_job` makes it (`bench.plan_import._build`): 1,000 hospitals, 100 lots
released through the services holding what the plan asks, the plan as a CSV file (each hospital
once per lot, 1 to 100 units a row).

Tracker: the upload's checks, the dry run (`import_job_validate`) and the write
(`import_job_confirm` + `import_job_apply`), called one after the other as the Celery tasks call
them; the figure is validate + apply. Memory: this process's peak RSS at the end (the whole
process: Django, the data set-up and the job path; this benchmark runs in a process of its own).

Baseline: the same rows written by raw SQL in one transaction: COPY of the CSV into a temporary
table, then one `INSERT ... SELECT` each for the movements, the distributions and the lot
events, one upsert of the hospitals' balances and one UPDATE of the warehouse balances (the
tracker's file adds nothing to check: both start from the same released lots, in a copy of the
database taken before the tracker ran).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import Figure, benchmark_database, peak_rss_mb, say

TARGET_SECONDS = 20.0
TARGET_MB = 300.0

BASELINE_SQL = [
    "CREATE TEMP TABLE plan (n serial, hospital_code text, lot_number text, quantity int)",
    None,  # the COPY
    """
    CREATE TEMP TABLE resolved AS
    SELECT p.n, lot.id AS lot_id, h.id AS hospital_id, h.code, l.id AS location_id, p.quantity
    FROM plan p JOIN procurement_lot lot ON lot.lot_number = p.lot_number
    JOIN procurement_hospital h ON h.code = p.hospital_code
    JOIN procurement_location l ON l.hospital_id = h.id
    """,
    """
    CREATE TEMP TABLE moved AS
    WITH inserted AS (
        INSERT INTO procurement_stockmovement
            (lot_id, quantity, from_location_id, to_location_id, kind, reference, actor_id, at)
        SELECT lot_id, quantity, %(warehouse)s, location_id, 'dispatch', code, %(clerk)s, now()
        FROM resolved ORDER BY n
        RETURNING id, lot_id, to_location_id, quantity)
    SELECT i.id, i.lot_id, r.hospital_id, r.code, i.quantity FROM inserted i
    JOIN resolved r ON r.lot_id = i.lot_id AND r.location_id = i.to_location_id
    """,
    """
    CREATE TEMP TABLE distributed AS
    WITH inserted AS (
        INSERT INTO procurement_distribution
            (lot_id, hospital_id, quantity, movement_id, status, dispatched_at,
             dispatched_by_id, note, receipt_remark)
        SELECT lot_id, hospital_id, quantity, id, 'dispatched', now(), %(clerk)s, 'raw', ''
        FROM moved ORDER BY id
        RETURNING id, lot_id, hospital_id, quantity)
    SELECT i.*, m.code FROM inserted i
    JOIN moved m ON m.lot_id = i.lot_id AND m.hospital_id = i.hospital_id
    """,
    """
    INSERT INTO procurement_lotevent (lot_id, kind, from_status, to_status, actor_id, at, reason,
                                      data)
    SELECT lot_id, 'dispatched', 'released', 'released', %(clerk)s, now(), '',
           jsonb_build_object('hospital', code, 'quantity', quantity, 'distribution', id)
    FROM distributed
    """,
    """
    INSERT INTO procurement_stockbalance (lot_id, location_id, quantity)
    SELECT lot_id, location_id, sum(quantity) FROM resolved GROUP BY lot_id, location_id
    ON CONFLICT (lot_id, location_id)
    DO UPDATE SET quantity = procurement_stockbalance.quantity + excluded.quantity
    """,
    """
    UPDATE procurement_stockbalance b SET quantity = b.quantity - sent.units
    FROM (SELECT lot_id, sum(quantity) AS units FROM resolved GROUP BY lot_id) sent
    WHERE b.lot_id = sent.lot_id AND b.location_id = %(warehouse)s
    """,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.csv_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--hospitals", type=int, default=1_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    with benchmark_database("csv"):
        figure = run(args.rows, args.hospitals)
    if args.json:
        figure.write(args.json)
    return 0


def run(rows: int, hospitals: int) -> Figure:
    from django.conf import settings

    from bench.plan_import import _build
    from procurement.services import ledger

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, rows)
    settings.IMPORT_MAX_UPLOAD_BYTES = max(settings.IMPORT_MAX_UPLOAD_BYTES, 64 * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as tmp:
        settings.MEDIA_ROOT = Path(tmp) / "media"
        clerk, text, lots = _build(rows=rows, hospitals=hospitals, runs=1)
        path = Path(tmp) / "plan.csv"
        path.write_text(text, encoding="utf-8")
        del text
        say(f"  data: {rows:,} rows over {lots} lots, {path.stat().st_size / 1e6:.1f} MB CSV")
        ledger.hospital_locations(_all_hospitals())  # the tracker makes these before its write
        baseline = _baseline(path, clerk)
        tracker = _tracker(path, clerk)
    peak = peak_rss_mb()
    seconds = tracker["validate_seconds"] + tracker["apply_seconds"]
    ratio = seconds / baseline
    say(
        f"  tracker: validate {tracker['validate_seconds']:.1f} s + apply "
        f"{tracker['apply_seconds']:.1f} s (CPU {tracker['cpu_seconds']:.1f} s); "
        f"peak RSS {peak:.0f} MB; raw SQL {baseline:.1f} s"
    )
    return Figure(
        number=5,
        name=f"CSV import ({rows:,} rows)",
        unit="s",
        tracker=seconds,
        baseline=baseline,
        ratio=ratio,
        target=f"<= {TARGET_SECONDS:g} s and <= {TARGET_MB:g} MB peak",
        met=seconds <= TARGET_SECONDS and peak <= TARGET_MB,
        details={**tracker, "peak_rss_mb": peak},
    )


def _all_hospitals():
    from procurement.models import Hospital

    return Hospital.objects.all()


def _tracker(path: Path, clerk) -> dict:
    from django.core.files import File

    from procurement.models import Distribution, ImportStatus
    from procurement.services import imports
    from procurement.services.imports import jobs

    jobs._queue = lambda task_name, job_id: None  # each step is called here, in turn
    before = Distribution.objects.count()
    cpu = time.process_time()
    with path.open("rb") as raw:
        job = imports.import_job_create(
            kind="distribution_plan", upload=File(raw, name="plan.csv"), actor=clerk
        )
    started = time.perf_counter()
    job = imports.import_job_validate(job_id=job.pk)
    validated = time.perf_counter()
    assert job.status == ImportStatus.PREVIEW_READY and not job.error_count, job.errors[:3]
    job = imports.import_job_confirm(job=job, actor=clerk)
    job = imports.import_job_apply(job_id=job.pk)
    applied = time.perf_counter()
    assert job.status == ImportStatus.DONE, job.errors[:3]
    made = Distribution.objects.count() - before
    assert made == job.result["distributions"], (made, job.result)
    return {
        "validate_seconds": validated - started,
        "apply_seconds": applied - validated,
        "cpu_seconds": time.process_time() - cpu,
        "distributions": made,
    }


def _baseline(path: Path, clerk) -> float:
    """The raw SQL write, rolled back afterwards so that the tracker starts from the same
    stock."""
    from django.db import connection, transaction

    from procurement.services import ledger

    params = {"warehouse": ledger.warehouse_location().pk, "clerk": clerk.pk}
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in BASELINE_SQL:
            if statement is None:
                copy_sql = "COPY plan (hospital_code, lot_number, quantity) FROM STDIN CSV HEADER"
                with cursor.cursor.copy(copy_sql) as copy, path.open("rb") as data:
                    while chunk := data.read(1 << 20):
                        copy.write(chunk)
            else:
                cursor.execute(statement, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks, as a commit runs
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS plan, resolved, moved, distributed")
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
