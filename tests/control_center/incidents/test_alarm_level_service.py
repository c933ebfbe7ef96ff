"""The alarm level kept current on both databases: the inbox, verification, the call's outcome, the
responder's check, the camera and the operator each recompute it, and every change is in the record
with its data points."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.console import alarm_level as console_alarm_level
from control_center.core.audit import AuditEntry
from control_center.core.errors import Refused
from control_center.core.i18n import translations
from control_center.incidents import alarm_level_service, flows
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident, IncidentEvent
from control_center.signals.models import Signal
from control_center.web import rendering
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.panel import payload
from tests.control_center.factories import HOUSE_CODE, HOUSE_CODE_KEY, Panel, premises

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


async def send(sessions, panel: Panel, code: int, at: dt.datetime, zone: int = 1) -> None:
    await panel.send(code, at, zone=zone)
    async with sessions() as session:
        await process_pending(session=session, now=at)


async def incident_of(sessions, service: str = "A") -> Incident:
    async with sessions() as session:
        incident = await session.scalar(
            select(Incident).where(Incident.service_type == service).order_by(Incident.id.desc())
        )
        assert incident is not None
        return incident


async def level_events(sessions, incident_id: int) -> list[IncidentEvent]:
    async with sessions() as session:
        query = select(IncidentEvent).where(
            IncidentEvent.incident_id == incident_id, IncidentEvent.kind == "alarm_level"
        )
        return list(await session.scalars(query.order_by(IncidentEvent.id)))


def codes(incident: Incident) -> list[str]:
    return [r.code for r in alarm_level_service.reasons_of(incident.alarm_level_reasons)]


async def test_a_second_detector_confirms_and_each_change_is_recorded_with_its_data_points(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    await send(sessions, panel, 130, T0, zone=1)
    first = await incident_of(sessions)
    assert (first.alarm_level, codes(first)) == (1, ["alarm"])
    await send(sessions, panel, 132, T0 + 5 * M, zone=2)  # a different detector 5 min later
    confirmed = await incident_of(sessions)
    assert confirmed.alarm_level == 2 and "sequence_confirmed" in codes(confirmed)
    events = await level_events(sessions, confirmed.id)
    assert [json.loads(e.detail)["level"] for e in events] == [2]  # the start at 1 is no change
    record = json.loads(events[-1].detail)
    assert record["from"] == 1 and record["decisive"] == "sequence_confirmed"
    assert ["sequence_confirmed", {"first": 1, "second": 2, "minutes": 5, "window": 30}] in record["reasons"]
    assert events[-1].actor == "system"


async def test_the_same_detector_again_and_a_cancel(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    await send(sessions, panel, 130, T0, zone=1)
    await send(sessions, panel, 130, T0 + 3 * M, zone=1)  # the same detector: no confirmation
    assert (await incident_of(sessions)).alarm_level == 1
    await send(sessions, panel, 406, T0 + 4 * M, zone=3)  # CP-01 cancel by user 3
    cancelled = await incident_of(sessions)
    assert cancelled.alarm_level == 0 and codes(cancelled)[-1] == "cancelled"
    assert cancelled.closed_at is None  # the cancel never closes it: the phone check still runs


async def test_duress_is_a_threat_to_life(sessions) -> None:
    await premises(sessions)
    await send(sessions, Panel(sessions), 121, T0)
    assert (await incident_of(sessions, "C")).alarm_level == 4


async def test_a_flood_of_trouble_signals_does_not_raise_the_level(sessions) -> None:
    # The attack: 1,000 trouble signals of one premises, each from another zone, arriving at once.
    await premises(sessions)
    await send(sessions, Panel(sessions), 130, T0, zone=1)  # and a real burglary alarm beside them
    items = []
    for n in range(1000):
        at = T0 + dt.timedelta(seconds=n)
        raw = payload("2001", f"flood-{n}", 380, zone=n % 999 + 1, sent_at=at)
        items.append(Received("mqtt", "panels/2001/signals", raw, at, mqtt_payload.parse_json("2001", raw)))
    await Ingest(sessions).store(items)
    async with sessions() as session:
        await process_pending(session=session, limit=5000, now=T0 + 20 * M)
        assert await session.scalar(select(Signal.id).where(Signal.processed_at.is_(None))) is None
    trouble = await incident_of(sessions, "G")
    assert trouble.alarm_level == 1 and trouble.signal_count >= 1000
    assert await level_events(sessions, trouble.id) == []  # no change, and the record is not flooded
    assert (await incident_of(sessions, "A")).alarm_level == 1


async def test_verification_the_outcome_and_the_record(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    await send(sessions, panel, 130, T0, zone=1)
    incident = await incident_of(sessions)
    common = {"incident_id": incident.id, "operator": "suzuki"}
    async with sessions() as session:
        await flows.claim(session=session, at=T0 + M, **common)
    async with sessions() as session:
        await flows.verify_house_code(
            session=session, name_given="?", digits="999", at=T0 + 2 * M, key=HOUSE_CODE_KEY, **common
        )
    assert (await incident_of(sessions)).alarm_level == 2  # someone there who does not know the code
    async with sessions() as session:
        await flows.verify_house_code(
            session=session,
            name_given="山田花子",
            digits=HOUSE_CODE,
            at=T0 + 3 * M,
            key=HOUSE_CODE_KEY,
            **common,
        )
    verified = await incident_of(sessions)
    assert verified.alarm_level == 1 and codes(verified)[-1] == "resident_verified"
    async with sessions() as session:
        await flows.record_outcome(session=session, outcome=Outcome.FALSE_ALARM, at=T0 + 4 * M, **common)
    closed = await incident_of(sessions)
    assert (closed.alarm_level, closed.status) == (0, "false_alarm")
    assert [json.loads(e.detail)["level"] for e in await level_events(sessions, incident.id)] == [2, 1, 0]


async def test_the_responders_check_and_a_confirmed_call(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    await send(sessions, panel, 130, T0, zone=1)
    incident = await incident_of(sessions)
    async with sessions() as session:
        await flows.responder_checked(
            session=session, incident_id=incident.id, actor="resp", authorities_needed=True, at=T0 + 10 * M
        )
    assert (await incident_of(sessions)).alarm_level == 3  # confirmed threat to property
    await send(sessions, panel, 110, T0 + 11 * M, zone=5)  # a fire alarm: its own incident
    fire = await incident_of(sessions, "B")
    async with sessions() as session:
        await flows.claim(session=session, incident_id=fire.id, operator="op", at=T0 + 12 * M)
        await flows.record_outcome(
            session=session, incident_id=fire.id, operator="op", outcome=Outcome.CONFIRMED, at=T0 + 13 * M
        )
    assert (await incident_of(sessions, "B")).alarm_level == 4  # a confirmed fire: threat to life


async def test_an_intruder_on_the_camera(sessions) -> None:
    await premises(sessions)
    await Panel(sessions).send(130, T0)
    async with sessions() as session:
        await session.execute(Signal.__table__.update().values(device="outdoor_camera", service_type="I"))
        await session.commit()
        await process_pending(session=session, now=T0)
        incident_id = await session.scalar(select(Incident.id))
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0)
        await flows.camera_assessment(
            session=session, incident_id=incident_id, operator="op", risk_level=3, illegal_act=True, at=T0 + M
        )
    camera = await incident_of(sessions, "I")
    assert camera.alarm_level == 3 and {"camera_risk", "camera_intruder"} <= set(codes(camera))


async def test_the_operator_changes_it_with_a_reason_until_newer_evidence_is_higher(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    await send(sessions, panel, 130, T0, zone=1)
    incident = await incident_of(sessions)
    async with sessions() as session:
        with pytest.raises(Refused, match="say why"):
            await alarm_level_service.override(
                session=session, incident_id=incident.id, level=3, reason="  ", actor="suzuki", at=T0 + M
            )
    async with sessions() as session:
        await alarm_level_service.override(
            session=session,
            incident_id=incident.id,
            level=3,
            reason="ガラスの割れる音",
            actor="suzuki",
            at=T0 + M,
        )
    raised = await incident_of(sessions)
    assert raised.alarm_level == 3 and codes(raised)[-1] == "operator"
    last = (await level_events(sessions, incident.id))[-1]
    assert last.actor == "suzuki" and json.loads(last.detail)["override"]["reason"] == "ガラスの割れる音"
    async with sessions() as session:
        audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.actor == "suzuki")))
    assert any("alarm level 3" in a.detail for a in audit)
    await send(sessions, panel, 132, T0 + 2 * M, zone=2)  # a second detector: 2, below the operator's 3
    assert (await incident_of(sessions)).alarm_level == 3
    async with sessions() as session:
        await alarm_level_service.override(
            session=session, incident_id=incident.id, level=1, reason="猫", actor="suzuki", at=T0 + 3 * M
        )
    await send(sessions, panel, 122, T0 + 4 * M, zone=9)  # a hold-up opens its own C incident …
    assert (await incident_of(sessions, "C")).alarm_level == 4
    assert (await incident_of(sessions)).alarm_level == 1  # … and the burglary keeps the operator's 1


async def test_false_alarms_of_the_year_are_a_reason_never_the_level(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    for day in (30, 60, 90):  # three alarms called off as false alarms in the last year
        at = T0 - dt.timedelta(days=day)
        await send(sessions, panel, 130, at)
        async with sessions() as session:
            old = await session.scalar(select(Incident).where(Incident.closed_at.is_(None)))
            old.outcome, old.status, old.closed_at, old.open_key = "false_alarm", "false_alarm", at, None
            await session.commit()
    await send(sessions, panel, 130, T0, zone=1)
    await send(sessions, panel, 132, T0 + M, zone=2)
    current = await incident_of(sessions)
    assert current.alarm_level == 2
    history = next(
        r
        for r in alarm_level_service.reasons_of(current.alarm_level_reasons)
        if r.code == "false_alarm_history"
    )
    assert history.data == {"false_alarms": 3, "activations": 3} and history.level is None


async def test_an_all_clear_does_not_erase_a_fire_the_premises_confirmed(sessions) -> None:
    # The tester's sequence: the premises says there is smoke (level 4), then the responder reports all
    # clear; the level stayed at 0 "no police response is needed" while 119 was not yet called.
    await premises(sessions)
    await send(sessions, Panel(sessions), 110, T0, zone=5)
    fire = await incident_of(sessions, "B")
    common = {"incident_id": fire.id, "operator": "op"}
    async with sessions() as session:
        await flows.claim(session=session, at=T0 + M, **common)
        await flows.record_outcome(session=session, outcome=Outcome.CONFIRMED, at=T0 + 2 * M, **common)
    assert (await incident_of(sessions, "B")).alarm_level == 4
    async with sessions() as session:
        await flows.responder_checked(
            session=session,
            incident_id=fire.id,
            actor="resp",
            authorities_needed=False,
            at=T0 + 15 * M,
            note="外周および屋内を確認。異常なし",
        )
    conflict = await incident_of(sessions, "B")
    assert conflict.alarm_level == 4 and codes(conflict)[-1] == "all_clear_conflict"
    # outcome recorded with nobody reached: the operator's confirmation, not the resident's (tester, item 4)
    assert {"operator_confirmed", "responder_all_clear"} <= set(codes(conflict))
    ja = translations("ja").gettext
    assert "出動は不要" not in alarm_level_service.explained(conflict, ja)["alarm_level_sentence"]

    async with sessions() as session:
        await flows.responder_checked(
            session=session, incident_id=fire.id, actor="resp", authorities_needed=True, at=T0 + 20 * M
        )
    requested = await incident_of(sessions, "B")
    reasons = alarm_level_service.reasons_of(requested.alarm_level_reasons)
    deciding = [r for r in reasons if r.level is not None][-1]
    assert (requested.alarm_level, deciding.code, deciding.data) == (
        4,
        "responder_request",
        {"agency": "fire_dept"},
    )
    assert deciding.text(ja) == "緊急対処員が現場で要請：消防。"
    assert [json.loads(e.detail)["level"] for e in await level_events(sessions, fire.id)] == [4]  # never 0

    for name, words in console_alarm_level.VOCABULARY.items():
        rendering.add_vocabulary(name, words)
    html = (
        rendering.environment("ja")
        .get_template("_alarm_level.html")
        .render(incident=requested, principal=None)
    )
    assert "緊急対処員が現場で要請：消防。" in html and "fire_dept" not in html
    assert "オペレーターが現場の方と連絡が取れないまま異常と判断" in html  # listed, no longer deciding


async def test_a_fire_is_not_cleared_by_an_all_clear_alone(sessions) -> None:
    await premises(sessions)
    await send(sessions, Panel(sessions), 110, T0, zone=5)
    fire = await incident_of(sessions, "B")
    async with sessions() as session:
        await flows.responder_checked(
            session=session, incident_id=fire.id, actor="resp", authorities_needed=False, at=T0 + 15 * M
        )
    checked = await incident_of(sessions, "B")
    assert (checked.alarm_level, codes(checked)[-1]) == (1, "fire_all_clear")
