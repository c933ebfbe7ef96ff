"""signals and incident events partitioned by month on PostgreSQL, the archive (issue 20)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 19:40:00

PostgreSQL only (SQLite, the demo's database, keeps plain tables: nothing to do there).

Each table becomes ``PARTITION BY RANGE`` on its time (``signals.received_at``,
``incident_events.at``), one partition per UTC month from the oldest row's month to three months
ahead, plus a default partition so that no row is ever refused (a panel whose clock is years off still
lands somewhere; ``signals/partition_manager.py`` moves such rows when their month's partition is made).
The legal record (警備業法 art. 44 / 施行規則 art. 64: kept 1 year) is dropped later only by month,
after its archive file is verified (``incidents/archive.py``).

Dedup: a unique index of a partitioned table must include the partition key, so (account,
message_id) can no longer be unique on ``signals`` itself: a retry received in the next month would
be stored twice. The key moves to ``signal_keys`` (unpartitioned, primary key (account, message_id)),
claimed by a BEFORE INSERT trigger on ``signals``: a row whose key is already claimed is skipped, so
the intake's ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` keeps returning exactly the new rows,
and concurrent gateways still serialise on the key's unique index, as before. Keys leave with their
month's archive.

Primary keys become (id, time column): ids still come from the same sequences and stay unique.
Nothing references either table by foreign key (``signals.incident_id`` is a plain column);
``incident_events.incident_id`` → ``incidents.id`` is kept.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

AHEAD = 3
KEEP_YEARS = 3

# table → (time column, [(index name, definition)] besides the primary key)
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "signals": (
        "received_at",
        [
            ("ix_signals_inbox", "(priority, id) WHERE processed_at IS NULL"),
            ("ix_signals_incident_id", "(incident_id)"),
            # What the unique (account, message_id) gave for free: a premises' recent signals (the inbox's
            # runaway count, the premises panel) without reading every row of the month.
            ("ix_signals_account_received_at", "(account, received_at)"),
        ],
    ),
    "incident_events": ("at", [("ix_incident_events_incident_id", "(incident_id)")]),
}

CLAIM_KEY = """
CREATE FUNCTION signals_claim_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The dedup of (account, message_id) across every month (see migration 0016).
    INSERT INTO signal_keys (account, message_id, received_at)
    VALUES (NEW.account, NEW.message_id, NEW.received_at)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    RETURN NULL;
END
$$
"""


def _month_start(at: dt.datetime) -> dt.datetime:
    at = at.astimezone(dt.UTC)
    return dt.datetime(at.year, at.month, 1, tzinfo=dt.UTC)


def _next_month(start: dt.datetime) -> dt.datetime:
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def _partition(table: str, start: dt.datetime) -> None:
    name = f"{table}_y{start.year:04d}m{start.month:02d}"
    op.execute(
        f"CREATE TABLE {name} PARTITION OF {table} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{_next_month(start).isoformat()}')"
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    now = dt.datetime.now(dt.UTC)
    for table, (column, indexes) in TABLES.items():
        old = f"{table}_unpartitioned"
        op.execute(f"ALTER TABLE {table} RENAME TO {old}")
        op.execute(f"ALTER INDEX pk_{table} RENAME TO pk_{old}")
        for name, _ in indexes:
            op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_unpartitioned")
        op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE ({column})")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id, {column})")
        for name, definition in indexes:
            op.execute(f"CREATE INDEX {name} ON {table} {definition}")
        # The sequence would go with the old table otherwise.
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        # A partition for each month that has rows (within KEEP_MONTHS) and the months ahead; older
        # rows (a panel clock years off) go to the default partition, not into hundreds of partitions.
        months = {_month_start(now)}
        for _ in range(AHEAD):
            months.add(_next_month(max(months)))
        cutoff = _month_start(now).replace(year=now.year - KEEP_YEARS)
        rows = bind.execute(
            sa.text(f"SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE 'UTC') FROM {old}")
        )
        months |= {m.replace(tzinfo=dt.UTC) for (m,) in rows if m.replace(tzinfo=dt.UTC) >= cutoff}
        for start in sorted(months):
            _partition(table, start)
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        if table == "signals":
            op.execute(
                "CREATE TABLE signal_keys (account VARCHAR(32) NOT NULL, message_id VARCHAR(64) NOT NULL, "
                "received_at TIMESTAMP WITH TIME ZONE NOT NULL, "
                "CONSTRAINT pk_signal_keys PRIMARY KEY (account, message_id))"
            )
            op.execute("CREATE INDEX ix_signal_keys_received_at ON signal_keys (received_at)")
            op.execute(
                f"INSERT INTO signal_keys (account, message_id, received_at) "
                f"SELECT account, message_id, received_at FROM {old}"
            )
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"DROP TABLE {old}")
        if table == "signals":
            op.execute(CLAIM_KEY)
            op.execute(
                "CREATE TRIGGER signals_claim_key BEFORE INSERT ON signals "
                "FOR EACH ROW EXECUTE FUNCTION signals_claim_key()"
            )
        else:
            op.execute(
                "ALTER TABLE incident_events ADD CONSTRAINT fk_incident_events_incident_id_incidents "
                "FOREIGN KEY (incident_id) REFERENCES incidents (id)"
            )
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, (_column, indexes) in TABLES.items():
        old = f"{table}_partitioned"
        op.execute(f"ALTER TABLE {table} RENAME TO {old}")
        op.execute(f"ALTER INDEX pk_{table} RENAME TO pk_{old}")
        for name, _ in indexes:
            op.execute(f"ALTER INDEX IF EXISTS {name} RENAME TO {name}_partitioned")
        op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS)")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
        for name, definition in indexes:
            op.execute(f"CREATE INDEX {name} ON {table} {definition}")
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"DROP TABLE {old}")
        if table == "signals":
            op.execute("DROP FUNCTION signals_claim_key() CASCADE")
            op.execute("DROP TABLE signal_keys")
            op.execute("ALTER TABLE signals ADD CONSTRAINT uq_signals_account UNIQUE (account, message_id)")
        else:
            op.execute(
                "ALTER TABLE incident_events ADD CONSTRAINT fk_incident_events_incident_id_incidents "
                "FOREIGN KEY (incident_id) REFERENCES incidents (id)"
            )
