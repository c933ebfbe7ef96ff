"""The legal record leaves the database only into verified archive files, one month at a time.

警備業法 (Security Business Act) art. 44 / 施行規則 art. 64: the record of each alarm (received when,
which facility, the measures taken with their times, the result) is kept **1 year**
(../shared/standards.md). ``signals`` and ``incident_events`` are that record. A month is archived
only once every row of it is past the retention (``core/partitions.check_retention``), and its rows
leave the database only after their file is written, fsynced, re-read and its SHA-256 matched:

- ``<dir>/signals-YYYY-MM.jsonl.gz`` and ``<dir>/incident_events-YYYY-MM.jsonl.gz``: one JSON object
  per row, in id order, every column, times in ISO 8601 UTC;
- ``<dir>/manifest-YYYY-MM.json``: per file its row count and SHA-256, and the rule it was kept under.

Then, on PostgreSQL, the month's partitions are dropped (and the month's dedup keys, ``signal_keys``);
on SQLite (dev/demo, no partitions) the month's rows are deleted. ``ArchiveJob`` does it on a clock:
it creates the partitions ahead and archives whatever month has passed the retention.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.partitions import (
    PARTITIONED,
    RETENTION_YEARS,
    Month,
    archive_file_name,
    check_retention,
    default_partition,
    latest_archivable,
    manifest_name,
    month_of_partition,
    months_between,
    partition_name,
)
from control_center.core.tasks import stop_if_cancelled
from control_center.incidents.models import IncidentEvent
from control_center.signals.models import Signal
from control_center.signals.partition_manager import ensure_partitions, is_postgres, partitions

log = logging.getLogger(__name__)

TABLES: dict[str, Table] = {
    "signals": Signal.__table__,  # type: ignore[dict-item]
    "incident_events": IncidentEvent.__table__,  # type: ignore[dict-item]
}


class ArchiveError(RuntimeError):
    """A file could not be verified, or rows changed under the archive: nothing was dropped."""


@dataclass
class ArchivedFile:
    table: str
    path: Path
    rows: int
    sha256: str


@dataclass
class ArchivedMonth:
    month: Month
    rows: dict[str, int]
    files: list[ArchivedFile] = field(default_factory=list)
    dropped: bool = False


async def months_before(session: AsyncSession, before: Month) -> list[Month]:
    """The months older than ``before`` that hold rows of either table (or a partition, even empty)."""
    found: set[Month] = set()
    for table, column in PARTITIONED.items():
        found |= {m for m in await partitions(session, table) if m < before}
        found |= {m for m in await _leftovers(session, table) if m < before}
        if is_postgres(session):  # the monthly partitions are listed above; rows may also sit in the default
            oldest = await session.scalar(
                text(f"SELECT min({column}) FROM {default_partition(table)} WHERE {column} < :before"),
                {"before": before.start},
            )
        else:
            time = TABLES[table].c[column]
            oldest = await session.scalar(select(func.min(time)).where(time < before.start))
        if oldest is not None:
            found |= set(months_between(Month.of(oldest), before))
    return sorted(found)


async def _count(session: AsyncSession, table: str, month: Month) -> int:
    model = TABLES[table]
    column = model.c[PARTITIONED[table]]
    return int(
        await session.scalar(
            select(func.count()).select_from(model).where(column >= month.start, column < month.end)
        )
        or 0
    )


async def archive_before(
    session: AsyncSession,
    before: Month,
    directory: Path,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    years: int = RETENTION_YEARS,
) -> list[ArchivedMonth]:
    """Archive and drop every month older than ``before``, oldest first; ``RetentionError`` if any row
    of them is younger than the retention. A dry run counts the rows and writes nothing."""
    check_retention(before, now, years)
    done = []
    for month in await months_before(session, before):
        rows = {table: await _count(session, table, month) for table in TABLES}
        if dry_run:
            done.append(ArchivedMonth(month, rows))
            continue
        done.append(await archive_month(session, month, directory, now=now))
    return done


async def archive_month(
    session: AsyncSession, month: Month, directory: Path, *, now: dt.datetime
) -> ArchivedMonth:
    """Write, fsync and verify the month's files and manifest, then drop the month (see the module)."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    if await asyncio.to_thread((directory / manifest_name(month)).exists):
        # Written before, not dropped (a crash between the two, or another process's run): the
        # verified files stand, and the drop below checks the database still holds exactly their rows.
        manifest = await asyncio.to_thread(verify_manifest, directory, month)
        files = [
            ArchivedFile(e["table"], directory / e["file"], e["rows"], e["sha256"]) for e in manifest["files"]
        ]
        await session.rollback()
    else:
        files = [await _write(session, table, month, directory) for table in TABLES]
        await session.rollback()  # end the reading transaction before taking the drop's locks
        await asyncio.to_thread(_write_manifest, directory, month, files, now)
    await _drop(session, month, {f.table: f.rows for f in files})
    log.warning("archived %s to %s (%s) and dropped it", month, directory, {f.table: f.rows for f in files})
    return ArchivedMonth(month, {f.table: f.rows for f in files}, files, dropped=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


async def _write(session: AsyncSession, table: str, month: Month, directory: Path) -> ArchivedFile:
    """Stream the month's rows into the file; the file work runs in a thread (the console shares this
    event loop)."""
    model = TABLES[table]
    column = model.c[PARTITIONED[table]]
    final = directory / archive_file_name(table, month)
    writer = await asyncio.to_thread(_GzipLines, final.with_name(final.name + ".partial"), month)
    statement = select(model).where(column >= month.start, column < month.end).order_by(model.c.id)
    result = await session.stream(statement.execution_options(yield_per=_BATCH))
    try:
        async for batch in result.mappings().partitions(_BATCH):
            lines = [
                json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False) for row in batch
            ]
            await asyncio.to_thread(writer.write, lines)
        written = await asyncio.to_thread(writer.close, final)
    except BaseException:
        await asyncio.to_thread(writer.abandon)
        raise
    return ArchivedFile(table, final, written[0], written[1])


