"""Benchmark 3, traceability: "where is every unit of lot X" on a database of 1,000,000
distribution rows.

    .venv/bin/python -m bench.traceability [--distributions 1000000] [--json out.json]

Data (about a minute for a million rows): 1,000 hospitals (bulk_create) and 500 lots made and
released through the services; then the dispatches are written by SQL on the server, each as
the services write it: `INSERT ... SELECT` over `generate_series` makes the dispatch movements
(each lot goes to 200 hospitals, 10 deliveries each, 1 to 5 units a delivery), one more
`INSERT ... SELECT` the distributions pointing at them, one the hospitals' balances (the sum of
what arrived) and one `UPDATE` draws the warehouse balances down; `check_ledger`'s invariant
holds at the end (checked). The lot events of the dispatches are not written: the traceability
read does not touch them.

Tracker: `GET /api/v1/lots/{id}/traceability/` with a ministry officer's API token, through
Django's test Client in this process (the whole request path: middleware, token
authentication, permissions, the selector, the serializer, JSON rendering; no HTTP socket).
Baseline: the selector's query written by hand (balances of the lot joined to their locations
and hospitals) on the same connection, rows fetched. Median of 50 runs each, after 5 warm-ups.
"""

from __future__ import annotations

import argparse
import time

from bench.common import (
    Figure,
    api_key,
    benchmark_database,
    hospitals_make,
    median_ms,
    people,
    released_lots,
    say,
)

TARGET_MS = 25.0
TARGET_RATIO = 2.0
HOSPITALS = 1_000
PER_LOT_HOSPITALS = 200
DELIVERIES = 10  # per (lot, hospital)
RUNS, WARMUP = 50, 5

