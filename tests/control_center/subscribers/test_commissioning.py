"""Commissioning and test mode on both databases: a new premises becomes active only when every configured
zone has sent an alarm and a restore through the gateway; "on test" always has an end (at most 24 h) and
ends by itself; signals of a test are stored and recorded, not worked; signals outside it always are."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from control_center.core.audit import AuditEntry
from control_center.core.errors import Refused
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.subscribers import commissioning, test_mode
from control_center.subscribers.models import Premises, TestSignal
from panel_gateway.protocols.contact_id import Qualifier
from tests.control_center.factories import Panel, premises

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)
BURGLARY, FIRE = 130, 110


async def send(sessions, panel: Panel, code: int, at: dt.datetime, zone: int, restore: bool = False) -> None:
    await panel.send(code, at, Qualifier.RESTORE if restore else Qualifier.NEW, zone=zone)
    async with sessions() as session:
        await process_pending(session=session, now=at)


async def incidents(sessions) -> list[tuple[str, int | None]]:
    async with sessions() as session:
        rows = await session.execute(select(Incident.service_type, Incident.id).order_by(Incident.id))
        return [(s, i) for s, i in rows.all()]


async def unprocessed(sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).where(Signal.processed_at.is_(None))) or 0)


async def in_commissioning(sessions, zones: str = "1:玄関,5:火災感知器") -> int:
    place = await premises(sessions)
    async with sessions() as session:
        await commissioning.configure_zones(
            session=session, premises_id=place, zones=commissioning.parse_zones(zones), actor="tech", at=T0
        )
        await commissioning.start(session=session, premises_id=place, actor="tech", at=T0)
        await session.commit()
    return place


async def status(sessions, place: int) -> str:
    async with sessions() as session:
        return (await session.get(Premises, place)).status


async def test_a_premises_becomes_active_only_when_every_zone_sent_an_alarm_and_a_restore(sessions) -> None:
    place = await in_commissioning(sessions)
    panel = Panel(sessions)
    await send(sessions, panel, BURGLARY, T0 + M, zone=1)
    await send(sessions, panel, BURGLARY, T0 + 2 * M, zone=1, restore=True)
    await send(sessions, panel, FIRE, T0 + 3 * M, zone=5)  # the fire line: alarm, but no restore yet
    async with sessions() as session:
        state = await commissioning.progress(session=session, premises_id=place)
    assert (state.status, state.missing, state.complete) == ("commissioning", [5], False)
    assert [(z.zone, z.tested) for z in state.zones] == [(1, True), (5, False)]
    # The signals are stored (the legal record) and processed, but none opened an incident.
    assert await incidents(sessions) == [] and await unprocessed(sessions) == 0
    await send(sessions, panel, FIRE, T0 + 4 * M, zone=5, restore=True)
    assert await status(sessions, place) == "active"
    async with sessions() as session:
        state = await commissioning.progress(session=session, premises_id=place)
        audit = list(
            await session.scalars(select(AuditEntry.detail).where(AuditEntry.subject == f"premises:{place}"))
        )
        stored = await session.scalar(select(func.count()).select_from(Signal))
    assert state.complete and state.commissioned_at == T0 + 4 * M
    assert stored == 4 and any(d.startswith("commissioned: zones 1, 5") for d in audit)
    # Active now: the next alarm is worked.
    await send(sessions, panel, BURGLARY, T0 + 10 * M, zone=1)
    assert [s for s, _ in await incidents(sessions)] == ["A"]


async def test_a_restore_before_its_alarm_does_not_count(sessions) -> None:
    place = await in_commissioning(sessions, "1:玄関")
    panel = Panel(sessions)
    await send(sessions, panel, BURGLARY, T0 + M, zone=1, restore=True)
    await send(sessions, panel, BURGLARY, T0 + 2 * M, zone=1)
    assert await status(sessions, place) == "commissioning"


async def test_commissioning_needs_configured_zones_and_a_zone_list_is_checked(sessions) -> None:
    place = await premises(sessions)
    async with sessions() as session:
        with pytest.raises(Refused, match="zones first"):
            await commissioning.start(session=session, premises_id=place, actor="tech", at=T0)
    for hostile in ("", "0:x", "1000", "a:b", "1:x,1:y", "-1", "1;DROP TABLE premises"):
        with pytest.raises(Refused):
            commissioning.parse_zones(hostile)
    assert commissioning.parse_zones(" 2:勝手口 , 1 ") == [(1, ""), (2, "勝手口")]


async def on_test(sessions, place: int, hours: float = 1, zones: list[int] | None = None):
    async with sessions() as session:
        period = await test_mode.put_on_test(
            session=session, premises_id=place, ends_at=T0 + dt.timedelta(hours=hours), zones=zones,
            reason="定期点検", technician="東海設備 鈴木", actor="op", now=T0,
        )  # fmt: skip
        await session.commit()
        return period.id


async def test_a_test_without_an_end_or_with_one_far_away_is_refused(sessions) -> None:
    place = await premises(sessions)
    async with sessions() as session:
        for ends_at, why in (
            (None, "end time"),
            (T0 + dt.timedelta(days=3 * 365), "at most 24 hours"),
            (T0 + dt.timedelta(hours=24, seconds=1), "at most 24 hours"),
            (T0 - M, "passed"),
            (T0, "passed"),
            (dt.datetime.fromisoformat("2026-11-22T13:00"), "time zone"),  # naive: which 13:00?
        ):
            with pytest.raises(Refused, match=why):
                await test_mode.put_on_test(
                    session=session, premises_id=place, ends_at=ends_at, zones=None, reason="点検",
                    technician="鈴木", actor="op", now=T0,
                )  # fmt: skip
        with pytest.raises(Refused, match="who tests"):
            await test_mode.put_on_test(
                session=session, premises_id=place, ends_at=T0 + M, zones=None, reason=" ", technician="",
                actor="op", now=T0,
            )  # fmt: skip


async def test_signals_on_test_are_recorded_not_worked_and_the_test_expires_by_itself(sessions) -> None:
    place = await premises(sessions)
    period = await on_test(sessions, place, hours=1)
    panel = Panel(sessions)
    # A burst: two alarms inside the test, one after its end, all worked by the inbox only afterwards.
    await panel.send(BURGLARY, T0 + 10 * M, zone=1)
    await panel.send(BURGLARY, T0 + 59 * M, zone=2)
    await panel.send(BURGLARY, T0 + 61 * M, zone=3)
    async with sessions() as session:
        await process_pending(session=session, now=T0 + 62 * M)
        recorded = list(await session.scalars(select(TestSignal.zone).order_by(TestSignal.zone)))
        views = await test_mode.tests_of(session=session, premises_id=place, now=T0 + 62 * M)
        worked = list(await session.scalars(select(Signal.zone).where(Signal.incident_id.is_not(None))))
    assert recorded == [1, 2] and worked == [3]
    assert [s for s, _ in await incidents(sessions)] == ["A"]
    assert await unprocessed(sessions) == 0
    assert views[0].period.id == period and not views[0].running
    assert [(z.zone, z.alarm_at is not None) for z in views[0].zones] == [(1, True), (2, True)]


async def test_an_alarm_of_another_premises_is_always_worked(sessions) -> None:
    tested = await premises(sessions, account="2001")
    await premises(sessions, account="2002")
    await on_test(sessions, tested)
    await send(sessions, Panel(sessions, "2002"), BURGLARY, T0 + M, zone=1)
    assert [s for s, _ in await incidents(sessions)] == ["A"]


async def test_a_fire_on_a_zone_not_announced_is_worked_and_the_announced_one_is_the_test(sessions) -> None:
    place = await premises(sessions)
    await on_test(sessions, place, zones=[5])
    panel = Panel(sessions)
    await send(sessions, panel, FIRE, T0 + M, zone=5)  # the technician trips the announced fire line
    assert await incidents(sessions) == []
    await send(sessions, panel, FIRE, T0 + 2 * M, zone=6)  # a real fire elsewhere
    assert [s for s, _ in await incidents(sessions)] == ["B"]


async def test_ending_a_test_early_makes_the_next_alarm_worked(sessions) -> None:
    place = await premises(sessions)
    await on_test(sessions, place, hours=4)
    async with sessions() as session:
        assert await test_mode.end_test(session=session, premises_id=place, actor="op", now=T0 + M) == 1
        await session.commit()
    await send(sessions, Panel(sessions), BURGLARY, T0 + 2 * M, zone=1)
    assert [s for s, _ in await incidents(sessions)] == ["A"]


async def test_premises_not_tested_for_a_year_are_listed_for_a_reminder(sessions) -> None:
    old = await premises(sessions, account="2001")
    fresh = await premises(sessions, account="2002")
    async with sessions() as session:
        await test_mode.put_on_test(
            session=session, premises_id=fresh, ends_at=T0 + M * 30, zones=None, reason="点検",
            technician="鈴木", actor="op", now=T0,
        )  # fmt: skip
        await session.commit()
    panel = Panel(sessions, "2002")
    await send(sessions, panel, BURGLARY, T0 + M, zone=1)
    await send(sessions, panel, BURGLARY, T0 + 2 * M, zone=1, restore=True)
    async with sessions() as session:
        due = await test_mode.due_for_test(session=session, now=T0 + dt.timedelta(days=30),
                                           interval=dt.timedelta(days=365))  # fmt: skip
        later = await test_mode.due_for_test(session=session, now=T0 + dt.timedelta(days=400),
                                             interval=dt.timedelta(days=365))  # fmt: skip
    assert [(p.id, at) for p, at in due] == [(old, None)]
    assert [(p.id, at) for p, at in later] == [(old, None), (fresh, T0 + 2 * M)]
