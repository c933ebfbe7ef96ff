"""The legal record archived to verified files and dropped by month, on both databases, on a clock.

警備業法 art. 44 / 施行規則 art. 64: kept 1 year; then into files (gzip JSON lines + SHA-256 manifest),
and only then out of the database (``incidents/archive.py``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from control_center.core.partitions import Month, RetentionError, manifest_name
from control_center.incidents.archive import (
    ArchiveError,
    ArchiveJob,
    _write,
    _write_manifest,
    archive_before,
    verify_manifest,
)
from control_center.incidents.models import Incident, IncidentEvent
from control_center.signals.models import Signal
from control_center.signals.partition_manager import ensure_partitions, partitions
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.panel import payload

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def received(account: str, message_id: str, when: dt.datetime, code: int = 130) -> Received:
    raw = payload(account, message_id, code, sent_at=when)
    return Received("mqtt", f"panels/{account}/signals", raw, when, mqtt_payload.parse_json(account, raw))


async def store(sessions, *items: Received):
    return await Ingest(sessions).store(list(items))


async def add_events(sessions, *times: dt.datetime) -> int:
    async with sessions() as session:
        incident = Incident(
            account="3001", service_type="A", priority=1, description="burglary", opened_at=times[0],
            last_signal_at=times[0],
        )  # fmt: skip
        session.add(incident)
        await session.flush()
        for i, when in enumerate(times):
            session.add(IncidentEvent(incident_id=incident.id, at=when, actor="operator", kind=f"step{i}"))
        await session.commit()
        return incident.id


async def times_of(sessions, model) -> list[dt.datetime]:
    column = model.received_at if model is Signal else model.at
    async with sessions() as session:
        return sorted(await session.scalars(select(column)))


async def seed(sessions) -> None:
    await store(
        sessions,
        received("3001", "a", at("2025-06-10T08:00")),
        received("3001", "b", at("2025-09-30T23:59:59")),
        received("3001", "c", at("2025-11-02T00:00")),
        received("3001", "d", at("2026-11-20T00:00")),
    )
    await add_events(sessions, at("2025-06-10T08:00"), at("2025-06-10T08:20"), at("2025-11-02T00:00"))


def rows_in(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


async def test_months_past_the_year_go_to_verified_files_then_leave_the_database(sessions, tmp_path) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    await seed(sessions)
    async with sessions() as session:
        done = await archive_before(session, Month(2025, 11), tmp_path, now=NOW)
    assert [str(m.month) for m in done] == ["2025-06", "2025-07", "2025-08", "2025-09", "2025-10"]
    assert done[0].rows == {"signals": 1, "incident_events": 2} and done[3].rows["signals"] == 1
    # What stays: everything from 2025-11 on, untouched.
    assert await times_of(sessions, Signal) == [at("2025-11-02T00:00"), at("2026-11-20T00:00")]
    assert await times_of(sessions, IncidentEvent) == [at("2025-11-02T00:00")]
    # What left is in the files, every column, and the manifest's hashes hold.
    manifest = verify_manifest(tmp_path, Month(2025, 6))
    assert {(f["table"], f["rows"]) for f in manifest["files"]} == {("signals", 1), ("incident_events", 2)}
    assert "art. 44" in manifest["kept_under"]
    (signal,) = rows_in(tmp_path / "signals-2025-06.jsonl.gz")
    assert (signal["account"], signal["message_id"], signal["received_at"]) == (
        "3001", "a", "2025-06-10T08:00:00+00:00"
    )  # fmt: skip
    assert signal["event_code"] and signal["raw"]
    assert [e["kind"] for e in rows_in(tmp_path / "incident_events-2025-06.jsonl.gz")] == ["step0", "step1"]
    assert rows_in(tmp_path / "signals-2025-07.jsonl.gz") == []  # an empty month says so, verifiably
    assert not list(tmp_path.glob("*.partial"))


async def test_a_month_younger_than_a_year_is_refused_and_nothing_is_written_or_dropped(
    sessions, tmp_path
) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    await seed(sessions)
    async with sessions() as session:
        with pytest.raises(RetentionError, match="--before 2025-11"):
            await archive_before(session, Month(2025, 12), tmp_path, now=NOW)
    assert not tmp_path.exists()
    assert len(await times_of(sessions, Signal)) == 4 and len(await times_of(sessions, IncidentEvent)) == 3


async def test_a_dry_run_counts_and_changes_nothing(sessions, tmp_path) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    await seed(sessions)
    async with sessions() as session:
        done = await archive_before(session, Month(2025, 10), tmp_path, now=NOW, dry_run=True)
    assert {str(m.month): m.rows["signals"] for m in done if m.rows["signals"]} == {
        "2025-06": 1,
        "2025-09": 1,
    }
    assert not tmp_path.exists()
    assert len(await times_of(sessions, Signal)) == 4


async def test_nothing_is_dropped_when_the_file_cannot_be_written(sessions, tmp_path) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    await seed(sessions)
    tmp_path.mkdir()
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the archive directory should be")
    async with sessions() as session:
        with pytest.raises(OSError):
            await archive_before(session, Month(2025, 11), blocked, now=NOW)
    assert len(await times_of(sessions, Signal)) == 4 and len(await times_of(sessions, IncidentEvent)) == 3


async def test_a_damaged_archive_from_an_interrupted_run_stops_the_drop(sessions, tmp_path) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    """A run wrote the files and the manifest, then died before dropping; the file was damaged since."""
    await seed(sessions)
    month = Month(2025, 6)
    tmp_path.mkdir()
    async with sessions() as session:
        files = [await _write(session, table, month, tmp_path) for table in ("signals", "incident_events")]
    _write_manifest(tmp_path, month, files, NOW)
    damaged = tmp_path / "signals-2025-06.jsonl.gz"
    data = bytearray(damaged.read_bytes())
    data[-12] ^= 0xFF
    damaged.write_bytes(bytes(data))
    async with sessions() as session:
        with pytest.raises(ArchiveError, match="SHA-256"):
            await archive_before(session, Month(2025, 7), tmp_path, now=NOW)
    assert len(await times_of(sessions, Signal)) == 4 and len(await times_of(sessions, IncidentEvent)) == 3


async def test_an_interrupted_run_is_finished_from_its_verified_files(sessions, tmp_path) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    await seed(sessions)
    month = Month(2025, 6)
    tmp_path.mkdir()
    async with sessions() as session:
        files = [await _write(session, table, month, tmp_path) for table in ("signals", "incident_events")]
    _write_manifest(tmp_path, month, files, NOW)
    written = (tmp_path / manifest_name(month)).read_bytes()
    async with sessions() as session:
        await archive_before(session, Month(2025, 7), tmp_path, now=NOW)
    assert (tmp_path / manifest_name(month)).read_bytes() == written  # kept, not rewritten
    assert await times_of(sessions, Signal) == [
        at(t) for t in ("2025-09-30T23:59:59", "2025-11-02T00:00", "2026-11-20T00:00")
    ]


async def test_the_job_makes_partitions_ahead_and_archives_monthly_by_its_clock(sessions, tmp_path) -> None:
    tmp_path = tmp_path / "archive"  # the SQLite database lives in the test's own tmp_path
    await seed(sessions)
    clock = [at("2025-06-15T00:00")]
    job = ArchiveJob(sessions, tmp_path, clock=lambda: clock[0])
    assert await job.run_once() == []  # nothing is a year old yet
    postgres = sessions.kw["bind"].dialect.name == "postgresql"
    if postgres:
        async with sessions() as session:
            assert set(await partitions(session, "signals")) >= {Month(2025, m) for m in (6, 7, 8, 9)}
            # The June row, stored before its partition existed (default partition), moved into it.
            where = await session.scalar(
                text("SELECT tableoid::regclass::text FROM signals WHERE message_id = 'a'")
            )
            assert where == "signals_y2025m06"
    clock[0] = at("2026-06-30T23:00")
    assert [str(m.month) for m in await job.run_once()] == []  # June 2025 is not a full year old yet
    clock[0] = at("2026-07-01T00:00")
    assert [str(m.month) for m in await job.run_once()] == ["2025-06"]
    assert await job.run_once() == []  # once a month: nothing more until August
    assert await times_of(sessions, Signal) == [
        at(t) for t in ("2025-09-30T23:59:59", "2025-11-02T00:00", "2026-11-20T00:00")
    ]
    verify_manifest(tmp_path, Month(2025, 6))
    if postgres:
        async with sessions() as session:
            assert Month(2025, 6) not in await partitions(session, "signals")
            assert Month(2025, 6) not in await partitions(session, "incident_events")
            assert Month(2026, 10) in await partitions(session, "signals")  # made ahead as the clock moved


async def test_without_a_directory_the_job_keeps_everything(sessions) -> None:
    await seed(sessions)
    assert await ArchiveJob(sessions, None, clock=lambda: NOW).run_once() == []
    assert len(await times_of(sessions, Signal)) == 4


async def test_partitions_are_made_once_even_when_asked_twice(sessions) -> None:
    async with sessions() as session:
        first = await ensure_partitions(session, at("2024-01-10T00:00"))
        again = await ensure_partitions(session, at("2024-01-10T00:00"))
    if sessions.kw["bind"].dialect.name == "postgresql":
        assert len(first) == 8 and again == []  # 4 months × 2 tables
    else:
        assert first == again == []


async def test_a_retry_across_a_month_boundary_is_stored_once(sessions) -> None:
    """A panel's retry after a lost acknowledgement, received in the next month (next partition)."""
    first = await store(sessions, received("3002", "m-1", at("2026-10-31T23:59:59")))
    retry = await store(sessions, received("3002", "m-1", at("2026-11-01T00:00:02")))
    both = await store(
        sessions,
        received("3002", "m-2", at("2026-11-01T00:01")),
        received("3002", "m-2", at("2026-12-01T00:01")),
    )
    assert (first.stored, retry.stored, retry.duplicates) == (1, 0, 1)
    assert (both.stored, both.duplicates) == (1, 1)
    async with sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Signal).where(Signal.account == "3002"))
            == 2
        )


