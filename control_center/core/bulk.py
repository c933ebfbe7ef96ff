"""Many rows in one statement: insert-if-new and upsert, the same on SQLite and PostgreSQL.

On PostgreSQL the rows travel as one array per column through ``unnest``, so the statement's text is
the same whatever the number of rows. A multi-row VALUES list is a new text for every batch size:
psycopg re-parses it each time (it caches only short statements) and the server cannot keep it
prepared; with 500 signals × 20 columns that parsing was a third of the gateway's CPU under load.
SQLite keeps SQLAlchemy's executemany, which it batches into multi-row statements.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, bindparam, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import TextClause

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
        statement = _unnest(table, tuple(rows[0]), conflict=None, update=())
        result = await session.execute(statement, _columns(rows))
    else:
        primary_key = table.primary_key.columns.values()[0]
        statement = sqlite.insert(table).on_conflict_do_nothing().returning(primary_key)
        result = await session.execute(statement, list(rows))
    return len(result.all())


async def insert_returning(
    session: AsyncSession, model: type[Base], rows: Sequence[dict[str, Any]], returning: str
) -> dict[Any, int]:
    """A plain INSERT of many rows (a conflict raises ``IntegrityError``); returns each row's
    ``returning`` column → its new primary key. Every row must have the same keys."""
    if not rows:
        return {}
    table: Table = model.__table__  # type: ignore[assignment]
    primary_key = table.primary_key.columns.values()[0]
    rows = _with_defaults(table, rows)
    if session.bind.dialect.name == "postgresql":
        statement = _unnest(table, tuple(rows[0]), conflict=(), update=(), returning=returning)
        result = await session.execute(statement, _columns(rows))
    else:
        result = await session.execute(insert(table).returning(table.c[returning], primary_key), list(rows))
    return {key: primary_key for key, primary_key in result.all()}


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
        await session.execute(_unnest(table, tuple(rows[0]), conflict, update), _columns(rows))
        return
    statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(conflict), set_={name: statement.excluded[name] for name in update}
    )
    await session.execute(statement, list(rows))


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
) -> TextClause:
    """``conflict`` None: ON CONFLICT DO NOTHING RETURNING the key; empty: a plain INSERT RETURNING
    ``returning`` and the key; else an upsert on those columns."""
    arrays = ", ".join(f"CAST(:{c} AS {table.c[c].type.compile(dialect=_PG)}[])" for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if conflict == ():
        sql += f" RETURNING {returning}, {table.primary_key.columns.values()[0].name}"
    elif conflict is None:
        primary_key = table.primary_key.columns.values()[0].name
        sql += f" ON CONFLICT DO NOTHING RETURNING {primary_key}"
    else:
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {assignments}"
    # Typed as arrays of the column's own type, so its bind processing (UTC datetimes) still applies.
    return text(sql).bindparams(*(bindparam(c, type_=postgresql.ARRAY(table.c[c].type)) for c in columns))
