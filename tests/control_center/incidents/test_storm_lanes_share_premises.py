"""Review of the storm lanes (PostgreSQL): two lanes below alarm priority now take INFO signals (restores,
openings and closings) at the same moment, which only one lane did before."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from sqlalchemy import select

from control_center.core.db import create_engine, session_factory
from control_center.incidents import service as incidents
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.subscribers import service as subscribers
from control_center.subscribers.models import Premises
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.contact_id import Qualifier
from simulators.demo.subscribers import seed
from simulators.panel import payload

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
RENDEZVOUS_S = 3  # how long one lane waits for the other at the point the race needs (not an assertion)


def received(account: str, message_id: str, code: int, qualifier: Qualifier = Qualifier.NEW, at: int = 0,
             zone: int = 1) -> Received:  # fmt: skip
    raw = payload(account, message_id, code, qualifier, zone=zone, sent_at=T0 + dt.timedelta(seconds=at))
    return Received("mqtt", f"panels/{account}/signals", raw, T0 + dt.timedelta(seconds=at),
                    mqtt_payload.parse_json(account, raw))  # fmt: skip


async def lane(sessions, limit: int) -> None:
    """One storm lane's group: ``limit`` signals taken with SKIP LOCKED, in a session of its own."""
    async with sessions() as session:
        await process_pending(session=session, limit=limit)


async def test_two_storm_lanes_restoring_two_incidents_in_opposite_orders_do_not_deadlock(
    postgres_url: str, monkeypatch
) -> None:
    """After a power cut, two premises each send two restores of their equipment trouble, interleaved:
    X, Y | Y, X. The two storm lanes take one pair each. Each restore locks its incident as the loop
    reaches it (``record_restore``), so lane 1 holds X and wants Y while lane 2 holds Y and wants X:
    PostgreSQL aborts one of them (deadlock detected), the lane logs and retries the whole group."""
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    ingest = Ingest(sessions)
    # Equipment troubles (not AC loss: no closing by the system), each its own incident.
    await ingest.store([received("7001", "x", 302), received("7002", "y", 302)])
    async with sessions() as session:
        await process_pending(session=session)
    restores = [("7001", "x1", 302, 1), ("7002", "y1", 302, 1),
                ("7002", "y2", 305, 2), ("7001", "x2", 305, 2)]  # fmt: skip
    await ingest.store([received(a, m, c, Qualifier.RESTORE, at=60 + i, zone=z)
                        for i, (a, m, c, z) in enumerate(restores)])  # fmt: skip

    original = incidents.record_restore
    lanes: dict[int, int] = {}  # session → lane number, in the order they first restore
    arrived = [asyncio.Event(), asyncio.Event()]

    async def restore_then_meet(*, session, signal, premises_id):
        incident = await original(session=session, signal=signal, premises_id=premises_id)
        if id(session) not in lanes:  # each lane's first restore: its incident is locked now
            n = lanes[id(session)] = len(lanes)
            arrived[n].set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived[1 - n].wait(), RENDEZVOUS_S)
        return incident

    monkeypatch.setattr(incidents, "record_restore", restore_then_meet)
    first = asyncio.create_task(lane(sessions, 2))  # x1, y1
    await asyncio.wait_for(arrived[0].wait(), 30)
    second = asyncio.create_task(lane(sessions, 2))  # y2, x2
    results = await asyncio.gather(first, second, return_exceptions=True)

    assert [r for r in results if isinstance(r, BaseException)] == []  # no "deadlock detected"
    async with sessions() as session:
        counts = dict((await session.execute(select(Incident.account, Incident.signal_count))).all())
        pending = await session.scalar(select(Signal.id).where(Signal.processed_at.is_(None)))
    assert counts == {"7001": 3, "7002": 3} and pending is None
    await engine.dispose()


async def test_an_arm_and_a_disarm_taken_by_two_storm_lanes_keep_the_newer_state(
    postgres_url: str, monkeypatch
) -> None:
    """A user arms (10 s) and disarms (20 s) at once; the storm lanes take one report each. Both read
    the premises before either writes; the arm's lane commits last and its older report overwrites
    the newer disarm: the center believes an open building armed ("an older report never overwrites
    a newer one", ``record_arming``, holds only within one transaction)."""
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed(session=session, count=1)
    await Ingest(sessions).store([received("1001", "arm", 401, Qualifier.RESTORE, at=10),
                                  received("1001", "disarm", 401, Qualifier.NEW, at=20)])  # fmt: skip

    original = subscribers.record_arming
    arm_read, disarm_committed = asyncio.Event(), asyncio.Event()

    async def record_arming(*, session, premises_id, kind, at):
        await original(session=session, premises_id=premises_id, kind=kind, at=at)
        if kind == "closing":  # the arm's lane: read and decided; it writes after the other commits
            arm_read.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(disarm_committed.wait(), RENDEZVOUS_S)

    monkeypatch.setattr(subscribers, "record_arming", record_arming)
    arming = asyncio.create_task(lane(sessions, 1))  # the arm (10 s)
    await asyncio.wait_for(arm_read.wait(), 30)
    await lane(sessions, 1)  # the disarm (20 s), committed
    disarm_committed.set()
    await arming

    async with sessions() as session:
        premises = await session.scalar(select(Premises))
    assert (premises.arming_state, premises.arming_changed_at) == ("disarmed", T0 + dt.timedelta(seconds=20))
    await engine.dispose()