async def test_check_ins_move_supervision_and_store_no_signal(sessions) -> None:
    from control_center.subscribers.models import PanelAccount
    from panel_gateway.protocols.panel_signal import PanelSignal
    from tests.control_center.factories import premises

    await premises(sessions, account="3003")
    async with sessions() as session:
        await session.execute(PanelAccount.__table__.update().values(check_in_seconds=180))
        await session.commit()
    heartbeat = json.dumps({"msg_id": "hb-1", "sent_at": NOW.isoformat(), "heartbeat": True}).encode()
    polls = [
        Received("mqtt", "panels/3003/signals", heartbeat, NOW, mqtt_payload.parse_json("3003", heartbeat)),
        # A DC-09 NULL poll decodes to a signal without an event (panel_signal.from_dc09).
        Received("dc09-udp", "192.0.2.1:5000", b"NULL", NOW, PanelSignal("3003", "poll-1", None, None)),
    ] * 50
    result = await store(sessions, *polls)
    assert result.stored == 0 and result.dead_letters == 0
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Signal)) == 0
        account = await session.scalar(select(PanelAccount).where(PanelAccount.account == "3003"))
    assert account.last_check_in_at == NOW
    assert account.check_in_deadline == int(NOW.timestamp()) + 180


async def written_not_dropped(sessions, directory: Path, month: Month) -> None:
    """What a run leaves when it dies after the manifest and before the drop."""
    directory.mkdir()  # noqa: ASYNC240 (a test)
    async with sessions() as session:
        files = [await _write(session, table, month, directory) for table in ("signals", "incident_events")]
    _write_manifest(directory, month, files, NOW)