_BATCH = 2000


class _GzipLines:
    """A gzip file of lines, its compressed bytes hashed on their way to disk, then fsynced, renamed
    into place and verified by reading it back."""

    def __init__(self, partial: Path, month: Month) -> None:
        self._partial, self._month = partial, month
        self._raw = open(partial, "wb")  # noqa: SIM115 (closed in close/abandon)
        self._digest = hashlib.sha256()
        # mtime=0: the same rows give the same bytes, so a re-run's hash is comparable.
        self._gzip = gzip.GzipFile(
            filename="", mode="wb", fileobj=_HashingWriter(self._raw, self._digest), mtime=0
        )  # type: ignore[arg-type]
        self._rows = 0

    def write(self, lines: list[str]) -> None:
        self._gzip.write("".join(line + "\n" for line in lines).encode())
        self._rows += len(lines)

    def close(self, final: Path) -> tuple[int, str]:
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        if (final.parent / manifest_name(self._month)).exists():
            # Archived meanwhile by another run, which may have dropped the month since: never replace
            # its verified file with this one (which could be empty).
            self._partial.unlink(missing_ok=True)
            raise ArchiveError(f"{final.parent}: {self._month} was archived meanwhile; nothing dropped")
        os.replace(self._partial, final)
        _fsync_directory(final.parent)
        _verify(ArchivedFile("", final, self._rows, self._digest.hexdigest()))
        return self._rows, self._digest.hexdigest()

    def abandon(self) -> None:
        self._raw.close()
        self._partial.unlink(missing_ok=True)


class _HashingWriter:
    """Hashes the compressed bytes on their way to the file."""

    def __init__(self, raw: Any, digest: Any) -> None:
        self._raw, self._digest = raw, digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()


