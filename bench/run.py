"""`python -m bench` (`make bench`): the five benchmarks of issue 8, each against a raw baseline
of the same work, on PostgreSQL and Redis; a table on the terminal and `var/bench.json`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python -m bench [--only 3] [--quick]

| # | module | tracker | baseline |
|---|---|---|---|
| 1 | `recall_fanout` | recall_create + recall_issue, 10,000 hospitals | INSERT ... SELECT |
| 2 | `notice_delivery` | 10,000 e-mails, 2 Celery worker processes | a loop, one SMTP session |
| 3 | `traceability` | GET /api/v1/lots/{id}/traceability/, 1M distributions | the raw SQL query |
| 4 | `api_list` | /api/v1/lots/?page_size=100, gunicorn, 2 workers | a bare Django view |
| 5 | `csv_import` | 100,000 rows through the import-job path | COPY + INSERT ... SELECT |

Each benchmark runs in a process of its own (its memory is its own, its Django is set up on its
own database) and makes its data in `tracker_bench_<name>`, a copy of `tracker_bench_template`
which is migrated once per run; every one of them is dropped at the end. The server named by
DATABASE_URL (its database name is not used) must let us create databases; Redis DB 7 is the
only Redis database touched (its queue is purged). `--quick` runs each at a tenth of its size,
to try the harness; its figures are not the ones to quote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import DEFAULT_DATABASE_URL, ROOT, redis_url, template_database, template_drop

BENCHMARKS = {
    1: ("recall_fanout", ["--hospitals", "10000"], ["--hospitals", "1000"]),
    2: ("notice_delivery", ["--notices", "10000"], ["--notices", "1000"]),
    3: ("traceability", ["--distributions", "1000000"], ["--distributions", "100000"]),
    4: ("api_list", ["--seconds", "10"], ["--seconds", "3"]),
    5: ("csv_import", ["--rows", "100000"], ["--rows", "10000"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", type=int, action="append", choices=sorted(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (a try-out)")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench.json"))
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    problem = _services_missing()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    print("migrating the template database tracker_bench_template ...", flush=True)
    template_database(fresh=True)
    figures, failed = [], []
    try:
        for number in args.only or sorted(BENCHMARKS):
            name, full, quick = BENCHMARKS[number]
            print(f"\n[{number}] {name}", flush=True)
            figure = _run_one(name, quick if args.quick else full)
            if figure is None:
                failed.append(number)
            else:
                figures.append(figure)
    finally:
        template_drop()
    _table(figures)
    report = {
        "command": "python -m bench" + (" --quick" if args.quick else ""),
        "machine": _machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "benchmarks": figures,
        "failed": failed,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nwritten: {args.json}")
    if failed:
        print(f"error: benchmark(s) {failed} did not finish", file=sys.stderr)
        return 1
    return 0


def _run_one(name: str, arguments: list[str]) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    try:
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", *arguments, "--json", str(path)],
            cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore:No directory at"},
        )
        if done.returncode != 0 or not path.stat().st_size:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    finally:
        path.unlink(missing_ok=True)


def _services_missing() -> str:
    """A clear word when PostgreSQL or Redis is not there, instead of a traceback later."""
    database = urlsplit(os.environ["DATABASE_URL"])
    if database.scheme not in ("postgres", "postgresql", "pgsql"):
        return (
            f"the benchmarks run on PostgreSQL; DATABASE_URL is {database.scheme or 'empty'}. "
            f"Set DATABASE_URL={DEFAULT_DATABASE_URL} (a server where we may create databases)."
        )
    redis = urlsplit(redis_url())
    if redis.path not in ("/7", ""):
        return f"the benchmarks use Redis DB 7 only; BENCH_REDIS_URL names {redis.path}."
    for what, host, port in (
        ("PostgreSQL", database.hostname or "127.0.0.1", database.port or 5432),
        ("Redis", redis.hostname or "127.0.0.1", redis.port or 6379),
    ):
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as error:
            return f"{what} does not answer at {host}:{port} ({error}); start it first."
    return ""


def _table(figures: list[dict]) -> None:
    header = ("#", "benchmark", "tracker", "baseline", "ratio", "target", "met")
    rows = [
        (
            str(f["number"]),
            f["name"],
            f"{f['tracker']:,.2f} {f['unit']}",
            f"{f['baseline']:,.2f} {f['unit']}",
            f"{f['ratio']:.2f}x",
            f["target"],
            "yes" if f["met"] else "NO",
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print("ratio: how many times slower than the baseline (time / time, or rate / rate)")


def _machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_end": os.getloadavg(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