async def test_a_row_added_after_the_files_were_written_stops_the_drop(sessions, tmp_path) -> None:
    directory = tmp_path / "archive"
    await seed(sessions)
    async with sessions() as session:
        await ensure_partitions(session, at("2025-06-01T00:00"))  # PostgreSQL: June has its own partition
    await written_not_dropped(sessions, directory, Month(2025, 6))
    await store(sessions, received("3001", "late", at("2025-06-20T00:00")))
    async with sessions() as session:
        with pytest.raises(ArchiveError, match="2 rows now, 1 archived"):
            await archive_before(session, Month(2025, 7), directory, now=NOW)
    assert len(await times_of(sessions, Signal)) == 5  # nothing dropped, the late row included
    async with sessions() as session:
        assert Month(2025, 6) in await partitions(session, "signals") or not postgres(sessions)


async def test_a_partition_detached_by_a_run_that_died_is_dropped_by_the_next(sessions, tmp_path) -> None:
    if not postgres(sessions):
        pytest.skip("partitions are PostgreSQL's")
    directory = tmp_path / "archive"
    await seed(sessions)
    async with sessions() as session:
        await ensure_partitions(session, at("2025-06-01T00:00"))
    await written_not_dropped(sessions, directory, Month(2025, 6))
    async with sessions() as session:  # the first step of the drop, then the process died
        await session.execute(text("ALTER TABLE signals DETACH PARTITION signals_y2025m06"))
        await session.commit()
    async with sessions() as session:
        done = await archive_before(session, Month(2025, 7), directory, now=NOW)
        leftover = await session.scalar(text("SELECT to_regclass('signals_y2025m06')::text"))
    assert [str(m.month) for m in done] == ["2025-06"] and done[0].rows == {
        "signals": 1,
        "incident_events": 2,
    }
    assert leftover is None
    assert len(await times_of(sessions, Signal)) == 3


def postgres(sessions) -> bool:
    return sessions.kw["bind"].dialect.name == "postgresql"
