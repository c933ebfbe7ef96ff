"""Migration 0016 converts existing PostgreSQL tables: every row kept, in its month, still deduplicated."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from control_center.core.partitions import Month, partition_name
from control_center.migrate import upgrade
from tests.conftest import POSTGRES_URL, require_server

INSERT_SIGNAL = (
    "INSERT INTO signals (account, message_id, transport, received_at, format, event_code, partition, zone, "
    "kind, priority, description, raw) VALUES (%s, %s, 'mqtt', %s, 'contact_id', 'E130', 0, 1, 'alarm', 1, "
    "'burglary', '{}') ON CONFLICT DO NOTHING RETURNING id"
)


@pytest.fixture
def schema_at_0015():
    pg = make_url(POSTGRES_URL)
    require_server("PostgreSQL", pg.host or "127.0.0.1", pg.port or 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = f"host={pg.host} port={pg.port or 5432} user={pg.username} dbname={pg.database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    upgrade(url, "0015")
    try:
        yield url, f"{dsn} options=-csearch_path={schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def test_existing_rows_move_into_monthly_partitions_and_keep_their_guarantees(schema_at_0015) -> None:
    url, dsn = schema_at_0015
    now = dt.datetime.now(dt.UTC)
    old = Month.of(now).next(-9)  # within the three years converted into monthly partitions
    old_at = old.start + dt.timedelta(days=2, hours=4)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for account, message_id, at in [
            ("4001", "old", old_at),
            ("4001", "new", now),
            ("4002", "far-off-clock", dt.datetime(1999, 1, 1, tzinfo=dt.UTC)),
        ]:
            conn.execute(INSERT_SIGNAL, (account, message_id, at))
        conn.execute(
            "INSERT INTO incidents (account, service_type, priority, status, description, opened_at, "
            "last_signal_at, signal_count, verified) VALUES ('4001', 'A', 1, 'received', 'burglary', "
            "%s, %s, 1, false)",
            (old_at, old_at),
        )
        conn.execute(
            "INSERT INTO incident_events (incident_id, at, actor, kind, detail) "
            "VALUES (1, %s, 'operator', 'claimed', '')",
            (old_at,),
        )

    await asyncio.to_thread(upgrade, url)

    with psycopg.connect(dsn, autocommit=True) as conn:
        placed = dict(conn.execute("SELECT message_id, tableoid::regclass::text FROM signals").fetchall())
        assert placed == {
            "old": partition_name("signals", old),
            "new": partition_name("signals", Month.of(now)),
            "far-off-clock": "signals_default",
        }
        where = conn.execute("SELECT tableoid::regclass::text FROM incident_events").fetchone()
        assert where == (partition_name("incident_events", old),)
        # A retry of a message stored before the conversion is still a duplicate, in any month.
        assert conn.execute(INSERT_SIGNAL, ("4001", "old", now)).fetchall() == []
        # New rows continue the same id sequence (a skipped duplicate uses up a number, as ON CONFLICT did).
        ((new_id,),) = conn.execute(INSERT_SIGNAL, ("4001", "next", now)).fetchall()
        assert new_id > 3
        # The incident events still refer to real incidents only.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute(
                "INSERT INTO incident_events (incident_id, at, actor, kind, detail) "
                "VALUES (999, now(), 'operator', 'claimed', '')"
            )
