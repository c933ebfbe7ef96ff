"""Dispatch on both databases: nearest choice, override, the responder's steps, keys, coverage, records."""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import partial

import pytest
from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.core.mail import Outbox
from control_center.core.settings import Settings
from control_center.incidents import flows
from control_center.incidents.models import Incident, IncidentStatus
from control_center.subscribers.models import Premises
from control_center.supervisor_desk import legal_record
from dispatch import report, service
from dispatch.agencies import RecordingSwitchboard
from dispatch.models import (
    Assignment,
    CoverageLimit,
    Depot,
    KeyEvent,
    KeySet,
    Responder,
    ResponderStatus,
    SentReport,
)
from dispatch.service import DispatchError
from dispatch.status import Action
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import T0, alarms

M = dt.timedelta(minutes=1)
SETTINGS = Settings(_env_file=None)


async def depots_and_responders(sessions) -> dict[str, int]:
    """The premises of the factories sits at 35.17, 136.90 (Sakae); responders at known distances."""
    async with sessions() as session:
        sakae = Depot(name="栄待機所", prefecture="愛知県", lat=35.170, lon=136.905)
        far = Depot(name="岡崎待機所", prefecture="愛知県", lat=34.955, lon=137.170)
        session.add_all([sakae, far, CoverageLimit(prefecture="愛知県", minutes=25)])
        people = {
            "near": Responder(name="近藤", depot=sakae, lat=35.172, lon=136.902),  # ~0.3 km
            "mid": Responder(name="中島", depot=sakae, lat=35.185, lon=136.920),  # ~2.4 km
            "far": Responder(name="遠藤", depot=far, lat=34.955, lon=137.170),  # ~35 km
            "off": Responder(
                name="休日", depot=sakae, lat=35.1701, lon=136.9001, status=ResponderStatus.OFF_DUTY
            ),
        }
        session.add_all(people.values())
        await session.commit()
        return {k: r.id for k, r in people.items()}


async def incident_with_premises(sessions) -> int:
    await premises(sessions, account="9001")
    (incident_id,) = await alarms(sessions, (130, "9001"))
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0 + M)
    return incident_id


async def assign(session, incident_id: int, responder_id: int, at: dt.datetime) -> Assignment:
    """The operator sends a responder."""
    return await service.assign(
        session=session,
        incident_id=incident_id,
        responder_id=responder_id,
        actor="op",
        at=at,
        settings=SETTINGS,
    )


async def act(sessions, assignment_id: int, action: Action, minute: int, note: str = "") -> None:
    """近藤, the responder, takes a step ``minute`` minutes after T0, in a session of its own."""
    async with sessions() as session:
        await service.act(
            session=session,
            assignment_id=assignment_id,
            action=action,
            actor="近藤",
            at=T0 + minute * M,
            note=note,
        )


async def test_the_nearest_available_responder_is_ranked_first_and_an_override_is_recorded(sessions) -> None:
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
        ranked = await service.rank(session=session, incident=incident, settings=SETTINGS, at=T0 + M)
    assert [r.responder.id for r in ranked] == [ids["near"], ids["mid"], ids["far"]]  # never the off-duty one
    assert [r.arrives_within_limit for r in ranked] == [True, True, False]
    assert ranked[0].minutes < ranked[1].minutes < 25 < ranked[2].minutes

    async with sessions() as session:  # the operator sends the second: an override, on the record
        await assign(session, incident_id, ids["mid"], T0 + 2 * M)
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
        ranked = await service.rank(session=session, incident=incident, settings=SETTINGS, at=T0 + 2 * M)
        with pytest.raises(DispatchError, match="not available"):
            await assign(session, incident_id, ids["mid"], T0 + 3 * M)
    assert ids["mid"] not in [r.responder.id for r in ranked]
    (assigned,) = [e for e in incident.events if e.kind == "responder_assigned"]
    assert "中島" in assigned.detail and "override of the nearest, 近藤" in assigned.detail
    assert all(t.done_at for t in incident.tasks if t.step == "dispatch")


