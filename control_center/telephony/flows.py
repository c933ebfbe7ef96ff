"""Calls and texts as rows advanced by the carrier's reports and a deadline sweep.

- ``call_premises``: the operator (or the IVR) phones the premises.
- ``start_call_list``: the emergency contacts in order (trip contacts during a trip, the doctor for D/H);
  no answer within the ring time, busy or failed → the next; with ``sms_first`` each contact gets an SMS
  first and a call only if it is not acknowledged in time.
- ``on_status`` / ``on_digits`` / ``on_sms_reply``: what the carrier reports (Twilio webhooks or the
  simulator). ``sweep``: deadlines passed without word from the carrier.
Every attempt is a ``ContactAttempt`` row and an event in the incident's record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.alarms.action_plans import SILENT_FLAG
from control_center.core.db import get_locked, is_postgresql
from control_center.core.i18n import N_
from control_center.core.settings import Settings
from control_center.incidents import alarm_level_service, flows
from control_center.incidents.flows import FlowError
from control_center.signals.service_types import ServiceType
from control_center.telephony import twiml
from control_center.telephony.adapters import OutgoingCall, OutgoingSms, Telephony
from control_center.telephony.models import CallRun, ContactAttempt
from control_center.telephony.numbers import same_number, to_e164

log = logging.getLogger(__name__)
NEVER_CALLED = N_("a duress or hold-up alarm: the premises is never called (police and a responder)")

TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
KNOWN = TERMINAL | {"queued", "initiated", "ringing", "in-progress"}
# How long past the ring time to wait for the carrier's final word before calling it unanswered.
CARRIER_GRACE = dt.timedelta(seconds=60)
WORDS = (
    N_("call_placed"),
    N_("call_result"),
    N_("sms_sent"),
    N_("contact_reached"),
    N_("call_list_started"),
    N_("call_list_exhausted"),
    N_("call_list_stopped"),
    N_("answered"),
    N_("busy"),
    N_("no_answer"),
    N_("failed"),
    N_("acknowledged"),
    N_("not_acknowledged"),
    N_("premises"),
    N_("contact"),
    N_("trip_contact"),
    N_("doctor"),
    N_("ivr"),
    N_("calling"),
    N_("reached"),
    N_("exhausted"),
    N_("stopped"),
)


def _result(status: str, answered: bool) -> str:
    return {
        "completed": "answered" if answered else "no_answer",
        "busy": "busy",
        "no-answer": "no_answer",
    }.get(status, "failed")


async def _attempt(session: AsyncSession, attempt_id: int) -> ContactAttempt:
    return await get_locked(session, ContactAttempt, attempt_id, "call")


async def _event(
    session: AsyncSession, incident_id: int, at: dt.datetime, actor: str, kind: str, detail: str
) -> None:
    flows.event(await flows.load(session=session, incident_id=incident_id), at, actor, kind, detail)


# --- placing calls and texts -------------------------------------------------------------------------------


async def _place(
    session: AsyncSession,
    *,
    incident_id: int,
    run: CallRun | None,
    index: int | None,
    purpose: str,
    name: str,
    number: str,
    mode: str,
    actor: str,
    at: dt.datetime,
    telephony: Telephony,
    settings: Settings,
) -> ContactAttempt:
    attempt = ContactAttempt(
        incident_id=incident_id,
        run_id=run.id if run else None,
        channel="voice",
        purpose=purpose,
        target_index=index,
        name=name[:100],
        number=to_e164(number),
        mode=mode,
        started_by=actor,
        created_at=at,
        deadline_at=at + dt.timedelta(seconds=settings.call_ring_seconds) + CARRIER_GRACE,
    )
    session.add(attempt)
    await _event(
        session, incident_id, at, actor, "call_placed", f"{purpose} {name} {attempt.number} ({mode})"
    )
    await session.commit()  # the row exists before the carrier can report on it
    try:
        sid = await telephony.call(OutgoingCall(attempt.id, attempt.number, mode, settings.call_ring_seconds))
    except Exception as exc:  # the carrier refused: record it and go on down the list
        log.warning("call %s to %s failed: %s", attempt.id, attempt.number, exc)
        await _finish(session, attempt, "failed", at, telephony, settings)
        return attempt
    attempt.provider_sid = attempt.provider_sid or sid
    await session.commit()
    return attempt


async def _text(
    session: AsyncSession,
    *,
    run: CallRun,
    index: int,
    target: dict,
    actor: str,
    at: dt.datetime,
    telephony: Telephony,
    settings: Settings,
) -> ContactAttempt:
    incident = await flows.load(session=session, incident_id=run.incident_id)
    address = incident.premises.address if incident.premises else ""
    body = (
        f"【ホームセキュリティ】{address}で異常信号を受信しました。"
        "ご確認いただけましたら、このメッセージに「1」と返信してください。返信がない場合はお電話します。"
    )
    attempt = ContactAttempt(
        incident_id=run.incident_id,
        run_id=run.id,
        channel="sms",
        purpose=target["kind"],
        target_index=index,
        name=target["name"][:100],
        number=to_e164(target["phone"]),
        started_by=actor,
        created_at=at,
        deadline_at=at + dt.timedelta(seconds=settings.sms_ack_seconds),
        status="queued",
    )
    session.add(attempt)
    await _event(session, run.incident_id, at, actor, "sms_sent", f"{target['name']} {attempt.number}")
    await session.commit()
    try:
        attempt.provider_sid = await telephony.text(OutgoingSms(attempt.id, attempt.number, body))
        attempt.status = "sent"
    except Exception as exc:
        log.warning("SMS %s to %s failed: %s", attempt.id, attempt.number, exc)
        attempt.status, attempt.deadline_at = "failed", at  # the sweep calls instead, at once
    await session.commit()
    return attempt


async def call_premises(
    *,
    session: AsyncSession,
    incident_id: int,
    actor: str,
    mode: str,
    at: dt.datetime,
    telephony: Telephony,
    settings: Settings,
) -> ContactAttempt:
    incident = await flows.load(session=session, incident_id=incident_id)
    flows.require_operator(incident, actor)
    if incident.premises is None:
        raise FlowError("no registered premises: no number to call")
    if incident.flag == SILENT_FLAG:
        raise FlowError(NEVER_CALLED)
    if mode not in ("operator", "ivr"):
        raise FlowError(f"unknown call mode {mode!r}")
    return await _place(
        session,
        incident_id=incident_id,
        run=None,
        index=None,
        purpose="premises",
        name=incident.premises.subscriber.name,
        number=incident.premises.phone,
        mode=mode,
        actor=actor,
        at=at,
        telephony=telephony,
        settings=settings,
    )


async def running_list(session: AsyncSession, incident_id: int) -> CallRun | None:
    return await session.scalar(
        select(CallRun).where(CallRun.incident_id == incident_id, CallRun.state == "calling").limit(1)
    )


async def start_call_list(
    *,
    session: AsyncSession,
    incident_id: int,
    actor: str,
    at: dt.datetime,
    telephony: Telephony,
    settings: Settings,
) -> CallRun:
    incident = await flows.load(session=session, incident_id=incident_id)
    if incident.premises is None:
        raise FlowError("no registered premises: no call list")
    if await running_list(session, incident_id) is not None:
        raise FlowError("the call list is already being worked")
    targets = flows.call_list(incident.premises, ServiceType(incident.service_type), at)
    run = CallRun(
        incident_id=incident_id,
        started_by=actor,
        started_at=at,
        sms_first=incident.premises.contact_sms_first,
        targets=json.dumps([asdict(t) for t in targets], ensure_ascii=False),
        next_index=0,
        state="calling",
    )
    session.add(run)
    await session.flush()
    await _event(
        session,
        incident_id,
        at,
        actor,
        "call_list_started",
        f"{len(targets)} to call" + (", SMS first" if run.sms_first else ""),
    )
    await session.commit()
    await _advance(session, run, at, telephony, settings)
    return run


async def stop_call_list(*, session: AsyncSession, incident_id: int, actor: str, at: dt.datetime) -> None:
    run = await running_list(session, incident_id)
    if run is None:
        raise FlowError("no call list is running")
    run.state, run.finished_at = "stopped", at
    await _event(session, incident_id, at, actor, "call_list_stopped", "")
    await session.commit()


async def _advance(
    session: AsyncSession, run: CallRun, at: dt.datetime, telephony: Telephony, settings: Settings
) -> None:
    """Text or call the next target on the list, or record that the list is exhausted."""
    if run.state != "calling":
        return
    targets = json.loads(run.targets)
    if run.next_index >= len(targets):
        run.state, run.finished_at = "exhausted", at
        await _event(session, run.incident_id, at, "system", "call_list_exhausted", "nobody reached")
        await session.commit()
        return
    index, target = run.next_index, targets[run.next_index]
    run.next_index += 1
    await session.commit()
    if run.sms_first and target["kind"] != "doctor":
        await _text(
            session,
            run=run,
            index=index,
            target=target,
            actor=run.started_by,
            at=at,
            telephony=telephony,
            settings=settings,
        )
    else:
        await _place(
            session,
            incident_id=run.incident_id,
            run=run,
            index=index,
            purpose=target["kind"],
            name=target["name"],
            number=target["phone"],
            mode="operator",
            actor=run.started_by,
            at=at,
            telephony=telephony,
            settings=settings,
        )


async def _finish(
    session: AsyncSession,
    attempt: ContactAttempt,
    result: str,
    at: dt.datetime,
    telephony: Telephony,
    settings: Settings,
) -> None:
    """Record how an attempt ended and do what follows: the next on the list, or the list's end."""
    attempt.result, attempt.ended_at, attempt.deadline_at = result, attempt.ended_at or at, None
    await _event(session, attempt.incident_id, at, "system", "call_result", f"{attempt.name}: {result}")
    run = await session.get(CallRun, attempt.run_id) if attempt.run_id else None
    if result in ("answered", "acknowledged"):
        # The plan's step is done: the premises was reached, or someone on the list was.
        step = "call_premises" if attempt.purpose == "premises" else "call_contacts"
        incident = await flows.load(session=session, incident_id=attempt.incident_id)
        for task in incident.tasks:
            if task.step == step and task.done_at is None:
                task.done_at, task.done_by = at, attempt.started_by
    if result in ("answered", "acknowledged") and run is not None and run.state == "calling":
        run.state, run.reached, run.finished_at = "reached", attempt.name, at
        await _event(
            session,
            attempt.incident_id,
            at,
            "system",
            "contact_reached",
            f"{attempt.name} ({attempt.channel})",
        )
    await alarm_level_service.reassess(session, [attempt.incident_id], at=at)  # a contact's answer
    await session.commit()
    if result in ("answered", "acknowledged"):
        return
    if run is not None:
        await _advance(session, run, at, telephony, settings)
    elif attempt.purpose == "premises" and await running_list(session, attempt.incident_id) is None:
        # Nobody at the premises answered: work down the contacts without waiting for anyone.
        try:
            await start_call_list(
                session=session,
                incident_id=attempt.incident_id,
                actor=attempt.started_by,
                at=at,
                telephony=telephony,
                settings=settings,
            )
        except FlowError as exc:
            log.info("incident %s: no call list: %s", attempt.incident_id, exc)


