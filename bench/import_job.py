"""How long and how much memory a CSV distribution plan takes on the import-job path: the upload's
checks, the dry run (validate) and the write (apply), as the Celery tasks run them.

    .venv/bin/python -m bench.import_job --rows 100000 [--hospitals 1000] [--tracemalloc]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \
        .venv/bin/python -m bench.import_job --rows 100000

It builds a throwaway database as `bench.plan_import` does (SQLite: a temporary file;
PostgreSQL: the database the URL names, which must not exist yet, created here and dropped at
the end), with the hospitals, and released lots holding exactly what the plan asks for. The plan
is written to a temporary CSV file and goes through `import_job_create`, `import_job_validate`,
`import_job_confirm` and `import_job_apply`: the services the upload page and the tasks call
(the tasks are called directly, one after the other, so that each step is timed on its own).

Memory: the process's peak resident size (ru_maxrss) before the job path and at its end; the
job path's own peak is the difference when it raised the peak. With --tracemalloc the peak of
Python's allocations during the job path is measured too (that slows Python down, so the times
of such a run are not the ones to quote).

Issue 8's target for 100,000 rows: at most 20 s (validate + apply) and 300 MB peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.plan_import import _build, _django_setup, _throwaway_database


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _django_setup(args.database_url)
    from django.conf import settings
    from django.db import connection

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.IMPORT_MAX_UPLOAD_BYTES = max(settings.IMPORT_MAX_UPLOAD_BYTES, 64 * 1024 * 1024)
    with _throwaway_database() as name, tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        settings.MEDIA_ROOT = Path(tmp) / "media"
        print(f"database: {connection.vendor} {name}")
        started = time.perf_counter()
        clerk, text, lots = _build(rows=args.rows, hospitals=args.hospitals, runs=1)
        path = Path(tmp) / "plan.csv"
        path.write_text(text, encoding="utf-8")
        del text
        print(
            f"plan: {args.rows:,} rows, {lots} lot(s), {min(args.hospitals, args.rows):,} "
            f"hospitals, {path.stat().st_size / 1e6:.1f} MB; built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        _measure(path, clerk, trace=args.tracemalloc)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.import_job", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the plan")
    parser.add_argument(
        "--hospitals", type=int, default=1_000, help="hospitals (each appears once per lot)"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python's allocations (slower)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL URL naming a database that does not exist yet (default: SQLite)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.hospitals < 1:
        parser.error("--rows and --hospitals must be at least 1")
    return args


def _measure(path: Path, clerk, *, trace: bool) -> None:
    from django.core.files import File

    from procurement.models import Distribution, ImportStatus
    from procurement.services import imports
    from procurement.services.imports import jobs

    # Each step is called here in turn instead of being queued after commit.
    jobs._queue = lambda task_name, job_id: None
    rss_before = _peak_rss_mb()
    if trace:
        tracemalloc.start()
    times: dict[str, tuple[float, float]] = {}  # label -> (wall seconds, CPU seconds)
    with path.open("rb") as raw, _timed(times, "upload check + store"):
        job = imports.import_job_create(
            kind="distribution_plan", upload=File(raw, name="plan.csv"), actor=clerk
        )
    with _timed(times, "validate (dry run)"):
        job = imports.import_job_validate(job_id=job.pk)
    if job.status != ImportStatus.PREVIEW_READY or job.error_count:
        raise SystemExit(f"the dry run did not pass: {job.status} {job.errors[:3]}")
    with _timed(times, "apply (check again + write)"):
        job = imports.import_job_confirm(job=job, actor=clerk)
        job = imports.import_job_apply(job_id=job.pk)
    traced_peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else None
    if trace:
        tracemalloc.stop()
    if job.status != ImportStatus.DONE:
        raise SystemExit(f"the import failed: {job.errors[:3]}")
    rows = job.result["distributions"]
    assert Distribution.objects.count() == rows
    print(f"  {'':<28} {'wall':>9}  {'CPU':>9}  {'rows/s (wall)':>14}")
    for label, (wall, cpu) in times.items():
        print(f"  {label:<28} {wall:7.2f} s  {cpu:7.2f} s  {rows / wall:>14,.0f}")
    wall = sum(times[label][0] for label in list(times)[1:])
    cpu = sum(times[label][1] for label in list(times)[1:])
    print(f"  {'validate + apply':<28} {wall:7.2f} s  {cpu:7.2f} s  (target: at most 20 s)")
    rss_after = _peak_rss_mb()
    print(
        f"  peak RSS of the process: {rss_before:.0f} MB before the job path, {rss_after:.0f} MB "
        f"after (the job path raised it by {rss_after - rss_before:.0f} MB; target: 300 MB)"
    )
    if traced_peak is not None:
        print(f"  peak of Python allocations in the job path (tracemalloc): {traced_peak:.0f} MB")
    print(f"  result: {job.result}")


@contextmanager
def _timed(times: dict[str, tuple[float, float]], label: str) -> Iterator[None]:
    """Wall time and this process's CPU time: on a shared machine the wall time also counts
    waiting for a CPU; the CPU time does not (nor does waiting for the database server)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    times[label] = (time.perf_counter() - wall, time.process_time() - cpu)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


if __name__ == "__main__":
    raise SystemExit(main())
