"""The one group commit (panel_gateway/group_commit.py), with a stand-in for the database: alarms first,
nothing released before its commit, MQTT's release in arrival order, DC-09's as each batch commits,
the batch retried while the database is away, and a cancellation that stops the retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import pytest

from control_center.core.db import utcnow
from panel_gateway import group_commit
from panel_gateway.group_commit import GroupCommit, GroupCommitter
from panel_gateway.ingest import Received, StoreResult, received
from panel_gateway.protocols import contact_id, panel_signal
from panel_gateway.protocols.contact_id import Qualifier
from tests.helpers import background, eventually


def message(code: int, zone: int = 1) -> list[Received]:
    event = contact_id.parse(contact_id.encode("1234", Qualifier.NEW, code, 1, zone))
    now = utcnow()
    return received("serial", f"test:{zone}", b"raw", now, [panel_signal.from_contact_id(event, now)])


FIRE, TEST = 110, 602  # a fire alarm (urgent), a periodic test (routine)


class Database:
    """Ingest's ``store`` as the group commit sees it: a batch in, a commit, or the error it raises."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []  # the zones of each committed batch, in commit order
        self.calls = 0
        self.failures: list[BaseException] = []  # raised by the next calls, one each
        self.holds: dict[int, asyncio.Event] = {}  # a batch with this zone waits for the event

    async def store(self, items: Sequence[Received]) -> StoreResult:
        self.calls += 1
        zones = [int(item.decoded.event.zone) for item in items]
        for zone in zones:
            if zone in self.holds:
                await self.holds[zone].wait()
        if self.failures:
            raise self.failures.pop(0)
        self.batches.append(zones)
        return StoreResult(len(items), 0, 0)


async def until_true(check: Callable[[], bool]) -> None:
    async def probe() -> bool:
        return check()

    await eventually(probe, timeout=5, interval=0.005)


async def test_an_alarm_behind_routine_traffic_is_committed_first_and_released_in_arrival_order() -> None:
    db = Database()
    released: list[int] = []
    commit: GroupCommit[int] = GroupCommit(
        db, lambda done: released.extend(n for n, _ in done), max_batch=3, wait_ms=50
    )
    for n in range(6):
        commit.add(n, message(TEST, zone=n))
    commit.add(6, message(FIRE, zone=6))
    async with background(commit.run()):
        await until_true(lambda: len(released) == 7)
    assert db.batches[0] == [6]  # the fire alone, before the six tests that came earlier
    assert sorted(db.batches[1:]) == [[0, 1, 2], [3, 4, 5]]
    assert released == [0, 1, 2, 3, 4, 5, 6]  # PUBACK order: arrival, not commit
    assert commit.unreleased == 0


async def test_nothing_is_released_while_the_database_is_away_and_the_batch_is_retried_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(group_commit, "RETRY_SECONDS", (0.01,))
    db = Database()
    db.holds[0] = asyncio.Event()
    db.failures = [ConnectionRefusedError("database away")] * 3
    committer = GroupCommitter(db)
    async with background(committer.run()):
        answers = [asyncio.create_task(committer.submit(message(TEST, zone=n))) for n in range(3)]
        await asyncio.sleep(0.05)
        assert not any(a.done() for a in answers) and db.batches == []  # no answer before the commit
        db.holds[0].set()
        await asyncio.wait_for(asyncio.gather(*answers), 5)
    assert db.calls == 4 and db.batches == [[0, 1, 2]]


async def test_a_dc09_answer_does_not_wait_for_an_older_batch_still_committing() -> None:
    """Each DC-09 or serial answer goes to its own connection: no arrival order among them."""
    db = Database()
    db.holds[1] = asyncio.Event()  # a slow transaction
    committer = GroupCommitter(db)
    async with background(committer.run()):
        older = asyncio.create_task(committer.submit(message(TEST, zone=1)))
        await until_true(lambda: db.calls == 1)
        await asyncio.wait_for(committer.submit(message(TEST, zone=2)), 5)  # the second batch, committed
        assert not older.done() and committer.unreleased == 1
        db.holds[1].set()
        await asyncio.wait_for(older, 5)
    assert db.batches == [[2], [1]]


async def test_a_cancelled_commit_stops_retrying_even_when_the_driver_turns_the_cancellation_into_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(group_commit, "RETRY_SECONDS", (0.01,))
    db = Database()

    async def store(items: Sequence[Received]) -> StoreResult:
        db.calls += 1
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            raise AssertionError("psycopg's pipeline on cancellation") from None
        raise AssertionError("not reached")

    db.store = store
    committer = GroupCommitter(db)
    task = asyncio.create_task(committer.run())
    answer = asyncio.create_task(committer.submit(message(FIRE)))
    await until_true(lambda: db.calls == 1)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    await asyncio.sleep(0.1)  # a retrying commit would have called store again by now
    assert db.calls == 1 and not answer.done()  # not answered: the panel sends it again
    answer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await answer


async def test_when_the_connection_ends_the_batches_under_way_still_commit() -> None:
    db = Database()
    db.holds[1] = asyncio.Event()
    released: list[int] = []
    commit: GroupCommit[int] = GroupCommit(
        db, lambda done: released.extend(n for n, _ in done), max_batch=10, wait_ms=0
    )
    lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    run = asyncio.create_task(commit.run(until=lost))
    commit.add(1, message(TEST))
    await until_true(lambda: db.calls == 1)
    lost.set_result(None)
    await asyncio.sleep(0.05)
    assert not run.done()  # still waiting for the commit under way
    db.holds[1].set()
    await asyncio.wait_for(run, 5)
    assert db.batches == [[1]] and released == [1]
