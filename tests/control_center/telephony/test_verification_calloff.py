"""When a contact's link may call an alarm off (verification.py's rule, AVS-01 / CS-V-01 practice: a remote
party's cancel is a request, valid only while nothing has confirmed the alarm), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.incidents import alarm_level_service, flows
from control_center.incidents.flows import FlowError
from control_center.incidents.models import IncidentTask, VerificationAttempt
from control_center.telephony import verification
from control_center.telephony.models import CallRun, LinkRecipient, VerificationLink
from dispatch.handoff_models import AgencyHandoff
from tests.control_center.factories import HOUSE_CODE, HOUSE_CODE_KEY, premises
from tests.control_center.telephony.test_verification_flows import (
    SETTINGS,
    T0,
    S,
    alarm,
    answer,
    carrier,
    claim_of,
    incident,
    kinds,
    sweep,
    tokens,
)

FIRE, PANIC, BURGLARY = 110, 120, 130
FIRST, SECOND = "+819000000001", "+819000000002"


async def linked(sessions, code: int = BURGLARY):
    await premises(sessions)
    opened = await alarm(sessions, code)
    telephony = carrier(sessions)
    await sweep(sessions, telephony)
    return opened, telephony, tokens(telephony)


async def view(sessions, incident_id: int) -> verification.LinkView:
    async with sessions() as session:
        found = await verification.view_of(session=session, incident_id=incident_id)
    assert found is not None
    return found


async def attempts(sessions) -> int:
    async with sessions() as session:
        return len(list(await session.scalars(select(VerificationAttempt))))


# --- rule 1: no call-off once the alarm is confirmed, handed on, attended or help was asked ----------------


async def _operator_confirmed(sessions, incident_id: int) -> None:
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="kato", at=T0 + S)
        await flows.record_outcome(
            session=session, incident_id=incident_id, operator="kato", outcome=Outcome.CONFIRMED, at=T0 + S
        )


async def _agency_notified(sessions, incident_id: int) -> None:
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="kato", at=T0 + S)
        session.add(IncidentTask(incident_id=incident_id, agency="fire_dept", created_at=T0 + S))
        await session.commit()
        task = await session.scalar(select(IncidentTask).where(IncidentTask.agency == "fire_dept"))
        await flows.complete_task(
            session=session, incident_id=incident_id, task_id=task.id, operator="kato", at=T0 + S
        )


async def _handed_off(sessions, incident_id: int) -> None:
    """The data-link hand-off was sent (its task still open: the agency's reply comes later)."""
    async with sessions() as session:
        task = IncidentTask(incident_id=incident_id, agency="fire_dept", created_at=T0 + S)
        session.add(task)
        await session.flush()
        session.add(
            AgencyHandoff(
                incident_id=incident_id, task_id=task.id, agency="fire_dept", message_id="m-1",
                sent_at=T0 + S, sent_by="kato", document="<x/>", status="dispatched",
            )
        )  # fmt: skip
        await session.commit()


async def _responder_on_site(sessions, incident_id: int) -> None:
    async with sessions() as session:
        await flows.responder_on_site(session=session, incident_id=incident_id, actor="r1", at=T0 + S)


async def _authorities_needed(sessions, incident_id: int) -> None:
    async with sessions() as session:
        await flows.responder_checked(
            session=session, incident_id=incident_id, actor="r1", authorities_needed=True, at=T0 + S
        )


async def _level_3(sessions, incident_id: int) -> None:
    async with sessions() as session:
        await alarm_level_service.override(
            session=session,
            incident_id=incident_id,
            level=3,
            reason="窓が割れている",
            actor="kato",
            at=T0 + S,
        )


async def _help_asked(sessions, incident_id: int, found: dict[str, str]) -> None:
    await answer(sessions, found[SECOND], "help")


CONFIRMATIONS = {
    "operator confirmed": _operator_confirmed,
    "agency notified": _agency_notified,
    "hand-off sent": _handed_off,
    "responder on site": _responder_on_site,
    "responder: authorities needed": _authorities_needed,
    "level 3": _level_3,
}


@pytest.mark.parametrize("code", [FIRE, BURGLARY])
@pytest.mark.parametrize("what", [*CONFIRMATIONS, "help asked"])
async def test_a_link_cancel_is_refused_once_anything_confirmed_the_alarm(
    sessions, what: str, code: int
) -> None:
    opened, _, found = await linked(sessions, code)
    if what == "help asked":
        await _help_asked(sessions, opened.id, found)
    else:
        await CONFIRMATIONS[what](sessions, opened.id)
    before = await incident(sessions, opened.id)
    with pytest.raises(FlowError, match="handling this alarm"):
        await answer(sessions, found[FIRST], "cancel", HOUSE_CODE, at=T0 + 3 * S)
    after = await incident(sessions, opened.id)
    assert after.closed_at is None and after.outcome == before.outcome
    assert after.alarm_level == before.alarm_level and after.alarm_level != 0
    assert await attempts(sessions) == 0  # refused before the code is even checked
    shown = await view(sessions, opened.id)
    assert shown.refusal == verification.HANDLING and not shown.can_cancel
    assert "call_off_requested" not in await kinds(sessions, opened.id)


async def test_the_report_case_a_fire_handed_to_119_is_not_closed_by_a_link(sessions) -> None:
    """The outside tester's incident 40: confirmed, handed off, the agency dispatched; then a right code."""
    opened, _, found = await linked(sessions, FIRE)
    await _operator_confirmed(sessions, opened.id)
    await _handed_off(sessions, opened.id)
    with pytest.raises(FlowError):
        await answer(sessions, found[FIRST], "cancel", HOUSE_CODE, at=T0 + 3 * S)
    still = await incident(sessions, opened.id)
    assert (still.closed_at, still.alarm_level, still.status) == (None, 4, "confirmed")


# --- rule 2: fire and emergency: a request the operator decides ---------------------------------------------


@pytest.mark.parametrize(("code", "service"), [(FIRE, "B"), (PANIC, "C")])
async def test_fire_and_emergency_a_right_code_is_a_request_for_the_operator(sessions, code, service) -> None:
    opened, _, found = await linked(sessions, code)
    assert opened.service_type == service
    done = await answer(sessions, found[FIRST], "cancel", HOUSE_CODE)
    assert done.result == "requested"
    asked = await incident(sessions, opened.id)
    assert asked.closed_at is None and asked.outcome is None and asked.alarm_level != 0
    assert asked.verified  # so the operator's false-alarm control is open to them
    # …but the contact is off site: the level keeps what the premises said, and no resident is claimed there
    assert asked.alarm_level == opened.alarm_level and "resident_verified" not in asked.alarm_level_reasons
    assert "contact_verified_by_link" in asked.alarm_level_reasons
    shown = await view(sessions, opened.id)
    assert (shown.link.state, shown.link.settled_by) == ("requested", "連絡先1")
    assert shown.attempts_left == 3  # a right code uses no attempt up
    assert "call_off_requested" in await kinds(sessions, opened.id)
    await sweep(sessions, carrier(sessions), T0 + 10 * 60 * S)
    async with sessions() as session:  # the operator decides: no calls start by themselves
        assert list(await session.scalars(select(CallRun))) == []
        await flows.claim(session=session, incident_id=opened.id, operator="kato", at=T0 + 5 * S)
        await flows.record_outcome(
            session=session,
            incident_id=opened.id,
            operator="kato",
            outcome=Outcome.FALSE_ALARM,
            at=T0 + 6 * S,
        )
    closed = await incident(sessions, opened.id)
    assert closed.closed_at is not None and closed.alarm_level == 0
    assert '"called_off_by_link"' in closed.alarm_level_reasons  # said as what it was, not a resident's call


async def test_help_after_a_request_wins_and_blocks_further_cancels(sessions) -> None:
    opened, _, found = await linked(sessions, FIRE)
    await answer(sessions, found[FIRST], "cancel", HOUSE_CODE)
    await answer(sessions, found[SECOND], "help", at=T0 + 3 * S)
    shown = await view(sessions, opened.id)
    assert shown.link.state == "help" and shown.refusal == verification.HANDLING
    with pytest.raises(FlowError, match="handling"):
        await answer(sessions, found["+819000000003"], "cancel", HOUSE_CODE, at=T0 + 4 * S)
    assert (await incident(sessions, opened.id)).closed_at is None


async def test_burglary_a_right_code_still_closes_it_as_a_false_alarm(sessions) -> None:
    opened, _, found = await linked(sessions, BURGLARY)
    assert (await answer(sessions, found[FIRST], "cancel", HOUSE_CODE)).result == "cancelled"
    closed = await incident(sessions, opened.id)
    assert (closed.alarm_level, closed.status) == (0, "false_alarm")


# --- rule 3: a mistyped code on the link is no sign of presence ---------------------------------------------


async def test_a_wrong_code_on_the_link_leaves_the_level_at_1(sessions) -> None:
    opened, _, found = await linked(sessions, BURGLARY)
    done = await answer(sessions, found[FIRST], "cancel", "000")
    assert (done.result, done.attempts_left) == ("wrong_code", 2)
    after = await incident(sessions, opened.id)
    assert after.alarm_level == 1 and "code_mismatch" not in (after.alarm_level_reasons or "")
    assert (await view(sessions, opened.id)).attempts_left == 2  # it still counts toward the limit


# --- lockout: calls at once, no more cancel -----------------------------------------------------------------


async def test_the_last_wrong_code_locks_the_cancel_and_starts_the_calls_at_once(sessions) -> None:
    opened, telephony, found = await linked(sessions, PANIC)
    results = []
    for n, guess in enumerate(("000", "111", "222")):
        async with sessions() as session:
            done = await verification.answer(
                session=session, claim=claim_of(found[FIRST]), choice="cancel", at=T0 + (2 + n) * S,
                key=HOUSE_CODE_KEY, code=guess, telephony=telephony, settings=SETTINGS,
            )  # fmt: skip
        results.append(done.result)
    assert results == ["wrong_code", "wrong_code", "locked"]
    await telephony.drain()
    async with sessions() as session:
        runs = list(await session.scalars(select(CallRun)))
        link = await session.scalar(select(VerificationLink))
        me = await session.scalar(select(LinkRecipient).where(LinkRecipient.position == 1))
    assert len(runs) == 1 and link.state == "locked" and me.answer == "locked"
    assert "link_locked" in await kinds(sessions, opened.id)
    shown = await view(sessions, opened.id)
    assert not shown.can_cancel and shown.attempts_left == 0
    with pytest.raises(FlowError, match="wrongly too often"):
        await answer(sessions, found[SECOND], "cancel", HOUSE_CODE, at=T0 + 6 * S)
    assert (await answer(sessions, found[SECOND], "going", at=T0 + 6 * S)).result == "recorded"
    await sweep(sessions, telephony, T0 + 10 * 60 * S)  # the expiry starts no second list
    async with sessions() as session:
        assert len(list(await session.scalars(select(CallRun)))) == 1
    assert (await incident(sessions, opened.id)).closed_at is None


# --- the SMS says who sends it and for which home -----------------------------------------------------------


async def test_the_sms_names_the_center_and_the_home_but_not_the_address(sessions) -> None:
    _, telephony, _ = await linked(sessions)
    for sms in telephony.texts:
        assert sms.body.startswith(f"【{SETTINGS.center_name}】名古屋市の山田様宅で警報を受信しました")
        assert "栄1-1-1" not in sms.body and "052" not in sms.body and "太郎" not in sms.body


def test_the_premises_label_never_shows_more_than_town_and_family_name() -> None:
    from control_center.subscribers.models import Premises, Subscriber

    def label(address: str, name: str) -> str:
        place = Premises(address=address, subscriber=Subscriber(name=name, phone="x"))
        return verification.premises_label(place, lambda s: s)

    assert label("愛知県名古屋市中区栄1-1-1", "山田 太郎") == "the 山田 home in 名古屋市"
    assert label("東京都世田谷区1-2", "佐藤\u3000花子") == "the 佐藤 home in 世田谷区"
    assert label("どこか", "一文字名") == "the registered premises"  # neither part can be told safely
    assert label("大阪府堺市北区", "<b>x</b> y") == "the <b>x</b> home in 堺市"  # escaped by the page


async def test_a_closed_incident_is_still_refused(sessions) -> None:
    opened, _, found = await linked(sessions, BURGLARY)
    async with sessions() as session:
        row = await flows.load(session=session, incident_id=opened.id)
        flows.close_by_system(row, T0 + S, "test")
        await session.commit()
    with pytest.raises(FlowError, match="closed"):
        await answer(sessions, found[FIRST], "cancel", HOUSE_CODE)
