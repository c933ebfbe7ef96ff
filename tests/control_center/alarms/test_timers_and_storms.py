"""Timers with a controlled clock, runaway devices and self-restoring power losses, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from control_center.alarms import timers
from control_center.incidents import service as incidents
from control_center.incidents.inbox import Runaway, process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.subscribers.models import Premises, Trip
from panel_gateway.protocols.contact_id import Qualifier
from tests.control_center.factories import Panel, premises

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


async def step(sessions, now: dt.datetime) -> list[Incident]:
    """One turn of the workers at ``now``: timers fire, the inbox processes; the open incidents."""
    async with sessions() as session:
        await timers.sweep(session=session, now=now)
    async with sessions() as session:
        await process_pending(session=session, now=now)
    async with sessions() as session:
        return await incidents.list_open(session=session)


async def test_life_watch_raises_h_after_the_agreed_hours_without_a_state_change(sessions) -> None:
    await premises(sessions, services="ABCH")
    await Panel(sessions).send(401, T0, Qualifier.NEW)  # disarmed: a state change
    assert await step(sessions, T0) == []
    await Panel(sessions).send(401, T0 + 5 * H, Qualifier.RESTORE)  # armed again: the clock restarts
    assert await step(sessions, T0 + 12 * H) == []
    (incident,) = await step(sessions, T0 + 17 * H)
    assert (incident.service_type, incident.description) == ("H", timers.DESCRIPTIONS[timers.LIFE_WATCH])
    assert [i.id for i in await step(sessions, T0 + 18 * H)] == [incident.id]  # raised once


async def test_a_periodic_test_is_not_a_state_change(sessions) -> None:
    """The panel's own hourly test says nothing about the household: it must not hold life watch off."""
    await premises(sessions, services="ABCH")
    await Panel(sessions).send(401, T0, Qualifier.NEW)
    assert await step(sessions, T0) == []
    for hour in range(1, 12):
        await Panel(sessions).send(602, T0 + hour * H)
        assert await step(sessions, T0 + hour * H) == []
    (incident,) = await step(sessions, T0 + 12 * H)
    assert incident.service_type == "H"


async def test_no_life_watch_for_premises_without_the_service(sessions) -> None:
    await premises(sessions, services="ABC")
    await Panel(sessions).send(401, T0, Qualifier.NEW)
    assert await step(sessions, T0 + 48 * H) == []


async def trip(sessions, place: int, *, check: bool) -> None:
    async with sessions() as session:
        row = Trip(
            premises_id=place, departs_at=T0, returns_at=T0 + 72 * H, set_forget_check=check, grace_minutes=60
        )
        session.add(row)
        await timers.schedule_trip(session=session, trip=row)
        await session.commit()


async def test_set_forget_check_when_not_armed_after_departure(sessions) -> None:
    place = await premises(sessions, services="ABC", arming="disarmed")
    await trip(sessions, place, check=True)
    assert await step(sessions, T0 + 59 * M) == []
    (incident,) = await step(sessions, T0 + 61 * M)
    assert incident.description == timers.DESCRIPTIONS[timers.SET_FORGET]
    open_steps = [t.step for t in (await _tasks(sessions, incident.id))]
    assert open_steps == ["dispatch", "call_premises"]  # phone; nobody home → a responder arms it
    later = await step(sessions, T0 + 72 * H)
    assert timers.DESCRIPTIONS[timers.RETURN_CALL] in {i.description for i in later}


async def test_no_set_forget_incident_when_armed_in_time(sessions) -> None:
    place = await premises(sessions, services="ABC", arming="disarmed")
    await trip(sessions, place, check=True)
    async with sessions() as session:
        await session.execute(update(Premises).values(arming_state="armed"))
        await session.commit()
    assert await step(sessions, T0 + 2 * H) == []


async def _tasks(sessions, incident_id: int):
    from control_center.incidents import flows

    async with sessions() as session:
        return (await flows.load(session=session, incident_id=incident_id)).tasks


async def test_a_runaway_device_is_held_but_nothing_is_lost(sessions) -> None:
    await premises(sessions, services="ABCG")
    panel = Panel(sessions)
    for i in range(30):
        await panel.send(130, T0 + i * dt.timedelta(seconds=5), zone=3)
    await panel.send(110, T0 + 151 * dt.timedelta(seconds=1), zone=3)  # a fire from the same zone: never held
    async with sessions() as session:
        await process_pending(session=session, now=T0 + 3 * M, runaway=Runaway(limit=25))
        held = await session.scalar(
            select(func.count()).select_from(Signal).where(Signal.held_until.is_not(None))
        )
        open_now = await incidents.list_open(session=session)
    assert held == 30 and {i.service_type for i in open_now} == {"B"}
    async with sessions() as session:
        await process_pending(session=session, now=T0 + 9 * M, runaway=Runaway(limit=25))
        unprocessed = await session.scalar(
            select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
        )
        open_now = await incidents.list_open(session=session)
    burglary = next(i for i in open_now if i.service_type == "A")
    assert unprocessed == 0 and burglary.signal_count == 30


async def test_a_power_loss_restored_within_minutes_closes_itself(sessions) -> None:
    await premises(sessions, services="ABCG")
    panel = Panel(sessions)
    await panel.send(301, T0)
    await panel.send(301, T0 + 10 * M, Qualifier.RESTORE)
    assert await step(sessions, T0 + 11 * M) == []
    async with sessions() as session:
        closed = await session.scalar(select(Incident))
    assert closed.close_reason == "power restored within 15 minutes"

    await panel.send(301, T0 + 60 * M)
    await panel.send(301, T0 + 90 * M, Qualifier.RESTORE)  # too late: stays for the operator, marked restored
    (still_open,) = await step(sessions, T0 + 91 * M)
    assert still_open.restored_at == T0 + 90 * M
