"""Multi-row INSERTs of plain values, without a model instance per row.

`QuerySet.bulk_create` builds a model instance per row and runs every field's `pre_save` and
`get_db_prep_save` on it: about half a millisecond of CPU per row of a distribution plan (a
movement, a distribution and an event each), almost all of a 100,000-row import. The ledger's
bulk writes know their columns and already hold database-ready values, so they send them as they
are: on PostgreSQL with COPY (the ids drawn from the table's sequence first), elsewhere one
`INSERT ... VALUES (...), (...) RETURNING id` per batch. The latter relies, like `bulk_create`,
on the database returning the ids in the order of the VALUES rows. Nothing here
sends signals or writes history rows, as bulk_create does not: the callers write the domain
events themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model

# Rows per statement when the database does not bound the parameters lower (SQLite: 999).
MAX_ROWS_PER_STATEMENT = 1_000


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: bool
) -> list[int]:
    """Insert `rows` (values in the order of `columns`, already adapted for the database) into
    the model's table; returns the new ids in row order when `returning`, else []."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_rows(model, columns, rows, returning=returning)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    tail = f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}" if returning else ""
    size = rows_per_statement(len(columns))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
            values = ", ".join([placeholders] * len(batch))
            params = [value for row in batch for value in row]
            # Table and column names come from the model and the code, quoted; every value is a
            # parameter.
            sql = f"INSERT INTO {table} ({names}) VALUES {values}{tail}"  # noqa: S608
            cursor.execute(sql, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _copy_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence], *, returning: bool
) -> list[int]:
    """PostgreSQL: the ids are drawn from the table's sequence first (one query), then the rows
    stream in with COPY. Binding the values of a multi-row INSERT costs the client about 10
    microseconds a value (Django's psycopg cursor interpolates them in Python); COPY writes a
    row in C, and the server skips the parsing of a huge statement."""
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk.column
    names = [connection.ops.quote_name(column) for column in columns]
    with connection.cursor() as cursor:
        ids: list[int] = []
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk, len(rows)],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
            names.insert(0, connection.ops.quote_name(pk))
        with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            if returning:
                for row_id, row in zip(ids, rows, strict=True):
                    copy.write_row((row_id, *row))
            else:
                for row in rows:
                    copy.write_row(row)
    return ids


def rows_per_statement(columns: int) -> int:
    """How many rows of `columns` values one statement may bind on this database."""
    limit = connection.features.max_query_params
    return (
        MAX_ROWS_PER_STATEMENT
        if limit is None
        else max(1, min(MAX_ROWS_PER_STATEMENT, limit // columns))
    )


def now_for_db(value) -> object:
    """A datetime as the raw cursor of this database takes it (a string on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)
