"""Creates the monthly partitions of ``signals`` and ``incident_events`` ahead of time (PostgreSQL).

Migration 0016 made both tables ``PARTITION BY RANGE`` on their time with a default partition; this
adds each month's partition before the month starts (``PARTITIONS_AHEAD``), so inserts never wait on
DDL and the default partition stays empty. Should rows already sit in the default partition for a
month being created (the job was off for months, a panel clock far off), they move into the new
partition in the same transaction. On SQLite there are no partitions: everything here is a no-op.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.partitions import (
    PARTITIONED,
    PARTITIONS_AHEAD,
    Month,
    default_partition,
    month_of_partition,
    months_to_create,
    partition_name,
)

_LOCK = 2026_11_20  # advisory lock: two processes never create the same partition at once


def is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def partitions(session: AsyncSession, table: str) -> dict[Month, str]:
    """The monthly partitions of ``table`` that exist now, by month (the default partition aside)."""
    if not is_postgres(session):
        return {}
    names = await session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:table AS regclass)"
        ),
        {"table": table},
    )
    found = {}
    for name in names:
        month = month_of_partition(table, name)
        if month is not None:
            found[month] = name
    return found


async def ensure_partitions(
    session: AsyncSession, now: dt.datetime, ahead: int = PARTITIONS_AHEAD
) -> list[str]:
    """Create the partitions of this month and ``ahead`` more that are missing; commits; returns
    their names."""
    if not is_postgres(session):
        return []
    created = []
    for table, column in PARTITIONED.items():
        for month in months_to_create(now, ahead):
            if month in await partitions(session, table):
                continue
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
            if month not in await partitions(session, table):  # another process may have just made it
                await _create(session, table, column, month)
                created.append(partition_name(table, month))
            await session.commit()
    return created


async def _create(session: AsyncSession, table: str, column: str, month: Month) -> None:
    name, default = partition_name(table, month), default_partition(table)
    bounds = f"FOR VALUES FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')"
    in_range = f"{column} >= :start AND {column} < :end"
    window = {"start": month.start, "end": month.end}
    stranded = await session.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {in_range})"), window)
    if not stranded:
        await session.execute(text(f"CREATE TABLE {name} PARTITION OF {table} {bounds}"))
        return
    # The default partition holds rows of this month: attaching a partition over them would fail, so
    # they move into the new table first, all in this one transaction (nothing lost, nothing doubled).
    await session.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    await session.execute(
        text(
            f"WITH moved AS (DELETE FROM {default} WHERE {in_range} RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved"
        ),
        window,
    )
    await session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} {bounds}"))
