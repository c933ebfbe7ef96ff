"""The supervisor's "settled by a call" counts only incidents a call decided: someone was reached by phone
(the operator's call answered) and the outcome came after. An operator's 異常確認 with no call reached is
"by the operator alone" (an outside tester found it counted as 電話で決着)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.incidents import flows
from control_center.supervisor_desk.service import figures
from control_center.supervisor_desk.settled import LINK, OPERATOR, VOICE, decided_by
from control_center.telephony import flows as calls
from control_center.telephony.adapters import Answer, SimulatedTelephony
from control_center.telephony.models import ContactAttempt
from control_center.telephony.wiring import FlowsCarrier
from tests.control_center.factories import premises
from tests.control_center.telephony.test_verification_flows import SETTINGS, T0, S, alarm, sweep
from tests.helpers import eventually


def test_what_decided_an_incident() -> None:
    t = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    m = dt.timedelta(minutes=1)
    none: list[dt.datetime] = []
    assert decided_by(link_state="cancelled", link_settled_at=t, reached_at=None, outcome_ats=none,
                      closed_at=t) == (LINK, t)  # fmt: skip
    # The operator's 異常確認 without anyone reached: not a phone decision.
    assert decided_by(link_state="expired", link_settled_at=None, reached_at=None, outcome_ats=[t + m],
                      closed_at=None) == (OPERATOR, t + m)  # fmt: skip
    # Closed by hand (対応完了) with no outcome and no call: the operator too.
    assert decided_by(link_state="open", link_settled_at=None, reached_at=None, outcome_ats=none,
                      closed_at=t + 2 * m) == (OPERATOR, t + 2 * m)  # fmt: skip
    # Reached by phone, then the outcome: the call decided, at the outcome.
    assert decided_by(link_state="expired", link_settled_at=None, reached_at=t, outcome_ats=[t + m],
                      closed_at=None) == (VOICE, t + m)  # fmt: skip
    # An outcome recorded before anyone was reached was not decided by that later call.
    assert decided_by(link_state="expired", link_settled_at=None, reached_at=t + m, outcome_ats=[t],
                      closed_at=None) == (VOICE, t + m)  # fmt: skip
    assert decided_by(link_state="open", link_settled_at=None, reached_at=None, outcome_ats=none,
                      closed_at=None) is None  # fmt: skip


async def test_a_manual_confirmation_is_not_counted_as_settled_by_voice(sessions) -> None:
    for account in ("2001", "2002", "2003"):
        await premises(sessions, account)
    called = await alarm(sessions, account="2001")
    by_hand = await alarm(sessions, account="2002")
    await alarm(sessions, account="2003")  # nobody decides

    async def answers(number: str, mode: str) -> Answer:
        return Answer("answer", after_seconds=0.0)

    telephony = SimulatedTelephony(answers, speedup=1000.0)
    telephony.carrier = FlowsCarrier(sessions, SETTINGS, telephony, lambda ids: None)
    await sweep(sessions, telephony)  # the links go out
    async with sessions() as session:
        for incident in (called, by_hand):
            await flows.claim(session=session, incident_id=incident.id, operator="kato", at=T0 + S)
        await calls.call_premises(
            session=session, incident_id=called.id, actor="kato", mode="operator", at=T0 + 10 * S,
            telephony=telephony, settings=SETTINGS,
        )  # fmt: skip

    async def answered() -> bool:
        async with sessions() as session:
            attempt = await session.scalar(
                select(ContactAttempt).where(
                    ContactAttempt.incident_id == called.id, ContactAttempt.channel == "voice"
                )
            )
        return attempt is not None and attempt.answered_at is not None

    await eventually(answered, timeout=10)
    async with sessions() as session:
        reached = await session.scalar(
            select(ContactAttempt.answered_at).where(
                ContactAttempt.incident_id == called.id, ContactAttempt.channel == "voice"
            )
        )
    for incident in (called, by_hand):
        async with sessions() as session:
            await flows.record_outcome(
                session=session, incident_id=incident.id, operator="kato", outcome=Outcome.CONFIRMED,
                at=max(reached, T0 + 90 * S),
            )  # fmt: skip
    async with sessions() as session:
        shown = (await figures(session=session, now=max(reached, T0 + 90 * S) + S)).verification
    assert (shown.links_sent, shown.by_link, shown.by_voice, shown.by_operator, shown.undecided) == (
        3, 0, 1, 1, 1,
    )  # fmt: skip
