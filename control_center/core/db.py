"""Engine, sessions and the column types every model shares, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event, select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


M = TypeVar("M")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# SQLite only auto-increments an INTEGER PRIMARY KEY, so the 64-bit id is INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both backends.

    PostgreSQL keeps ``timestamptz``; SQLite stores text without an offset, so values are converted
    to UTC on the way in and marked UTC on the way out. Naive datetimes are refused: a time without
    a zone is a bug waiting to happen in a 24-hour operation.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            private_database_file(Path(parsed.database))
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {k: v for k, v in FAILOVER_CONNECT_ARGS.items() if k not in parsed.query}
    return create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, connect_args=connect_args, **kwargs
    )


# After a failover (a multi-host URL with target_session_attrs=read-write) a process recovers by
# itself: pool_pre_ping drops a pooled connection to the dead or demoted node, and a new connection
# tries each host in turn. These bound how long one attempt can hang on a machine that vanished
# (no RST): a connection attempt per host, and a silent socket found dead by TCP keepalives. A value
# given in the URL wins.
FAILOVER_CONNECT_ARGS: dict[str, object] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
}


def private_database_file(path: Path) -> None:
    """The SQLite file holds subscribers' personal data and every secret's hash: only our user may read
    it. Created 0600 (its -wal and -shm files take the same mode), in a folder created 0700; a file
    left readable by an older version is narrowed to 0600."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the console read while the gateway writes; busy_timeout makes writers wait, not fail.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgresql(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def get_locked(session: AsyncSession, model: type[M], row_id: int, what: str) -> M:
    """The row, locked for this transaction on PostgreSQL (SQLite serialises writers anyway);
    ``LookupError`` naming ``what`` when there is none."""
    query = select(model).where(model.id == row_id)  # type: ignore[attr-defined]
    if is_postgresql(session):
        query = query.with_for_update(of=model)
    found = await session.scalar(query)
    if found is None:
        raise LookupError(f"{what} {row_id} not found")
    return found