async def test_the_responders_steps_and_arrival_minutes_in_the_legal_record(sessions) -> None:
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    async with sessions() as session:
        assignment = await assign(session, incident_id, ids["near"], T0 + 2 * M)
    steps = [(Action.ACCEPT, 3), (Action.EN_ROUTE, 3), (Action.ARRIVED, 19), (Action.ALL_CLEAR, 30)]
    for action, minute in steps:
        await act(sessions, assignment.id, action, minute)
    with pytest.raises(DispatchError, match="write what"):
        await act(sessions, assignment.id, Action.REPORT, 31)
    with pytest.raises(DispatchError, match="not possible"):
        await act(sessions, assignment.id, Action.ARRIVED, 31)
    await act(sessions, assignment.id, Action.REPORT, 35, note="窓の施錠を確認。異常なし。")
    async with sessions() as session:
        done = await session.get(Assignment, assignment.id)
        responder = await session.get(Responder, ids["near"])
        incident = await session.get(Incident, incident_id)
        found = await legal_record.records(
            session=session, start=dt.date(2026, 11, 22), end=dt.date(2026, 11, 22)
        )
        body = legal_record.encode(legal_record.rows(found, str, {})).decode("utf-8-sig")
    assert (done.accepted_at, done.arrived_at, done.ended_at) == (T0 + 3 * M, T0 + 19 * M, T0 + 35 * M)
    assert responder.status == ResponderStatus.AVAILABLE
    assert incident.responder_on_site_at == T0 + 19 * M
    (row,) = list(csv.DictReader(io.StringIO(body)))
    assert (
        row["Minutes from receipt to arrival"],
        row["Arrival limit (minutes)"],
        row["Within the limit"],
    ) == ("19.0", "25", "Yes")
    assert "近藤" in row["Responders sent"] and "responder_report" in row["Other measures"]


async def test_key_seal_history_and_the_subscriber_is_told(sessions) -> None:
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    outbox = Outbox()
    async with sessions() as session:
        place = await session.scalar(select(Premises.id))
        depot = await session.scalar(select(Depot.id))
        first, _ = await service.register_keys(
            session=session, premises_id=place, depot_id=depot, seals=("A-001", "A-002"), actor="seed", at=T0
        )
        await session.commit()
        key_id = first.id
    take_out = partial(
        service.take_out_key,
        key_set_id=key_id,
        responder_id=ids["near"],
        incident_id=incident_id,
        actor="近藤",
    )
    reseal = partial(service.reseal_key, key_set_id=key_id, actor="depot", at=T0 + 60 * M, mailer=outbox)
    async with sessions() as session:
        await take_out(session=session, at=T0 + 5 * M)
    async with sessions() as session:
        with pytest.raises(DispatchError, match="already out"):
            await take_out(session=session, at=T0 + 6 * M)
    async with sessions() as session:
        with pytest.raises(DispatchError, match="used before"):
            await reseal(session=session, new_seal="A-002")
    async with sessions() as session:
        await reseal(session=session, new_seal="A-117")
    async with sessions() as session:
        key_set = await session.get(KeySet, key_id)
        history = list(
            await session.scalars(select(KeyEvent).where(KeyEvent.key_set_id == key_id).order_by(KeyEvent.id))
        )
    assert (key_set.state, key_set.seal_number, key_set.holder_responder_id) == ("sealed", "A-117", None)
    assert [(e.kind, e.seal_before, e.seal_after, e.actor) for e in history] == [
        ("registered", None, "A-001", "seed"),
        ("taken_out", "A-001", None, "近藤"),
        ("resealed", None, "A-117", "depot"),
    ]
    assert history[1].incident_id == incident_id and history[2].subscriber_notified_at == T0 + 60 * M
    (mail,) = outbox.sent
    assert "A-117" in mail.body and mail.to == "yamada@example.jp"


