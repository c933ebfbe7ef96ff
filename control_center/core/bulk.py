"""Many rows in one statement: insert-if-new and upsert, the same on SQLite and PostgreSQL.

On PostgreSQL the rows travel as one array per column through ``unnest``, so the statement's text is
the same whatever the number of rows. A multi-row VALUES list is a new text for every batch size:
psycopg re-parses it each time (it caches only short statements) and the server cannot keep it
prepared; with 500 signals × 20 columns that parsing was a third of the gateway's CPU under load.
SQLite keeps SQLAlchemy's executemany, which it batches into multi-row statements. The arrays go to
psycopg in binary (``_execute_pg``).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy import ColumnElement, Table, any_, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.db import Base

_PG = postgresql.dialect()


async def insert_new(session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING; returns how many rows were new (exact on both backends).

    Every row must have the same keys.
    """
    if not rows:
        return 0
    table: Table = model.__table__  # type: ignore[assignment]
    if session.bind.dialect.name == "postgresql":
        return len(
            await _execute_pg(session, table, _unnest(table, tuple(rows[0]), None, ()), _columns(rows))
        )
    else:
        primary_key = table.primary_key.columns.values()[0]
        statement = sqlite.insert(table).on_conflict_do_nothing().returning(primary_key)
        result = await session.execute(statement, list(rows))
    return len(result.all())


async def append(session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """A plain INSERT of rows nothing conflicts with and nobody reads back (an incident's records, its
    planned tasks). On PostgreSQL by binary COPY: no statement to parse, no RETURNING, and the fastest way
    the server takes rows — a storm group's 4,000 records took 28–41 ms, against 56–67 ms by INSERT …
    unnest … RETURNING. Every row must have the same keys."""
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    rows = _with_defaults(table, rows)
    if session.bind.dialect.name != "postgresql":
        await session.execute(sqlite.insert(table), list(rows))
        return
    await session.flush()  # as the session's own execute would: pending ORM changes go first
    columns = tuple(rows[0])
    processors = [_processor(table.c[c].type, session.bind.dialect) for c in columns]
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    async with _raw_cursor(session, sql, {}) as cursor, cursor.copy(sql) as copy:
        copy.set_types([_copy_type(table, c) for c in columns])
        for row in rows:
            values = zip(row.values(), processors, strict=True)
            await copy.write_row([v if process is None else process(v) for v, process in values])


@functools.cache
def _copy_type(table: Table, column: str) -> str:
    """The column's PostgreSQL type as psycopg names it for COPY: ``VARCHAR(40)`` → ``varchar``."""
    return table.c[column].type.compile(dialect=_PG).split("(")[0].lower()


async def insert_returning(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    returning: str,
    skip_conflicts: bool = False,
) -> dict[Any, int]:
    """An INSERT of many rows; returns each row's ``returning`` column → its new primary key. A conflict
    on ``returning`` (a unique column) raises ``IntegrityError``, or with ``skip_conflicts`` leaves that
    row out (ON CONFLICT DO NOTHING: another transaction's row won). Every row must have the same keys."""
    if not rows:
        return {}
    table: Table = model.__table__  # type: ignore[assignment]
    primary_key = table.primary_key.columns.values()[0]
    rows = _with_defaults(table, rows)
    if session.bind.dialect.name == "postgresql":
        conflict = (returning,) if skip_conflicts else ()
        statement = _unnest(table, tuple(rows[0]), conflict=conflict, update=(), returning=returning)
        pairs = await _execute_pg(session, table, statement, _columns(rows))
    else:
        statement = sqlite.insert(table)
        if skip_conflicts:
            statement = statement.on_conflict_do_nothing(index_elements=[returning])
        result = await session.execute(statement.returning(table.c[returning], primary_key), list(rows))
        pairs = result.all()
    return {key: primary_key for key, primary_key in pairs}


async def upsert_many(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
) -> None:
    """INSERT … ON CONFLICT (``conflict``) DO UPDATE SET each of ``update`` to the new row's value.

    Every row must have the same keys, and no two rows the same ``conflict`` values (PostgreSQL
    refuses to update one row twice in a statement).
    """
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    if session.bind.dialect.name == "postgresql":
        await _execute_pg(session, table, _unnest(table, tuple(rows[0]), conflict, update), _columns(rows))
        return
    statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(conflict), set_={name: statement.excluded[name] for name in update}
    )
    await session.execute(statement, list(rows))


async def update_each(
    session: AsyncSession,
    model: type[Base],
    column: str,
    values: dict[int, Any],
    **same: Any,
) -> None:
    """``UPDATE … SET column = values[primary key], same…`` for each primary key of ``values`` in one
    statement (PostgreSQL: the pairs as two arrays through ``unnest``; SQLite: executemany)."""
    await update_rows(session, model, (column,), {k: (v,) for k, v in values.items()}, **same)


