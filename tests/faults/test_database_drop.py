"""The database connection dropped in the middle of a dispatch: a second connection ends the
dispatching connection's PostgreSQL backend (`pg_terminate_backend`) between two of the
dispatch's statements, after the stock movements are written and before their distributions.

The transaction rolls back on the server: no movement without its balance and its distribution,
the warehouse still holds every unit, the ledger is clean; the dispatch fails with the
connection error (nothing pretends it worked), and the same dispatch tried again succeeds on a
new connection. PostgreSQL only: SQLite has no server connection to drop."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, connection

from procurement import services
from procurement.models import Distribution, LotEvent, StockMovement
from procurement.services.ledger import balance_of, warehouse_location
from tests import factories
from tests.faults.checks import assert_nothing_half_written

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LOT_SIZE = 1_000
DISTRIBUTION_TABLE = '"procurement_distribution"'


def _admin_connection() -> psycopg.Connection:
    """A connection of its own to the same server, as an operator's psql would be."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
        autocommit=True,
    )


def _dispatch_with_the_connection_dropped(dispatch) -> int:
    """Run `dispatch` with a hook between its statements: just before the distributions are
    written, a second connection terminates this connection's backend (and waits until it is
    gone). The dispatch must fail with the connection error; returns the dead backend's pid.

    One at a time the rows go in by INSERT; many at once, on PostgreSQL, by COPY after their ids
    are drawn from the table's sequence (`procurement.bulk`), and COPY passes no execute wrapper:
    there the hook fires on that draw."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    killed: list[int] = []

    def kill_first(execute, sql, params, many, context):
        inserting = sql.startswith("INSERT INTO") and DISTRIBUTION_TABLE in sql[:60]
        drawing_ids = "nextval" in sql and list(params or [])[:1] == [DISTRIBUTION_TABLE.strip('"')]
        if not killed and (inserting or drawing_ids):
            with _admin_connection() as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            killed.append(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_first), pytest.raises(OperationalError):
        dispatch()
    assert killed == [pid]
    return pid


def _backend_alive(pid: int) -> bool:
    with _admin_connection() as admin:
        row = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row is not None


def test_a_dispatch_whose_connection_is_dropped_writes_nothing_and_succeeds_when_tried_again(
    postgres_only, clerk
):
    lot = factories.released_lot(quantity=LOT_SIZE)
    hospital = factories.HospitalFactory()
    movements_before = StockMovement.objects.count()

    def dispatch():
        return services.distribution_dispatch(lot=lot, hospital=hospital, quantity=120, actor=clerk)

    # when the connection is dropped after the movement and before its distribution
    pid = _dispatch_with_the_connection_dropped(dispatch)

    # then the backend is gone, and on a new connection nothing of the dispatch is there
    assert not _backend_alive(pid)
    assert StockMovement.objects.count() == movements_before
    assert not Distribution.objects.exists()
    assert not LotEvent.objects.filter(kind=LotEvent.Kind.DISPATCHED).exists()
    assert balance_of(lot, warehouse_location()) == LOT_SIZE
    assert_nothing_half_written()

    # when the clerk tries again
    distribution = dispatch()

    # then it went through whole, once
    assert Distribution.objects.get() == distribution
    assert balance_of(lot, warehouse_location()) == LOT_SIZE - 120
    assert_nothing_half_written()


def test_a_dispatch_to_many_hospitals_whose_connection_is_dropped_writes_none_of_the_rows(
    postgres_only, clerk
):
    lot = factories.released_lot(quantity=LOT_SIZE)
    rows = [(factories.HospitalFactory(), 40 + number) for number in range(12)]
    movements_before = StockMovement.objects.count()

    def dispatch():
        return services.distribution_dispatch_many(lot=lot, rows=rows, actor=clerk)

    # when the connection is dropped after the bulk movements and before the distributions
    pid = _dispatch_with_the_connection_dropped(dispatch)

    # then none of the twelve rows was written, not even the hospitals' stock locations' balances
    assert not _backend_alive(pid)
    assert StockMovement.objects.count() == movements_before
    assert not Distribution.objects.exists()
    assert not lot.balances.filter(location__hospital__isnull=False).exists()
    assert balance_of(lot, warehouse_location()) == LOT_SIZE
    assert_nothing_half_written()

    # when tried again, all twelve go through
    distributions = services.distribution_dispatch_many(lot=lot, rows=rows, actor=clerk)

    assert [d.quantity for d in distributions] == [quantity for _, quantity in rows]
    assert balance_of(lot, warehouse_location()) == LOT_SIZE - sum(q for _, q in rows)
    assert_nothing_half_written()