# --- what the carrier reports ------------------------------------------------------------------------------


async def on_status(
    *,
    session: AsyncSession,
    attempt_id: int,
    sid: str,
    status: str,
    at: dt.datetime,
    telephony: Telephony,
    settings: Settings,
) -> int:
    """A call's progress; returns the incident it belongs to."""
    attempt = await _attempt(session, attempt_id)
    if status not in KNOWN:
        raise ValueError(f"unknown call status {status!r}")
    attempt.provider_sid = attempt.provider_sid or sid
    if attempt.ended_at is not None:  # late or repeated reports change nothing
        return attempt.incident_id
    attempt.status = status
    if status == "in-progress" and attempt.answered_at is None:
        attempt.answered_at = at
    if status in TERMINAL:
        attempt.ended_at = at
        await _finish(
            session, attempt, _result(status, attempt.answered_at is not None), at, telephony, settings
        )
    else:
        await session.commit()
    return attempt.incident_id


async def on_digits(
    *, session: AsyncSession, attempt_id: int, digits: str, at: dt.datetime, key: bytes
) -> str:
    """The house code keyed in the IVR: checked like an operator's entry (``key``: the house codes'
    key, control_center/subscribers/house_code.py); returns the TwiML to play."""
    attempt = await _attempt(session, attempt_id)
    if attempt.mode != "ivr":
        return twiml.hang_up()
    try:
        result = await flows.verify_house_code(
            session=session,
            incident_id=attempt.incident_id,
            operator=attempt.started_by,
            name_given=f"IVR {attempt.name}"[:100],
            digits=digits,
            at=at,
            key=key,
            method="ivr",
        )
    except FlowError:
        return twiml.to_operator(attempt.started_by)
    if result.matched:
        return twiml.verified()
    if result.code_attempts_left > 0:
        return twiml.ask_for_code(f"/telephony/twilio/gather/{attempt.id}", again=True)
    return twiml.to_operator(attempt.started_by)