async def update_rows(
    session: AsyncSession,
    model: type[Base],
    columns: tuple[str, ...],
    values: dict[int, tuple[Any, ...]],
    **same: Any,
) -> None:
    """``UPDATE … SET columns = values[primary key], same…`` for each primary key of ``values`` in one
    statement: several columns per row (PostgreSQL: one array per column through ``unnest``; SQLite:
    executemany)."""
    if not values:
        return
    values = dict(sorted(values.items()))  # rows locked in key order, as every writer takes them
    table: Table = model.__table__  # type: ignore[assignment]
    key = table.primary_key.columns.values()[0]
    if session.bind.dialect.name == "postgresql":
        arrays = {key.name: list(values)} | {
            c: [row[i] for row in values.values()] for i, c in enumerate(columns)
        }
        await _execute_pg(session, table, _update_rows(table, columns, tuple(sorted(same))), arrays, same)
        return
    assignments = {c: bindparam(f"_value{i}") for i, c in enumerate(columns)}
    statement = update(table).where(key == bindparam("_key")).values({**assignments, **same})
    await session.execute(
        statement,
        [{"_key": k} | {f"_value{i}": v for i, v in enumerate(row)} for k, row in values.items()],
    )


@functools.cache
def _update_rows(table: Table, columns: tuple[str, ...], same: tuple[str, ...]) -> str:
    key = table.primary_key.columns.values()[0]
    arrays = ", ".join(
        f"CAST(%({c})b AS {t.type.compile(dialect=_PG)}[])"
        for c, t in [(key.name, key)] + [(c, table.c[c]) for c in columns]
    )
    names = ", ".join(f"v{i}" for i in range(len(columns)))
    assignments = ", ".join(
        [f"{c} = v.v{i}" for i, c in enumerate(columns)] + [f"{c} = %({c})b" for c in same]
    )
    return (
        f"UPDATE {table.name} SET {assignments} FROM unnest({arrays}) AS v(key, {names}) "
        f"WHERE {table.name}.{key.name} = v.key"
    )


async def _execute_pg(
    session: AsyncSession,
    table: Table,
    sql: str,
    arrays: dict[str, list[Any]],
    scalars: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """Runs ``sql`` on the session's own connection (its transaction) through psycopg directly, with
    every parameter in binary: psycopg's text form of an array quotes each element through a regular
    expression, which was most of the inbox's CPU in a storm (3–4× slower than binary). Each value
    goes through its column type's bind processing first, as SQLAlchemy would do it."""
    await session.flush()  # as the session's own execute would: pending ORM changes go first
    dialect = session.bind.dialect
    params: dict[str, Any] = {}
    for name, values in arrays.items():
        process = _processor(table.c[name].type, dialect)
        params[name] = values if process is None else [process(v) for v in values]
    for name, value in (scalars or {}).items():
        process = _processor(table.c[name].type, dialect)
        params[name] = value if process is None else process(value)
    async with _raw_cursor(session, sql, params) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall() if cursor.description is not None else []


@contextlib.asynccontextmanager
async def _raw_cursor(session: AsyncSession, sql: str, params: dict[str, Any]) -> AsyncIterator[Any]:
    """A psycopg cursor on the session's own connection (its transaction), its listeners told of ``sql``
    (tests, traces); a psycopg error raised as SQLAlchemy would raise it (IntegrityError,
    OperationalError…): callers tell a conflict from a database that is away by these, and by the
    original's SQLSTATE."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
    sync = connection.sync_connection
    try:
        if sync is not None and sync.dispatch.before_cursor_execute:
            sync.dispatch.before_cursor_execute(sync, cursor, sql, params, None, False)
        yield cursor
    except psycopg.Error as exc:
        driver = raw.driver_connection
        away = driver is None or driver.closed or driver.broken  # type: ignore[union-attr]
        raise DBAPIError.instance(
            sql, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=away,
            dialect=session.bind.dialect,
        ) from exc  # fmt: skip
    finally:
        await cursor.close()


def _processor(type_: Any, dialect: Any) -> Any:
    return type_._cached_bind_processor(dialect)


def among(session: AsyncSession, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(array)``, one statement text for any count
    (psycopg re-parses statements of more than 50 parameters every time)."""
    if session.bind.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The model's plain Python defaults (``default=False``) filled in, as the ORM would: the unnest
    statement is text, which applies none."""
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.default is not None and c.default.is_scalar and c.name not in rows[0]
    }
    return [defaults | row for row in rows]


def _columns(rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in rows[0]}


@functools.cache
def _unnest(
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...] | None,
    update: tuple[str, ...],
    returning: str | None = None,
) -> str:
    """``conflict`` None: ON CONFLICT DO NOTHING RETURNING the key; empty: a plain INSERT RETURNING
    ``returning`` and the key; else an upsert on those columns, or with no ``update`` ON CONFLICT on them
    DO NOTHING RETURNING ``returning`` and the key. psycopg's own placeholders, binary."""
    arrays = ", ".join(f"CAST(%({c})b AS {table.c[c].type.compile(dialect=_PG)}[])" for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if conflict == () or (conflict and not update):
        if conflict:
            sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
        sql += f" RETURNING {returning}, {table.primary_key.columns.values()[0].name}"
    elif conflict is None:
        primary_key = table.primary_key.columns.values()[0].name
        sql += f" ON CONFLICT DO NOTHING RETURNING {primary_key}"
    else:
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {assignments}"
    return sql
