"""Write several new rows in one SQL statement on PostgreSQL (the filing's fast path).

A filing writes an issue, its events and their outbox rows. Through the ORM
that is BEGIN, three INSERTs and COMMIT: five round trips, each a parse and
plan in PostgreSQL and a switch of Python's GIL in a threaded server. Here
the same model instances go out as one statement of data-modifying CTEs
(``WITH a AS (INSERT …), b AS (INSERT …) INSERT …``), which PostgreSQL runs
as one implicit transaction: all rows are written or none.

The instances are built by the caller exactly as for ``save()`` (field
defaults apply on construction); primary keys that other rows point to are
taken beforehand with ``next_ids_sql``. Values go through each field's own
``pre_save`` and ``get_db_prep_save``, as Django's insert compiler does, so
column types, JSON and time zones are handled by Django, not here (the calls
are skipped only where they would change nothing: ``pre_save`` of fields
whose ``pre_save`` just reads the attribute, ``get_db_prep_save`` of str,
int, bool, None and aware datetimes outside JSON fields). Model
``save()`` overrides and ``post_save`` receivers are not run: use this only
for models that have neither (Issue, IssueEvent, Notification).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from uuid import UUID

import psycopg
from psycopg.pq import ExecStatus
from psycopg.types.json import Jsonb

from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connection, connections
from django.db.models import DateField, DateTimeField, Field, JSONField, Model


def supported() -> bool:
    """True on PostgreSQL, the only backend with data-modifying CTEs."""
    return connection.vendor == "postgresql"


@lru_cache(maxsize=None)
def _sequence(model: type[Model]) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)",
                    [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column])
        return cur.fetchone()[0]


def next_ids_sql(counts: list[tuple[type[Model], int]]) -> str:
    """SQL select-list items taking ``n`` fresh primary keys of each model.

    Each item is an ``ARRAY(SELECT nextval(…))`` of ``n`` bigints, in the
    order of ``counts``, to be placed in a SELECT by the caller (so taking
    keys adds no round trip). The sequence names and counts are written
    into the text (they come from the catalog and the code, never from
    input), so a statement using it can be prepared once. PostgreSQL only.
    """
    return ", ".join(
        f"ARRAY(SELECT nextval('{_sequence(model).replace(chr(39), chr(39) * 2)}'::regclass) "
        f"FROM generate_series(1, {int(n)}))"
        for model, n in counts)


_STALE_PLAN = "cached plan must not change result type"
_TUPLES_OK = ExecStatus.TUPLES_OK


def fetch_prepared(sql: str, params: list) -> tuple | None:
    """Run one statement (``%s`` placeholders) as a prepared statement; its first row, or None.

    Server-side binding with ``prepare=True``: PostgreSQL parses and plans
    the text once per connection, then only executes it (Django's own
    cursors bind client-side, so every call is parsed anew). Joins the
    caller's transaction if there is one, else is its own. If a column the
    statement returns changed type since this connection prepared it (a
    migration while the server ran), PostgreSQL refuses the old plan before
    running anything: outside a transaction the connection's prepared
    statements are dropped and the statement runs once more; inside one,
    that NotSupportedError is raised.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: each ``connection.x`` looks it up anew
    db.close_if_health_check_failed()  # as Django's own cursors do (CONN_HEALTH_CHECKS)
    db.ensure_connection()
    try:
        return _execute_prepared(db, sql, params)
    except NotSupportedError as exc:
        if db.in_atomic_block or _STALE_PLAN not in str(exc):
            raise
        # psycopg forgets its names for them too when it sees this command go through.
        with db.wrap_database_errors, psycopg.Cursor(db.connection) as cur:
            cur.execute("DEALLOCATE ALL")
        return _execute_prepared(db, sql, params)


def _execute_prepared(db, sql: str, params: list) -> tuple | None:
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cur:
        cur.execute(sql, params, prepare=True)
        # Whether it returned rows, read off the result (``description`` would build every column's details).
        result = cur.pgresult
        return cur.fetchone() if result is not None and result.status == _TUPLES_OK else None


def _columns(model: type[Model], with_pk: bool):
    return [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]