def _verify(archived: ArchivedFile) -> None:
    """Re-read the file from disk: its SHA-256 and its row count must be what was written."""
    digest = hashlib.sha256()
    with open(archived.path, "rb") as raw:
        for chunk in iter(lambda: raw.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != archived.sha256:
        raise ArchiveError(f"{archived.path}: SHA-256 differs from what was written; nothing dropped")
    with gzip.open(archived.path, "rb") as lines:
        count = sum(1 for _ in lines)
    if count != archived.rows:
        raise ArchiveError(
            f"{archived.path}: {count} rows read back, {archived.rows} written; nothing dropped"
        )


def verify_manifest(directory: Path, month: Month) -> dict[str, Any]:
    """Check every file a month's manifest names against its hash and row count (``ArchiveError``)."""
    manifest = json.loads((directory / manifest_name(month)).read_text())
    for entry in manifest["files"]:
        _verify(ArchivedFile(entry["table"], directory / entry["file"], entry["rows"], entry["sha256"]))
    return manifest


def _write_manifest(directory: Path, month: Month, files: list[ArchivedFile], now: dt.datetime) -> None:
    manifest = {
        "month": str(month),
        "range_utc": [month.start.isoformat(), month.end.isoformat()],
        "archived_at": now.astimezone(dt.UTC).isoformat(),
        "kept_under": f"警備業法 art. 44 / 施行規則 art. 64: alarm record kept {RETENTION_YEARS} year(s)",
        "format": "gzip-compressed JSON lines, one row per line, in id order",
        "files": [{"table": f.table, "file": f.path.name, "rows": f.rows, "sha256": f.sha256} for f in files],
    }
    final = directory / manifest_name(month)
    partial = final.with_name(final.name + ".partial")
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=2)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, final)
    _fsync_directory(directory)
    verify_manifest(directory, month)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def _drop(session: AsyncSession, month: Month, archived: dict[str, int]) -> None:
    """Drop the month once it holds exactly the rows archived (a row added or lost since stops it)."""
    if not is_postgres(session):
        async with session.begin():
            for table in TABLES:
                if (rows := await _count(session, table, month)) != archived[table]:
                    raise ArchiveError(
                        f"{table} {month}: {rows} rows now, {archived[table]} archived; nothing dropped"
                    )
            for table, column in PARTITIONED.items():
                model = TABLES[table]
                await session.execute(
                    delete(model).where(model.c[column] >= month.start, model.c[column] < month.end)
                )
        return
    # PostgreSQL. First detach the month's partitions, a moment's lock on the parent taken before the
    # partition's (the order every insert and update takes them: no deadlock with the intake or the
    # inbox); nothing can write to a detached table. The count and the drop then lock only those.
    async with session.begin():
        for table in TABLES:
            if (name := (await partitions(session, table)).get(month)) is not None:
                await session.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
    window = {"start": month.start, "end": month.end}
    try:
        async with session.begin():
            detached = {table: await _detached(session, table, month) for table in TABLES}
            for table, column in PARTITIONED.items():
                default = default_partition(table)
                await session.execute(text(f"LOCK TABLE {default} IN SHARE ROW EXCLUSIVE MODE"))
                rows = await session.scalar(
                    text(f"SELECT count(*) FROM {default} WHERE {column} >= :start AND {column} < :end"),
                    window,
                )
                if detached[table] is not None:
                    rows += await session.scalar(text(f"SELECT count(*) FROM {detached[table]}"))
                if rows != archived[table]:
                    raise ArchiveError(
                        f"{table} {month}: {rows} rows now, {archived[table]} archived; nothing dropped"
                    )
            for table, column in PARTITIONED.items():
                await session.execute(
                    text(
                        f"DELETE FROM {default_partition(table)} WHERE {column} >= :start AND {column} < :end"
                    ),
                    window,
                )
                if detached[table] is not None:
                    await session.execute(text(f"DROP TABLE {detached[table]}"))
            await session.execute(
                text("DELETE FROM signal_keys WHERE received_at >= :start AND received_at < :end"), window
            )
    except BaseException:
        await _reattach(session, month)
        raise


async def _detached(session: AsyncSession, table: str, month: Month) -> str | None:
    """The month's partition of ``table`` if it is detached (by ``_drop``, even one that died since)."""
    name = partition_name(table, month)
    found = await session.scalar(
        text(
            "SELECT c.relname FROM pg_class c WHERE c.relname = :name AND c.relkind = 'r' "
            "AND NOT c.relispartition AND c.relnamespace = CAST(current_schema() AS regnamespace)"
        ),
        {"name": name},
    )
    return found


async def _leftovers(session: AsyncSession, table: str) -> set[Month]:
    """Months whose partition a ``_drop`` detached and did not get to drop (it died in between)."""
    if not is_postgres(session):
        return set()
    names = await session.scalars(
        text(
            "SELECT c.relname FROM pg_class c WHERE c.relname LIKE :pattern AND c.relkind = 'r' "
            "AND NOT c.relispartition AND c.relnamespace = CAST(current_schema() AS regnamespace)"
        ),
        {"pattern": f"{table}_y%"},
    )
    return {m for name in names if (m := month_of_partition(table, name)) is not None}


async def _reattach(session: AsyncSession, month: Month) -> None:
    """Put detached partitions back (a failed drop leaves the month as it was)."""
    await session.rollback()
    async with session.begin():
        for table in TABLES:
            if (name := await _detached(session, table, month)) is not None:
                bounds = f"FOR VALUES FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')"
                await session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} {bounds}"))


class ArchiveJob:
    """Creates next months' partitions and archives what has passed the retention, on a clock.

    Runs every ``every_seconds`` (an hour by default); a month becomes archivable once a month, so in
    practice it archives monthly. Without a directory it only creates partitions: keeping the record
    longer than the law asks is allowed, dropping it without a file is not.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        directory: Path | None,
        every_seconds: float = 3600.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions, self._directory = sessions, directory
        self._every, self._clock = every_seconds, clock

    async def run_once(self) -> list[ArchivedMonth]:
        now = self._clock()
        async with self._sessions() as session:
            created = await ensure_partitions(session, now)
        if created:
            log.info("created partitions %s", created)
        if self._directory is None:
            return []
        async with self._sessions() as session:
            return await archive_before(session, latest_archivable(now), self._directory, now=now)

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                stop_if_cancelled()
                log.exception("archive job failed; retrying")
            await asyncio.sleep(self._every)
