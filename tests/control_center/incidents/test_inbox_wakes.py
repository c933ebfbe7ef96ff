"""The worker's wake-ups (PostgreSQL, where it runs an alarm lane beside the storm lanes): a fleet's
periodic tests, committed a few at a time by the gateway, are worked in a few gathered groups instead
of costing every lane a transaction per commit (600 transactions a second at 1,000 tests/s saturated a
2-core machine and a fire waited behind the queueing); an alarm still wakes its lane at once."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

from sqlalchemy import event, func, select

from control_center.core.db import create_engine, session_factory
from control_center.incidents.inbox import InboxWorker
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.demo.subscribers import seed
from simulators.panel import payload

COMMITS, PER_COMMIT = 60, 3


def received(account: str, message_id: str, code: int) -> Received:
    raw = payload(account, message_id, code)
    at = dt.datetime.now(dt.UTC)
    return Received("mqtt", f"panels/{account}/signals", raw, at, mqtt_payload.parse_json(account, raw))


async def until(condition, seconds: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "the worker did not get there"
        await asyncio.sleep(0.02)


def opened(sessions, account: str):
    """For ``until``: whether an incident of ``account`` is open."""

    async def probe() -> bool:
        async with sessions() as session:
            return await session.scalar(select(Incident.id).where(Incident.account == account)) is not None

    return probe


@contextlib.asynccontextmanager
async def working(worker: InboxWorker) -> AsyncIterator[None]:
    """The worker running, its lanes past their first look at an empty inbox."""
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.2)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_routine_commits_are_gathered_and_an_alarm_still_wakes_its_lane(postgres_url: str) -> None:
    gateway_engine, worker_engine = create_engine(postgres_url), create_engine(postgres_url)
    gateway_sessions, worker_sessions = session_factory(gateway_engine), session_factory(worker_engine)
    async with gateway_sessions() as session:
        await seed(session=session, count=PER_COMMIT + 1)
    commits = 0

    def counted(connection) -> None:
        nonlocal commits
        commits += 1

    event.listen(worker_engine.sync_engine, "commit", counted)
    changed: list[set[int]] = []
    worker = InboxWorker(worker_sessions, changed.append, poll_seconds=5, alarm_poll_seconds=5)
    ingest = Ingest(gateway_sessions, on_stored=worker.wake)

    async def drained() -> bool:
        async with gateway_sessions() as session:
            return not await session.scalar(select(func.count()).where(Signal.processed_at.is_(None)))

    try:
        async with working(worker):
            before = commits
            for n in range(COMMITS):  # the gateway's commits of periodic tests, a few ms apart
                await ingest.store([received(f"{1001 + p:04d}", f"t{n}-{p}", 602) for p in range(PER_COMMIT)])
                await asyncio.sleep(0.003)
            await until(drained)
            routine = commits - before
            # Taken at each commit, every lane looked each time: four or five transactions per commit.
            assert routine < COMMITS, f"{routine} worker transactions for {COMMITS} routine commits"

            fire = f"{1001 + PER_COMMIT:04d}"
            await ingest.store([received(fire, "fire", 110)])
            await until(opened(gateway_sessions, fire), seconds=4)  # before the poll: the alarm lane woken
    finally:
        await gateway_engine.dispose()
        await worker_engine.dispose()


async def test_an_alarm_retried_as_a_duplicate_still_wakes_the_alarm_lane(postgres_url: str) -> None:
    """A gateway's commit succeeded but its answer was lost (the connection dropped at the COMMIT): the
    batch is retried, stores nothing new, and the first attempt's wake-up never went out. The retry's
    wake-up must be urgent, or the fire waits for the alarm lane's poll."""
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    worker = InboxWorker(sessions, lambda ids: None, poll_seconds=5, alarm_poll_seconds=5)
    try:
        async with working(worker):
            fire = received("2001", "fire-once", 110)
            await Ingest(sessions).store([fire])  # committed; its wake-up lost
            await Ingest(sessions, on_stored=worker.wake).store([fire])  # the retry: a duplicate
            await until(opened(sessions, "2001"), seconds=4)  # before the poll: the alarm lane woken
    finally:
        await engine.dispose()