async def on_sms_status(*, session: AsyncSession, attempt_id: int, status: str) -> None:
    attempt = await _attempt(session, attempt_id)
    if attempt.result is None:
        attempt.status = status[:20]
    await session.commit()


async def on_sms_reply(
    *, session: AsyncSession, from_number: str, at: dt.datetime, telephony: Telephony, settings: Settings
) -> int | None:
    """A reply to our SMS acknowledges it (and stops the list); returns the incident, if any matched."""
    pending = await session.scalars(
        select(ContactAttempt)
        .where(ContactAttempt.channel == "sms", ContactAttempt.result.is_(None))
        .order_by(ContactAttempt.id.desc())
    )
    attempt = next((a for a in pending if same_number(a.number, from_number)), None)
    if attempt is None:
        return None
    attempt.status = "acknowledged"
    await _finish(session, attempt, "acknowledged", at, telephony, settings)
    return attempt.incident_id


async def sweep(*, session: AsyncSession, now: dt.datetime, telephony: Telephony, settings: Settings) -> int:
    """Attempts past their deadline: an unanswered SMS becomes a call to the same person; a call the
    carrier never finished counts as unanswered."""
    query = (
        select(ContactAttempt)
        .where(ContactAttempt.deadline_at <= now, ContactAttempt.result.is_(None))
        .order_by(ContactAttempt.deadline_at)
        .limit(100)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    due = list(await session.scalars(query))
    for attempt in due:
        if attempt.channel == "sms":
            attempt.result, attempt.ended_at, attempt.deadline_at = "not_acknowledged", now, None
            await _event(
                session,
                attempt.incident_id,
                now,
                "system",
                "call_result",
                f"{attempt.name}: not_acknowledged",
            )
            run = await session.get(CallRun, attempt.run_id) if attempt.run_id else None
            await session.commit()
            if run is not None and run.state == "calling":
                await _place(
                    session,
                    incident_id=attempt.incident_id,
                    run=run,
                    index=attempt.target_index,
                    purpose=attempt.purpose,
                    name=attempt.name,
                    number=attempt.number,
                    mode="operator",
                    actor=run.started_by,
                    at=now,
                    telephony=telephony,
                    settings=settings,
                )
            continue
        if attempt.provider_sid:
            try:
                await telephony.hang_up(attempt.provider_sid)
            except Exception as exc:
                log.info("hang-up of %s: %s", attempt.provider_sid, exc)
        await _finish(session, attempt, "no_answer", now, telephony, settings)
    return len(due)


async def attempts_of(*, session: AsyncSession, incident_id: int) -> list[ContactAttempt]:
    return list(
        await session.scalars(
            select(ContactAttempt)
            .where(ContactAttempt.incident_id == incident_id)
            .order_by(ContactAttempt.id)
        )
    )
