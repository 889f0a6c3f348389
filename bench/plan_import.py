"""How long a CSV distribution plan takes to import: parse and look up, then dispatch.

    .venv/bin/python -m bench.plan_import --rows 5000 [--hospitals N] [--runs 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \
        .venv/bin/python -m bench.plan_import --rows 5000

It builds a throwaway database (SQLite: a temporary file; PostgreSQL: the database the URL names,
which must not exist yet, created here and dropped at the end), migrates it, makes the lots
through the services (order, shipment, release) and the hospitals, and writes a plan of --rows
rows. Each hospital appears once per lot, so --hospitals below --rows spreads the plan over more
lots. Run 1 is every hospital's first delivery of its lot (stock locations and balance rows are
created); each later run sends the same plan again (the rows exist and are added to).

For every run it prints, for `plan_from_csv` (parse and resolve) and for
`distribution_plan_dispatch` (the confirmation's write), the seconds and rows per second, and the
number of queries of the dispatch. Queries are counted with a `connection.execute_wrapper`:
CaptureQueriesContext keeps at most 9,000 queries, fewer than the per-row code ran.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import released_lots

BENCH_PREFIX = "BENCH"
QUANTITIES = (1, 5, 12, 20, 48, 100)  # units per row, cycled: plans are rarely uniform


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    _django_setup(args.database_url)
    from django.db import connection

    with _throwaway_database() as name:
        print(f"database: {connection.vendor} {name}")
        clerk, text, lots = _build(rows=args.rows, hospitals=args.hospitals, runs=args.runs)
        print(
            f"plan: {args.rows:,} rows, {lots} lot(s), {min(args.hospitals, args.rows):,} hospitals"
        )
        for run in range(1, args.runs + 1):
            label = "first delivery" if run == 1 else "repeat delivery"
            _measure(f"run {run} ({label})", text, clerk)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.plan_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000, help="rows of the plan (max 5,000)")
    parser.add_argument(
        "--hospitals", type=int, default=None, help="hospitals (default: one per row, one lot)"
    )
    parser.add_argument("--runs", type=int, default=2, help="times the same plan is sent")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a PostgreSQL URL naming a database that does not exist yet (default: SQLite)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 5_000:
        parser.error("--rows must be between 1 and 5,000 (the import's limit)")
    args.hospitals = args.hospitals or args.rows
    if args.hospitals < 1 or args.runs < 1:
        parser.error("--hospitals and --runs must be at least 1")
    return args


def _django_setup(database_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    if database_url and not database_url.startswith("sqlite"):
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)  # the SQLite default; the test file replaces it
    import django

    django.setup()


@contextmanager
def _throwaway_database():
    """Create, migrate, and finally drop a database of our own; never touch an existing one."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings_dict = connection.settings_dict
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp:
        if connection.vendor == "sqlite":
            name = str(Path(tmp) / "bench.sqlite3")
        else:
            name = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
            if _database_exists(name):
                raise SystemExit(
                    f"database {name!r} exists; the benchmark only uses a database it creates. "
                    f"Name another one, or drop it: dropdb {name}"
                )
        settings_dict.setdefault("TEST", {})["NAME"] = name
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, serialize=False)
        try:
            yield name
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()


def _database_exists(name: str) -> bool:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _build(*, rows: int, hospitals: int, runs: int):
    """The clerk who dispatches, the plan's CSV text and the number of lots."""
    from django.contrib.auth import get_user_model

    from core.roles import Role, role_group
    from procurement.models import Hospital

    users = get_user_model().objects
    officer = users.create_user("bench-officer", is_staff=True)
    officer.groups.add(role_group(Role.MINISTRY_OFFICER))
    clerk = users.create_user("bench-clerk", is_staff=True)
    clerk.groups.add(role_group(Role.WAREHOUSE_CLERK))
    hospitals = min(hospitals, rows)
    Hospital.objects.bulk_create(
        Hospital(
            code=f"{BENCH_PREFIX}-H{index:05d}",
            name=f"Bench hospital {index}",
            city="Utrecht",
            contact_email=f"pharmacy{index}@hospital.example",
        )
        for index in range(hospitals)
    )
    lots = math.ceil(rows / hospitals)
    plan = [
        (f"{BENCH_PREFIX}-H{index % hospitals:05d}", _lot_number(index // hospitals), quantity)
        for index, quantity in zip(range(rows), _quantities(), strict=False)
    ]
    needed: dict[str, int] = {}
    for _, lot, quantity in plan:
        needed[lot] = needed.get(lot, 0) + quantity * runs
    released_lots(list(needed.values()), officer, numbers=list(needed))
    text = "hospital_code,lot_number,quantity\n" + "".join(f"{h},{lot},{q}\n" for h, lot, q in plan)
    return clerk, text, lots


def _quantities():
    while True:
        yield from QUANTITIES


def _lot_number(index: int) -> str:
    return f"{BENCH_PREFIX}-LOT-{index:03d}"


def _measure(label: str, text: str, clerk) -> None:
    from django.db import connection

    from procurement.planning import plan_from_csv
    from procurement.services.planning import distribution_plan_dispatch

    started = time.perf_counter()
    plan = plan_from_csv(text)
    parsed = time.perf_counter() - started
    if plan.errors:
        raise SystemExit(f"the plan was refused: {plan.errors[:3]}")
    rows = len(plan.allocations)
    queries = _Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        distribution_plan_dispatch(allocations=plan.allocations, actor=clerk, note="bench")
    dispatched = time.perf_counter() - started
    print(f"{label}:")
    print(f"  parse+resolve  {rows:>6,} rows  {parsed:8.2f} s  {rows / parsed:>9,.0f} rows/s")
    print(
        f"  dispatch       {rows:>6,} rows  {dispatched:8.2f} s  {rows / dispatched:>9,.0f} rows/s"
        f"  {queries.count:,} queries"
    )
    total = parsed + dispatched
    print(f"  confirm total  {rows:>6,} rows  {total:8.2f} s")


class _Counter:
    """A connection.execute_wrapper that counts the statements sent (executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


if __name__ == "__main__":
    raise SystemExit(main())
