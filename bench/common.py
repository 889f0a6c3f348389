"""What every benchmark of `python -m bench` shares: its own PostgreSQL database, Django set up on
it, the people and things the data starts from, and the figure it reports.

Databases: `template_database()` migrates `tracker_bench_template` once (a `manage.py migrate`
in a subprocess); each benchmark then gets `tracker_bench_<name>` as a copy of it
(`CREATE DATABASE ... TEMPLATE`, a file copy: a second, not a migration's half a minute) and
drops it at the end (`WITH (FORCE)`: a worker or gunicorn left behind cannot keep it alive).
Only databases named `tracker_bench_*` are ever created or dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "tracker_bench_"
TEMPLATE = PREFIX + "template"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"


@dataclass
class Figure:
    """One benchmark's result: the tracker's figure, the raw baseline's, and the target."""

    number: int
    name: str
    unit: str
    tracker: float
    baseline: float
    # tracker / baseline for times, baseline / tracker for rates: "how many times slower".
    ratio: float
    target: str
    met: bool
    details: dict = field(default_factory=dict)

    def write(self, path: str) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2, default=str), encoding="utf-8")


def database_url(name: str, base: str | None = None) -> str:
    """The URL of database `name` on the server of `base` (DATABASE_URL or the default)."""
    parts = urlsplit(base or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + name))


def _admin_connection():
    import psycopg

    return psycopg.connect(database_url("postgres"), autocommit=True)


def _drop(cursor, name: str) -> None:
    assert name.startswith(PREFIX), name  # never anything but our own
    cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def template_database(*, fresh: bool) -> None:
    """Create and migrate the template every benchmark database is copied from."""
    with _admin_connection() as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
        if cursor.fetchone() and not fresh:
            return
        _drop(cursor, TEMPLATE)
        cursor.execute(f'CREATE DATABASE "{TEMPLATE}"')
    env = {**os.environ, **django_env(database_url(TEMPLATE))}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity=0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def template_drop() -> None:
    with _admin_connection() as admin, admin.cursor() as cursor:
        _drop(cursor, TEMPLATE)


@contextmanager
def benchmark_database(name: str) -> Iterator[str]:
    """`tracker_bench_<name>`, a fresh copy of the migrated template, with Django set up on it;
    dropped at the end. Yields its URL."""
    db = PREFIX + name
    template_database(fresh=False)
    with _admin_connection() as admin, admin.cursor() as cursor:
        _drop(cursor, db)
        cursor.execute(f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE}"')
    url = database_url(db)
    os.environ.update(django_env(url))
    import django

    django.setup()
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        with _admin_connection() as admin, admin.cursor() as cursor:
            _drop(cursor, db)


def django_env(url: str) -> dict[str, str]:
    """The environment a Django process of the benchmark runs with (this one, workers,
    gunicorn): the benchmark's database, Redis DB 7, production settings (DEBUG off)."""
    return {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": redis_url(),
        "CELERY_RESULT_BACKEND": redis_url(),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40),
        "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
        # The API's per-user throttle (1,200 a minute) is policy, not speed: lifted for the load.
        "API_THROTTLE_USER": "100000000/minute",
        # whitenoise warns of a missing STATIC_ROOT (no collectstatic here): noise in the table.
        "PYTHONWARNINGS": "ignore:No directory at",
    }


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL


# ---------------------------------------------------------------------------------------------
# Data: what the benchmarks start from, made through the services where it is small


def people():
    """A ministry officer and a warehouse clerk."""
    from django.contrib.auth import get_user_model

    from core.roles import Role, role_group

    users = get_user_model().objects
    officer = users.create_user("bench-officer", email="officer@ministry.example", is_staff=True)
    officer.groups.add(role_group(Role.MINISTRY_OFFICER))
    clerk = users.create_user("bench-clerk", is_staff=True)
    clerk.groups.add(role_group(Role.WAREHOUSE_CLERK))
    return officer, clerk


def hospitals_make(count: int) -> list:
    """`count` hospitals (bulk_create: they have no service), codes BENCH-H00000..."""
    from procurement.models import Hospital

    Hospital.objects.bulk_create(
        (
            Hospital(
                code=f"BENCH-H{index:05d}",
                name=f"Bench hospital {index}",
                city="Utrecht",
                contact_email=f"pharmacy{index}@hospital.example",
            )
            for index in range(count)
        ),
        batch_size=2_000,
    )
    return list(Hospital.objects.order_by("pk"))


def released_lots(quantities: list[int], officer, numbers: list[str] | None = None) -> list:
    """One released lot per quantity, through the services: an order, one shipment, releases.
    `numbers` names the lots (default BENCH-LOT-0000, -0001...)."""
    from procurement import services
    from procurement.models import Product, ProductCategory, ReleaseBasis, Standard, Supplier

    standard = Standard.objects.create(
        code="BENCH EN 149 FFP2",
        title="Filtering half masks",
        category=ProductCategory.RESPIRATOR,
        is_medical=True,
    )
    product = Product.objects.create(
        name="Respirator",
        sku="BENCH-FFP2",
        category=ProductCategory.RESPIRATOR,
        claimed_standard=standard,
    )
    order = services.order_create(
        supplier=Supplier.objects.create(name="Bench supplier"),
        reference="PO-BENCH",
        lines=[
            services.OrderLineInput(
                product=product,
                quantity=quantity,
                unit_price=Decimal("1.00"),
                required_standard=standard,
            )
            for quantity in quantities
        ],
        actor=officer,
    )
    services.order_place(order=order, actor=officer)
    lines = list(order.lines.order_by("pk"))
    numbers = numbers or [f"BENCH-LOT-{index:04d}" for index in range(len(lines))]
    expires = dt.date.today() + dt.timedelta(days=730)
    shipment = services.shipment_receive(
        order=order,
        reference="AWB-BENCH",
        lots=[
            services.LotInput(
                order_line=line, lot_number=number, quantity=line.quantity, expires_on=expires
            )
            for line, number in zip(lines, numbers, strict=True)
        ],
        actor=officer,
    )
    for lot in shipment.lots.order_by("pk"):
        services.lot_release(
            lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason="Bench inspection IR-1"
        )
    return list(shipment.lots.order_by("pk"))


def api_key(officer, name: str = "bench") -> str:
    """An API token of a ministry officer (through the service); returns its key."""
    from core.roles import Role
    from procurement.services.tokens import api_token_create

    _token, key = api_token_create(name=name, role=Role.MINISTRY_OFFICER, actor=officer)
    return key


# ---------------------------------------------------------------------------------------------
# Measuring


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def peak_rss_mb() -> float:
    """This process's peak resident size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(text: str) -> None:
    print(text, flush=True)