async def test_a_premises_outside_coverage_is_flagged(sessions) -> None:
    await depots_and_responders(sessions)
    async with sessions() as session:
        near = await service.reach(
            session=session, address="愛知県名古屋市中区栄3-1", lat=35.168, lon=136.908, settings=SETTINGS
        )
        remote = await service.reach(
            session=session, address="愛知県北設楽郡設楽町田口", lat=35.096, lon=137.567, settings=SETTINGS
        )
    assert near.within and near.depot.name == "栄待機所" and near.travel_minutes < 5
    assert not remote.within and remote.depot.name == "岡崎待機所" and remote.travel_minutes > 25
    assert remote.limit_minutes == 25


async def test_agencies_and_the_written_report(sessions) -> None:
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    switchboard, outbox = RecordingSwitchboard(), Outbox()
    async with sessions() as session:
        assignment = await assign(session, incident_id, ids["near"], T0 + 2 * M)
    async with sessions() as session:
        await flows.record_outcome(
            session=session, incident_id=incident_id, operator="op", outcome=Outcome.NO_ANSWER, at=T0 + 3 * M
        )
    for action, minute, note in [
        (Action.EN_ROUTE, 4, ""),
        (Action.ARRIVED, 15, ""),
        (Action.NEEDS_HELP, 16, "police"),
        (Action.ALL_CLEAR, 40, ""),
        (Action.REPORT, 45, "勝手口の窓が割られていた。警察に引き継ぎ。"),
    ]:
        await act(sessions, assignment.id, action, minute, note)
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
        (police,) = [t for t in incident.tasks if t.agency == "police"]
        reference = await service.notify_agency(
            session=session,
            incident_id=incident_id,
            task_id=police.id,
            actor="op",
            at=T0 + 17 * M,
            switchboard=switchboard,
            settings=SETTINGS,
        )
    send_report = partial(service.send_written_report, incident_id=incident_id, actor="op", mailer=outbox)
    async with sessions() as session:
        with pytest.raises(DispatchError, match="follows the resolution"):
            await send_report(session=session, at=T0 + 50 * M, body="x", subject="x")
    async with sessions() as session:
        await flows.resolve(
            session=session, incident_id=incident_id, operator="op", reason="警察に引き継ぎ", at=T0 + 50 * M
        )
    async with sessions() as session:
        subject, body = await report.render(session=session, incident_id=incident_id, locale="ja")
        await send_report(session=session, at=T0 + 60 * M, body=body, subject=subject)
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        sent = await session.scalar(select(SentReport))
        task = await session.get(type(police), police.id)
    assert reference == "POLICE-00001" and switchboard.notices[0].agency == "police"
    assert task.done_at == T0 + 17 * M and task.reference == "POLICE-00001"  # the agency's own number
    assert incident.status == IncidentStatus.REPORT_SENT
    (mail,) = outbox.sent
    assert mail.to == sent.recipient and mail.body == sent.body
    assert "近藤" in mail.body and "勝手口の窓が割られていた" in mail.body and "現場確認" in mail.subject
    assert "受信から15分" in mail.body  # arrived 15 minutes after receipt


async def test_a_second_responder_is_sent_only_when_the_operator_confirms_it(sessions) -> None:
    """One click on the candidate list that stayed after a dispatch had sent a second responder."""
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    async with sessions() as session:
        await assign(session, incident_id, ids["near"], T0 + 2 * M)
    async with sessions() as session:
        with pytest.raises(DispatchError, match="confirm"):
            await assign(session, incident_id, ids["mid"], T0 + 3 * M)
    async with sessions() as session:
        second = await service.assign(session=session, incident_id=incident_id, responder_id=ids["mid"],
                                      actor="op", at=T0 + 3 * M, settings=SETTINGS, second=True)  # fmt: skip
    async with sessions() as session:
        assignments = await service.assignments_of(session=session, incident_id=incident_id)
    sent = [a.responder_id for a in assignments]
    assert sent == [ids["near"], ids["mid"]] and second.responder_id == ids["mid"]