def _json_value(value):
    # A value from get_db_prep_save, as JSON that PostgreSQL reads back into the column's type.
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Jsonb):
        return value.obj
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    raise TypeError(f"onestatement cannot write a {type(value).__name__}")


def _prepared(field, value, db):
    # What get_db_prep_save gives on PostgreSQL, without its calls for the values it returns unchanged
    # (str, int, bool, None and aware datetimes, outside JSON fields; a third of a filing's write).
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool or (kind is datetime and value.tzinfo is not None):
        if not isinstance(field, JSONField):
            return value
    return field.get_db_prep_save(value, db)


_READS_ONLY = (Field.pre_save, DateField.pre_save, DateTimeField.pre_save)


@lru_cache(maxsize=None)
def _plan(model: type[Model], with_pk: bool) -> list[tuple[str, str, Field, bool, bool]]:
    # Per column: (column, attname, field, whether its pre_save must run, whether it is JSON).
    # Field.pre_save only reads the attribute; date fields do more only with auto_now/auto_now_add.
    return [(f.column, f.attname, f,
             type(f).pre_save not in _READS_ONLY or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False),
             isinstance(f, JSONField))
            for f in _columns(model, with_pk)]


@lru_cache(maxsize=None)
def _insert_sql(model: type[Model], with_pk: bool, ignore_conflicts: bool) -> str:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in _columns(model, with_pk))
    sql = (f"INSERT INTO {table} ({columns}) SELECT {columns} "
           f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)")
    return sql + " ON CONFLICT DO NOTHING" if ignore_conflicts else sql


def _rows_json(rows: list[Model], with_pk: bool) -> str:
    model = type(rows[0])
    plan = _plan(model, with_pk)
    db = connections[DEFAULT_DB_ALIAS]
    out = []
    for row in rows:
        if type(row) is not model or (row.pk is not None) != with_pk:
            raise ValueError("one group holds rows of one model, all with or all without a primary key")
        # As save() does: a foreign key set to an instance given its pk since (event.issue) takes that pk.
        row._prepare_related_fields_for_save(operation_name="insert")
        values, item = row.__dict__, {}
        for column, attname, field, pre_save, is_json in plan:
            value = field.pre_save(row, True) if pre_save else values[attname]
            kind = type(value)
            if not is_json and (value is None or kind is str or kind is int or kind is bool):
                item[column] = value  # what get_db_prep_save would return unchanged
            else:
                item[column] = _json_value(_prepared(field, value, db))
        out.append(item)
    return json.dumps(out, ensure_ascii=False)


def insert(groups: list[tuple[list[Model], bool]]) -> None:
    """Insert ``groups`` of new model instances in one statement (PostgreSQL).

    ``groups``: ``[(instances of one model, ignore_conflicts), …]``; empty
    groups are skipped. Within a group every instance has its primary key
    set (taken with ``next_ids_sql``) or none has (the database assigns it,
    and the instance's ``pk`` stays None). ``ignore_conflicts`` drops rows
    that hit a unique constraint (ON CONFLICT DO NOTHING); otherwise a
    conflict raises IntegrityError and nothing of the statement is written.
    Must run outside ``transaction.atomic`` to be its own transaction (inside
    one it simply joins it). Saved instances are marked as loaded from the
    database, so a later ``save()`` updates them.

    Each group travels as one JSON parameter expanded by
    ``jsonb_populate_recordset`` (values prepared by each field's
    ``get_db_prep_save``), so the statement's text depends only on which
    models it writes: it is prepared once per connection and then only
    executed (server-side binding; Django's own cursors bind client-side).
    """
    parts = []
    for rows, ignore in groups:
        if rows:
            with_pk = rows[0].pk is not None
            parts.append((_insert_sql(type(rows[0]), with_pk, ignore), _rows_json(rows, with_pk)))
    if not parts:
        return
    *ctes, (last_sql, _last) = parts
    sql = last_sql
    if ctes:
        sql = "WITH " + ", ".join(f"w{n} AS ({s})" for n, (s, _p) in enumerate(ctes)) + " " + last_sql
    fetch_prepared(sql, [p for _s, p in parts])
    for rows, _ignore in groups:
        for row in rows:
            row._state.adding = False
            row._state.db = DEFAULT_DB_ALIAS