RAW_QUERY = """
SELECT l.kind, b.location_id, l.hospital_id, h.code, h.name, b.quantity
FROM procurement_stockbalance b
JOIN procurement_location l ON l.id = b.location_id
LEFT JOIN procurement_hospital h ON h.id = l.hospital_id
WHERE b.lot_id = %s AND b.quantity <> 0
ORDER BY b.location_id
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.traceability", description=__doc__)
    parser.add_argument("--distributions", type=int, default=1_000_000)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    with benchmark_database("traceability"):
        figure = run(args.distributions)
    if args.json:
        figure.write(args.json)
    return 0


def run(distributions: int) -> Figure:
    lots = max(1, distributions // (PER_LOT_HOSPITALS * DELIVERIES))
    officer, clerk = people()
    started = time.perf_counter()
    made = _data(lots, officer, clerk)
    say(f"  data: {made:,} distributions over {lots} lots ({time.perf_counter() - started:.0f} s)")
    from procurement.models import Lot

    lot = Lot.objects.order_by("pk")[lots // 2]
    key = api_key(officer)
    tracker, body = _tracker(lot.pk, key)
    baseline, rows = _baseline(lot.pk)
    assert len(body["locations"]) == len(rows), (len(body["locations"]), len(rows))
    ratio = tracker / baseline
    say(f"  tracker median {tracker:.2f} ms, raw query median {baseline:.2f} ms ({len(rows)} rows)")
    return Figure(
        number=3,
        name=f"Traceability API ({made:,} distributions)",
        unit="ms (median)",
        tracker=tracker,
        baseline=baseline,
        ratio=ratio,
        target=f"<= {TARGET_MS:g} ms and <= {TARGET_RATIO:g}x raw",
        met=tracker <= TARGET_MS and ratio <= TARGET_RATIO,
        details={
            "distributions": made,
            "lots": lots,
            "locations_in_answer": len(rows),
            "runs": RUNS,
            "measured_through": "django.test.Client in-process (no socket)",
        },
    )


def _data(lots: int, officer, clerk) -> int:
    from django.db import connection, transaction

    from procurement.models import Distribution
    from procurement.selectors import ledger_violations
    from procurement.services import ledger

    hospitals = hospitals_make(HOSPITALS)
    ledger.hospital_locations(hospitals)
    # Units a lot sends: per hospital j and delivery r, 1 + (j + r) % 5.
    per_lot = sum(1 + (j + r) % 5 for j in range(PER_LOT_HOSPITALS) for r in range(DELIVERIES))
    released = released_lots([per_lot] * lots, officer)
    warehouse = ledger.warehouse_location()
    params = {
        "warehouse": warehouse.pk,
        "clerk": clerk.pk,
        "hospitals": HOSPITALS,
        "per_lot": PER_LOT_HOSPITALS,
        "deliveries": DELIVERIES,
        "first_lot": released[0].pk,
        "last_lot": released[-1].pk,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _DATA_SQL:
            cursor.execute(statement, params)
    assert ledger_violations() == [], "the generated ledger does not add up"
    return Distribution.objects.count()


_DATA_SQL = [
    # Hospitals and lots numbered from 0, so that lot i goes to hospitals (i * per_lot + j) mod N.
    """
    CREATE TEMP TABLE bench_hospital AS
    SELECT row_number() OVER (ORDER BY h.id) - 1 AS n, l.id AS location_id, h.code
    FROM procurement_hospital h JOIN procurement_location l ON l.hospital_id = h.id
    """,
    """
    CREATE TEMP TABLE bench_lot AS
    SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM procurement_lot
    WHERE id BETWEEN %(first_lot)s AND %(last_lot)s
    """,
    """
    INSERT INTO procurement_stockmovement
        (lot_id, quantity, from_location_id, to_location_id, kind, reference, actor_id, at)
    SELECT lot.id, 1 + (j + r) %% 5, %(warehouse)s, h.location_id, 'dispatch', h.code,
           %(clerk)s, now()
    FROM bench_lot lot
    CROSS JOIN generate_series(0, %(per_lot)s - 1) AS j
    CROSS JOIN generate_series(0, %(deliveries)s - 1) AS r
    JOIN bench_hospital h ON h.n = (lot.n * %(per_lot)s + j) %% %(hospitals)s
    """,
    """
    INSERT INTO procurement_distribution
        (lot_id, hospital_id, quantity, movement_id, status, dispatched_at, dispatched_by_id,
         note, receipt_remark)
    SELECT m.lot_id, l.hospital_id, m.quantity, m.id, 'dispatched', m.at, m.actor_id, '', ''
    FROM procurement_stockmovement m JOIN procurement_location l ON l.id = m.to_location_id
    WHERE m.kind = 'dispatch'
    """,
    """
    INSERT INTO procurement_stockbalance (lot_id, location_id, quantity)
    SELECT lot_id, to_location_id, sum(quantity) FROM procurement_stockmovement
    WHERE kind = 'dispatch' GROUP BY lot_id, to_location_id
    """,
    """
    UPDATE procurement_stockbalance b SET quantity = b.quantity - sent.units
    FROM (SELECT lot_id, sum(quantity) AS units FROM procurement_stockmovement
          WHERE kind = 'dispatch' GROUP BY lot_id) sent
    WHERE b.lot_id = sent.lot_id AND b.location_id = %(warehouse)s
    """,
    "ANALYZE",
]


def _tracker(lot_id: int, key: str) -> tuple[float, dict]:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = f"/api/v1/lots/{lot_id}/traceability/"
    samples = []
    for run in range(WARMUP + RUNS):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        if run >= WARMUP:
            samples.append(elapsed)
    return median_ms(samples), response.json()


def _baseline(lot_id: int) -> tuple[float, list]:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for run in range(WARMUP + RUNS):
            started = time.perf_counter()
            cursor.execute(RAW_QUERY, [lot_id])
            rows = cursor.fetchall()
            elapsed = time.perf_counter() - started
            if run >= WARMUP:
                samples.append(elapsed)
    return median_ms(samples), rows


if __name__ == "__main__":
    raise SystemExit(main())
