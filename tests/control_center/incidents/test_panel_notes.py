"""What panels say about an alarm (ANSI/SIA CP-01 false-alarm reduction, CLC/TS 50131-9 verification)
changes the incident as those standards say, on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from control_center.alarms.action_plans import PANEL_NOTES
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.incidents.schemas import IncidentDetail, SignalOut
from control_center.signals.classification import PanelNote
from control_center.signals.models import Signal
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.protocols.sia_codes import SiaEvent
from simulators.demo.subscribers import seed

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


def cid(message_id: str, code: int, zone: int = 1, at: int = 0, q: Qualifier = Qualifier.NEW) -> Received:
    event = ContactIdEvent("1001", "18", q, code, 1, zone)
    return Received("dc09", "test", event.encode().encode(), T0 + dt.timedelta(seconds=at),
                    PanelSignal("1001", message_id, None, event))  # fmt: skip


def sia(message_id: str, code: str, zone: int = 1, at: int = 0) -> Received:
    return Received("dc09", "test", f"Nri1/{code}{zone}".encode(), T0 + dt.timedelta(seconds=at),
                    PanelSignal("1001", message_id, None, SiaEvent(code, zone, 1)))  # fmt: skip


async def run(sessions, *items: Received) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
    for item in items:  # one at a time, as they arrive
        await Ingest(sessions).store([item])
        async with sessions() as session:
            await process_pending(session=session)


async def incidents_of(sessions) -> list[Incident]:
    async with sessions() as session:
        query = select(Incident).options(selectinload(Incident.events), selectinload(Incident.tasks))
        return list(await session.scalars(query.order_by(Incident.id)))


def reports(incident: Incident) -> list[str]:
    return [e.detail.split(":")[0] for e in incident.events if e.kind == "panel_report"]


async def test_a_cancel_after_the_alarm_marks_it_cancelled_and_the_phone_check_still_runs(sessions) -> None:
    # CP-01: a cancel (Contact ID 406) sent after the alarm is shown to the operator; the center still
    # phones the premises, and only a verified resident calls it off.
    await run(sessions, cid("a", 130), cid("c", 406, zone=3, at=20))
    (incident,) = await incidents_of(sessions)
    assert incident.closed_at is None and incident.service_type == "A"
    assert incident.flag == PANEL_NOTES[PanelNote.CANCELLED].flag
    assert reports(incident) == ["cancelled"]
    assert [t.step for t in incident.tasks if t.done_at is None and t.step] == ["dispatch", "call_premises"]
    detail = next(e.detail for e in incident.events if e.kind == "panel_report")
    assert "user 3" in detail  # who cancelled, as the panel said


async def test_a_cancel_with_no_alarm_open_opens_nothing(sessions) -> None:
    await run(sessions, sia("x", "OC", zone=2))
    assert await incidents_of(sessions) == []
    async with sessions() as session:
        signal = await session.scalar(select(Signal))
    assert signal.processed_at is not None and signal.incident_id is None and signal.kind == "note"


async def test_recent_closing_asks_for_the_call_once(sessions) -> None:
    # SIA CR after a burglary alarm: likely a user error; the burglary plan already phones the premises.
    await run(sessions, sia("a", "BA", zone=4), sia("r", "CR", zone=2, at=3))
    (incident,) = await incidents_of(sessions)
    assert reports(incident) == ["recent_closing"]
    assert incident.flag == PANEL_NOTES[PanelNote.RECENT_CLOSING].flag
    assert [t.step for t in incident.tasks].count("call_premises") == 1


async def test_an_exit_error_alarm_opens_a_burglary_incident_marked_exit_error(sessions) -> None:
    await run(sessions, cid("e", 374, zone=1))
    (incident,) = await incidents_of(sessions)
    assert (incident.service_type, incident.description) == ("A", "exit error alarm")
    assert reports(incident) == ["exit_error"]
    assert "call_premises" in [t.step for t in incident.tasks]


async def test_a_sequentially_confirmed_alarm_is_marked_confirmed(sessions) -> None:
    # CLC/TS 50131-9: a second, independent detector confirmed the intrusion (SIA BV).
    await run(sessions, sia("a", "BA", zone=4), sia("v", "BV", zone=0, at=40))
    (incident,) = await incidents_of(sessions)
    assert incident.signal_count == 2
    assert reports(incident) == ["confirmed"]
    assert incident.flag == PANEL_NOTES[PanelNote.CONFIRMED].flag


async def test_a_fire_cancel_goes_to_the_fire_incident_not_the_burglary(sessions) -> None:
    await run(sessions, sia("b", "BA", zone=4), sia("f", "FA", zone=9, at=1), sia("c", "FC", zone=9, at=30))
    burglary, fire = sorted(await incidents_of(sessions), key=lambda i: i.service_type)
    assert reports(fire) == ["cancelled"] and reports(burglary) == []


def test_the_api_lists_the_panel_reports_of_an_incident() -> None:
    def signal(i: int, fmt: str, code: str) -> SignalOut:
        return SignalOut(id=i, received_at=T0, panel_time=None, transport="dc09", format=fmt, event_code=code,
                         qualifier=None, zone=1, kind="alarm", description="")  # fmt: skip

    detail = IncidentDetail(
        id=1, account="1001", premises=None, service_type="A", priority=2, status="received", description="",
        opened_at=T0, last_signal_at=T0, restored_at=None, signal_count=3, subscriber_name=None, services=[],
        contacts=[], signals=[signal(1, "sia", "BA"), signal(2, "contact_id", "459"), signal(3, "sia", "OC")],
    )  # fmt: skip
    assert detail.model_dump()["panel_reports"] == ["recent_closing", "cancelled"]
