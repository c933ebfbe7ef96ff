"""The operator's workflow, persisted, on both databases."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.incidents import flows
from control_center.incidents.flows import FlowError
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident, VerificationAttempt
from control_center.subscribers.models import Device, Trip, TripContact
from tests.control_center.factories import HOUSE_CODE, HOUSE_CODE_KEY, Panel, premises
from tests.helpers import add_user

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)  # 12:00 in Tokyo
M = dt.timedelta(minutes=1)


async def open_incident(
    sessions, code: int, at: dt.datetime = T0, zone: int = 1, account: str = "2001"
) -> Incident:
    await Panel(sessions, account).send(code, at, zone=zone)
    async with sessions() as session:
        await process_pending(session=session, now=at)
        incident_id = await session.scalar(select(Incident.id).order_by(Incident.id.desc()))
        return await flows.load(session=session, incident_id=incident_id)


def open_tasks(incident: Incident) -> list[str]:
    return [t.step or f"notify:{t.agency}" for t in incident.tasks if t.done_at is None]


async def reload(sessions, incident_id: int) -> Incident:
    async with sessions() as session:
        return await flows.load(session=session, incident_id=incident_id)


async def test_burglary_verified_false_alarm(sessions) -> None:
    await premises(sessions)
    incident = await open_incident(sessions, 130)
    assert open_tasks(incident) == ["dispatch", "call_premises"]
    # suzuki asks the caller, 山田花子, for the house code, then closes the incident as a false alarm
    verify = partial(
        flows.verify_house_code,
        key=HOUSE_CODE_KEY,
        incident_id=incident.id,
        operator="suzuki",
        name_given="山田花子",
    )
    false_alarm = partial(
        flows.record_outcome, incident_id=incident.id, operator="suzuki", outcome=Outcome.FALSE_ALARM
    )
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident.id, operator="suzuki", at=T0 + M)
    async with sessions() as session:
        with pytest.raises(FlowError, match="already claimed by suzuki"):
            await flows.claim(session=session, incident_id=incident.id, operator="tanaka", at=T0 + M)
    async with sessions() as session:
        with pytest.raises(FlowError, match="only a verified resident"):
            await false_alarm(session=session, at=T0 + 2 * M)
    async with sessions() as session:
        wrong = await verify(session=session, digits="999", at=T0 + 2 * M)
    assert (wrong.matched, wrong.code_attempts_left, wrong.questions[0][1]) == (False, 2, "ペットの名前は？")
    async with sessions() as session:
        right = await verify(session=session, digits=HOUSE_CODE, at=T0 + 3 * M)
        await false_alarm(session=session, at=T0 + 4 * M, reason="家族の操作ミス")
    assert right.matched
    done = await reload(sessions, incident.id)
    assert (done.status, done.open_key, done.verified) == ("false_alarm", None, True)
    assert open_tasks(done) == ["dispatch", "recall_responder"]
    kinds = [e.kind for e in done.events]
    assert kinds[:3] == ["opened", "planned", "claimed"] and "closed" in kinds
    # The record says match / no match and who; never the digits.
    assert all(HOUSE_CODE not in e.detail and "999" not in e.detail for e in done.events)
    async with sessions() as session:
        attempts = list(await session.scalars(select(VerificationAttempt).order_by(VerificationAttempt.id)))
    assert [(a.name_given, a.matched) for a in attempts] == [("山田花子", False), ("山田花子", True)]


async def test_code_attempts_are_limited_then_the_registered_question(sessions) -> None:
    await premises(sessions)
    incident = await open_incident(sessions, 110)
    as_op = dict(key=HOUSE_CODE_KEY, incident_id=incident.id, operator="op", at=T0)
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident.id, operator="op", at=T0)
        verify = partial(flows.verify_house_code, session=session, **as_op, name_given="?")
        for _ in range(3):
            await verify(digits="000")
        with pytest.raises(FlowError, match="3 house-code attempts"):
            await verify(digits=HOUSE_CODE)
        (question,) = (await reload(sessions, incident.id)).premises.questions
        answer = partial(flows.answer_question, **as_op, name_given="山田", question_id=question.id)
        result = await answer(session=session, answer=" ぽち ")
    assert not result.matched  # hiragana is not the registered katakana: an exact answer is asked for
    async with sessions() as session:
        result = await answer(session=session, answer="ポチ")
    assert result.matched and (await reload(sessions, incident.id)).verified


async def test_registered_questions_cannot_be_guessed_without_end(sessions) -> None:
    await premises(sessions)
    incident = await open_incident(sessions, 130)
    as_op = dict(key=HOUSE_CODE_KEY, incident_id=incident.id, operator="op", at=T0)
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident.id, operator="op", at=T0)
        (question,) = (await reload(sessions, incident.id)).premises.questions
        answer = partial(
            flows.answer_question, session=session, **as_op, name_given="?", question_id=question.id
        )
        for guess in ("タマ", "ミケ", "シロ"):
            assert not (await answer(answer=guess)).matched
        with pytest.raises(FlowError, match="3 answers to the registered questions used"):
            await answer(answer="ポチ")  # even the right one, after three wrong
    assert not (await reload(sessions, incident.id)).verified


async def test_burglary_no_answer_to_police_after_the_check_and_the_record(sessions) -> None:
    await premises(sessions)
    incident = await open_incident(sessions, 130)
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident.id, operator="op", at=T0 + M)
        await flows.record_outcome(
            session=session, incident_id=incident.id, operator="op", outcome=Outcome.NO_ANSWER, at=T0 + 2 * M
        )
    assert open_tasks(await reload(sessions, incident.id)) == [
        "dispatch",
        "call_second_number",
        "responder_check",
    ]
    async with sessions() as session:
        await flows.responder_on_site(
            session=session, incident_id=incident.id, actor="responder-7", at=T0 + 18 * M
        )
        await flows.responder_checked(
            session=session,
            incident_id=incident.id,
            actor="responder-7",
            authorities_needed=True,
            note="窓ガラス破損",
            at=T0 + 20 * M,
        )
    current = await reload(sessions, incident.id)
    assert open_tasks(current) == ["dispatch", "call_second_number", "notify:police"]
    police = next(t for t in current.tasks if t.agency == "police")
    async with sessions() as session:
        with pytest.raises(FlowError, match="police"):
            await flows.resolve(
                session=session, incident_id=incident.id, operator="op", reason="x", at=T0 + 21 * M
            )
        await flows.complete_task(
            session=session,
            incident_id=incident.id,
            task_id=police.id,
            operator="op",
            reference="中署 受付123",
            at=T0 + 21 * M,
        )
        await flows.resolve(
            session=session, incident_id=incident.id, operator="op", reason="警察に引継ぎ", at=T0 + 40 * M
        )
        with pytest.raises(FlowError, match="closed"):
            await flows.claim(session=session, incident_id=incident.id, operator="other", at=T0 + 41 * M)
        await flows.report_sent(session=session, incident_id=incident.id, actor="op", at=T0 + 60 * M)
    final = await reload(sessions, incident.id)
    assert (final.status, final.responder_on_site_at) == ("report_sent", T0 + 18 * M)
    assert any(e.kind == "agency_notified" and "中署 受付123" in e.detail for e in final.events)
    assert any(e.kind == "responder_on_site" and "18.0 min" in e.detail for e in final.events)


async def test_gas_with_no_answer_calls_the_gas_company_at_once(sessions) -> None:
    await premises(sessions)
    incident = await open_incident(sessions, 151)
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident.id, operator="op", at=T0)
        await flows.record_outcome(
            session=session, incident_id=incident.id, operator="op", outcome=Outcome.NO_ANSWER, at=T0
        )
    assert open_tasks(await reload(sessions, incident.id)) == [
        "dispatch",
        "responder_check",
        "assist_gas_crew",
        "notify:gas_company",
    ]


async def test_a_burglary_alarm_while_disarmed_is_flagged(sessions) -> None:
    await premises(sessions, arming="disarmed")
    incident = await open_incident(sessions, 130)
    assert incident.flag == flows.DISARMED_BURGLARY


async def test_a_premises_with_its_line_cut_gets_the_authorities_directly(sessions) -> None:
    await premises(sessions)
    await open_incident(sessions, 351)  # communication trouble: line cut (F)
    fire = await open_incident(sessions, 110, at=T0 + M)
    assert open_tasks(fire) == ["dispatch", "notify:fire_dept"]


async def test_equipment_follows_the_device_and_night_gets_a_perimeter_check(sessions) -> None:
    place = await premises(sessions)
    async with sessions() as session:
        session.add(
            Device(premises_id=place, zone=4, name="給湯器漏水センサー", response_type="respond_first_aid")
        )
        await session.commit()
    water = await open_incident(sessions, 154, zone=4)
    assert open_tasks(water) == ["dispatch", "responder_check", "first_aid", "call_contacts"]
    night = dt.datetime(2026, 11, 22, 15, 0, tzinfo=dt.UTC)  # 00:00 in Tokyo
    await premises(sessions, account="2002")
    battery = await open_incident(sessions, 302, at=night, account="2002")
    assert open_tasks(battery) == ["perimeter_check", "book_visit"]


async def test_call_list_uses_trip_contacts_during_a_trip_and_adds_the_doctor(sessions) -> None:
    place = await premises(sessions)
    async with sessions() as session:
        session.add(
            Trip(
                premises_id=place,
                departs_at=T0,
                returns_at=T0 + dt.timedelta(days=7),
                contacts=[TripContact(position=1, name="旅行先ホテル", phone="03-0000-0000")],
            )
        )
        await session.commit()
    incident = await open_incident(sessions, 100, at=T0 + M)
    during = flows.call_list(incident.premises, flows.S.MEDICAL, T0 + M)
    after = flows.call_list(incident.premises, flows.S.MEDICAL, T0 + dt.timedelta(days=8))
    assert [(c.kind, c.name) for c in during] == [
        ("trip_contact", "旅行先ホテル"),
        ("doctor", "栄クリニック"),
    ]
    assert [c.kind for c in after] == ["contact", "contact", "contact", "doctor"]
    assert [c.kind for c in flows.call_list(incident.premises, flows.S.FIRE, T0 + dt.timedelta(days=8))] == [
        "contact"
    ] * 3


async def test_camera_images_a_clearly_illegal_act_means_police_and_a_responder(sessions) -> None:
    await premises(sessions)
    await Panel(sessions).send(130, T0)  # the camera's intrusion detection
    async with sessions() as session:
        from control_center.signals.models import Signal

        await session.execute(Signal.__table__.update().values(device="outdoor_camera", service_type="I"))
        await session.commit()
        await process_pending(session=session, now=T0)
        incident_id = await session.scalar(select(Incident.id))
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0)
        with pytest.raises(FlowError, match="risk level"):
            await flows.camera_assessment(
                session=session,
                incident_id=incident_id,
                operator="op",
                risk_level=4,
                illegal_act=False,
                at=T0,
            )
        await flows.camera_assessment(
            session=session, incident_id=incident_id, operator="op", risk_level=3, illegal_act=True, at=T0 + M
        )
    incident = await reload(sessions, incident_id)
    assert open_tasks(incident) == ["call_premises", "dispatch", "notify:police"]
    assert any(e.kind == "voice_announcement" and "level 3" in e.detail for e in incident.events)


async def test_trips_are_registered_through_the_api_with_their_timers(database_url: str, sessions) -> None:
    import httpx

    from control_center.alarms.models import Timer
    from control_center.app import create_app
    from control_center.core.hub import Hub
    from control_center.core.settings import Settings

    place = await premises(sessions)
    _, operator = await add_user(sessions, "operator")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=operator) as client:
        ok = await client.post(
            f"/api/premises/{place}/trips",
            json={
                "departs_at": "2026-12-28T09:00:00+09:00",
                "returns_at": "2027-01-04T18:00:00+09:00",
                "set_forget_check": True,
                "grace_minutes": 30,
                "contacts": [{"name": "実家", "phone": "0561-00-0000"}],
            },
        )
        backwards = await client.post(
            f"/api/premises/{place}/trips",
            json={"departs_at": "2026-12-28T09:00:00+09:00", "returns_at": "2026-12-27T09:00:00+09:00"},
        )
        naive = await client.post(
            f"/api/premises/{place}/trips",
            json={"departs_at": "2026-12-28T09:00:00", "returns_at": "2026-12-29T09:00:00"},
        )
        missing = await client.post(
            "/api/premises/9999/trips",
            json={"departs_at": "2026-12-28T09:00:00+09:00", "returns_at": "2026-12-29T09:00:00+09:00"},
        )
    assert ok.status_code == 201 and backwards.status_code == 422 and naive.status_code == 422
    assert missing.status_code == 404
    async with sessions() as session:
        due = {t.kind: t.due_at for t in await session.scalars(select(Timer))}
    assert due == {
        "set_forget": dt.datetime(2026, 12, 28, 0, 30, tzinfo=dt.UTC),
        "return_call": dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC),
    }


async def test_a_fire_is_not_closed_without_the_call_outcome_and_the_119_call_or_why_not(sessions) -> None:
    """The plan is a checklist (issue 17): a fire was closed with no 119 step and no call outcome."""
    await premises(sessions)
    incident = await open_incident(sessions, 110)
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident.id, operator="op", at=T0 + M)
        with pytest.raises(FlowError, match="call_premises"):
            await flows.resolve(session=session, incident_id=incident.id, operator="op", reason="x",
                                at=T0 + 2 * M)  # fmt: skip
        await flows.record_outcome(
            session=session, incident_id=incident.id, operator="op", outcome=Outcome.NO_ANSWER, at=T0 + 2 * M
        )
    async with sessions() as session:
        await flows.responder_checked(session=session, incident_id=incident.id, actor="responder-7",
                                      authorities_needed=False, note="煙なし", at=T0 + 15 * M)  # fmt: skip
        with pytest.raises(FlowError, match="119"):
            await flows.resolve(session=session, incident_id=incident.id, operator="op", reason="誤報",
                                at=T0 + 16 * M)  # fmt: skip
        await flows.resolve(session=session, incident_id=incident.id, operator="op", reason="誤報",
                            without_fire_dept="対処員が現場確認、火災なし", at=T0 + 16 * M)  # fmt: skip
    final = await reload(sessions, incident.id)
    assert final.closed_at == T0 + 16 * M
    assert any(e.kind == "no_fire_dept" and "火災なし" in e.detail for e in final.events)
