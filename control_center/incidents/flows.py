"""The operator's workflow on an incident, as persisted steps (control_center/alarms/action_plans.py
says what each service asks for; this module records who did what, when, and what comes next)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.alarms import action_plans
from control_center.alarms.action_plans import Actions, Outcome, ResponseType, Situation
from control_center.core import audit
from control_center.core.bulk import among, append, update_each
from control_center.core.db import is_postgresql
from control_center.core.errors import Refused
from control_center.core.i18n import N_
from control_center.incidents import alarm_level_service
from control_center.incidents.models import (
    Incident,
    IncidentEvent,
    IncidentStatus,
    IncidentTask,
    VerificationAttempt,
)
from control_center.incidents.service import Opened
from control_center.signals.classification import PanelNote
from control_center.signals.models import Signal
from control_center.signals.service_types import Priority, ServiceType
from control_center.subscribers.house_code import check_answer, check_house_code
from control_center.subscribers.models import Device, Premises, Trip

MAX_CODE_ATTEMPTS = 3
S = ServiceType
DISARMED_BURGLARY = N_("burglary alarm while disarmed")
NO_FIRE_DEPT = N_("a fire is closed after the 119 notification, or with the reason it was not made")
# The record's measures, call-list kinds and console notices, shown through the catalogs.
WORDS = (
    N_("opened"),
    N_("claimed"),
    N_("reassigned"),
    N_("verification"),
    N_("call_outcome"),
    N_("planned"),
    N_("step_done"),
    N_("agency_notified"),
    N_("responder_on_site"),
    N_("responder_check"),
    N_("closed"),
    N_("no_fire_dept"),
    N_("report_sent"),
    N_("contact"),
    N_("trip_contact"),
    N_("doctor"),
    N_("verified"),
    N_("recorded"),
    N_("resolved"),
    N_("no match"),
    N_("bulk_closed"),
    N_("illegal_act"),
    N_("view"),
    N_("change"),
    N_("panel_report"),
)


class FlowError(Refused):
    """The step is not allowed now; the message says why (shown to the operator, 409 on the API)."""


def event(incident: Incident, at: dt.datetime, actor: str, kind: str, detail: str = "") -> None:
    incident.events.append(IncidentEvent(at=at, actor=actor, kind=kind, detail=detail[:500]))


def _add_actions(incident: Incident, actions: Actions, at: dt.datetime, actor: str) -> None:
    for step in actions.steps:
        incident.tasks.append(IncidentTask(step=step.value, created_at=at))
    for agency in actions.agencies:
        incident.tasks.append(IncidentTask(agency=agency.value, created_at=at))
    if planned := _planned(actions):
        event(incident, at, actor, "planned", planned)


def _planned(actions: Actions) -> str:
    """The record's "planned" entry: the steps, then the agencies to notify."""
    return ", ".join([s.value for s in actions.steps] + [f"notify:{a.value}" for a in actions.agencies])


async def load(*, session: AsyncSession, incident_id: int, lock: bool = False) -> Incident:
    query = (
        select(Incident)
        .where(Incident.id == incident_id)
        .options(
            selectinload(Incident.events),
            selectinload(Incident.tasks),
            selectinload(Incident.premises).selectinload(Premises.subscriber),
            selectinload(Incident.premises).selectinload(Premises.contacts),
            selectinload(Incident.premises).selectinload(Premises.questions),
            selectinload(Incident.premises).selectinload(Premises.trips).selectinload(Trip.contacts),
        )
    )
    if lock and is_postgresql(session):
        query = query.with_for_update(of=Incident, nowait=False)
    incident = await session.scalar(query)
    if incident is None:
        raise LookupError(f"incident {incident_id} not found")
    return incident


# --- opening: the plan on receipt -------------------------------------------------------------------------


async def situation_for(
    *, session: AsyncSession, incident: Incident, zone: int, low_urgency: bool
) -> Situation:
    premises = incident.premises
    if premises is None:
        return _situation(incident, None, low_urgency, line_out=False, response_type=None)
    # The premises' own line is known to be out while a line-cut incident is open for it.
    line_out = bool(await _open_line_cuts(session, {premises.id}))
    device = await session.scalar(
        select(Device).where(Device.premises_id == premises.id, Device.zone == zone)
    )
    return _situation(incident, premises, low_urgency, line_out, device.response_type if device else None)


def _situation(
    incident: Incident | Opened,
    premises: Premises | None,
    low_urgency: bool,
    line_out: bool,
    response_type: str | None,
) -> Situation:
    return Situation(
        low_urgency=low_urgency,
        received_at=incident.opened_at,
        line_out_of_order=line_out and incident.service_type != S.LINE_CUT,
        response_type=ResponseType(response_type or ResponseType.NOTIFY),
        has_doctor=bool(premises is not None and premises.doctor_phone),
    )


async def _open_line_cuts(session: AsyncSession, premises_ids: set[int]) -> set[int]:
    """Which of these premises have a line-cut incident open and not restored."""
    if not premises_ids:
        return set()
    rows = await session.scalars(
        select(Incident.premises_id).where(
            among(session, Incident.premises_id, premises_ids),
            Incident.service_type == S.LINE_CUT.value,
            Incident.closed_at.is_(None),
            Incident.restored_at.is_(None),
        )
    )
    return {premises_id for premises_id in rows if premises_id is not None}


async def plan_new_incidents(*, session: AsyncSession, opened: Sequence[tuple[Opened, Signal]]) -> None:
    """Called when the inbox has opened incidents (each with the signal that opened it; already inserted):
    the first steps of each one's service plan. Set-wise for a whole inbox group: two look-ups (open line
    cuts, the zones' devices), one INSERT each for the records and the tasks and one UPDATE for the
    flags, not an ORM object per row — in a storm of troubles from thousands of premises the per-row
    work was most of the inbox's time."""
    if not opened:
        return
    premises_ids = {incident.premises_id for incident, _ in opened if incident.premises_id is not None}
    line_out = await _open_line_cuts(session, premises_ids)
    devices: dict[tuple[int, int], str] = {}
    if premises_ids:
        query = select(Device).where(among(session, Device.premises_id, premises_ids))
        devices = {(d.premises_id, d.zone): d.response_type for d in await session.scalars(query)}
    events: list[dict[str, object]] = []
    tasks: list[dict[str, object]] = []
    flags: dict[int, str] = {}
    for incident, signal in opened:
        # The group's premises are in the session already (the inbox loaded them): no query here.
        premises = None
        if incident.premises_id is not None:
            premises = await session.get(Premises, incident.premises_id)
        disarmed = premises is not None and premises.arming_state == "disarmed"
        if disarmed and incident.service_type == S.BURGLARY:
            flags[incident.id] = incident.flag = DISARMED_BURGLARY
        situation = _situation(
            incident,
            premises,
            low_urgency=signal.priority >= Priority.TROUBLE,
            line_out=incident.premises_id in line_out,
            response_type=devices.get((incident.premises_id, signal.zone)),
        )
        if signal.device == "intercom":
            situation = replace(situation, intercom=True)
        if signal.description in action_plans.SILENT:
            situation = replace(situation, silent=True)
            flags[incident.id] = incident.flag = action_plans.SILENT_FLAG
        actions = action_plans.on_receipt(ServiceType(incident.service_type), situation)
        at = incident.opened_at
        events.append(_event_row(incident.id, at, "system", "opened", incident.description))
        tasks += [_task_row(incident.id, at, step=step.value) for step in actions.steps]
        tasks += [_task_row(incident.id, at, agency=agency.value) for agency in actions.agencies]
        if planned := _planned(actions):
            events.append(_event_row(incident.id, at, "system", "planned", planned))
    await append(session, IncidentEvent, events)
    await append(session, IncidentTask, tasks)
    await update_each(session, Incident, "flag", flags)


def _event_row(incident_id: int, at: dt.datetime, actor: str, kind: str, detail: str) -> dict[str, object]:
    return {"incident_id": incident_id, "at": at, "actor": actor, "kind": kind, "detail": detail[:500]}


def _task_row(
    incident_id: int, at: dt.datetime, *, step: str | None = None, agency: str | None = None
) -> dict[str, object]:
    return {"incident_id": incident_id, "step": step, "agency": agency, "created_at": at}


async def record_panel_note(
    *, session: AsyncSession, incident: Incident, note: PanelNote, at: dt.datetime, detail: str
) -> None:
    """A panel's report about this alarm (ANSI/SIA CP-01 cancel, recent closing, exit error, swinger
    shutdown; CLC/TS 50131-9 confirmed / unverified): recorded in the legal record, shown to the
    operator, and the plan gains the steps ``action_plans.PANEL_NOTES`` asks for. Nothing here closes
    the incident: a cancel is still checked on the phone, and only a verified resident calls it off."""
    await session.flush()  # what the inbox added so far is kept when the collections are loaded
    await session.refresh(incident, ["events", "tasks"])
    rule = action_plans.PANEL_NOTES[note]
    event(incident, at, "panel", "panel_report", f"{note.value}: {detail}")
    if incident.flag not in (DISARMED_BURGLARY, action_plans.SILENT_FLAG):  # these stay the first thing seen
        incident.flag = rule.flag
    planned = {t.step for t in incident.tasks}  # a call already planned or made is not asked for again
    wanted = tuple(s for s in rule.steps if s.value not in planned)
    if wanted and incident.closed_at is None:
        _add_actions(incident, Actions(wanted, ()), at, "system")


# --- claiming --------------------------------------------------------------------------------------------


async def claim(*, session: AsyncSession, incident_id: int, operator: str, at: dt.datetime) -> Incident:
    """Exclusive: the first operator gets it; on PostgreSQL the row locked, waiting for whoever holds it
    (another operator's claim, an inbox lane joining a signal to it): the conditions are checked again
    on the row as that one commits it. Skipping a locked row read an inbox group as a claim."""
    query = select(Incident.id).where(
        Incident.id == incident_id, Incident.claimed_by.is_(None), Incident.closed_at.is_(None)
    )
    if is_postgresql(session):
        query = query.with_for_update()
    if await session.scalar(query) is None:
        row = (
            await session.execute(
                select(Incident.claimed_by, Incident.closed_at).where(Incident.id == incident_id)
            )
        ).first()
        if row is None:
            raise LookupError(f"incident {incident_id} not found")
        holder, closed_at = row
        raise FlowError(
            f"incident {incident_id} is closed"
            if closed_at
            else f"incident {incident_id} is already claimed by {holder}"
        )
    incident = await load(session=session, incident_id=incident_id)
    incident.claimed_by, incident.claimed_at, incident.status = operator, at, IncidentStatus.CLAIMED
    event(
        incident, at, operator, "claimed", f"{(at - incident.opened_at).total_seconds():.0f} s after receipt"
    )
    audit.changed(session, operator, f"incident:{incident_id}", "claimed", at=at)
    await session.commit()
    return incident


async def reassign(
    *, session: AsyncSession, incident_id: int, to: str, supervisor: str, at: dt.datetime
) -> None:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    if incident.closed_at is not None:
        raise FlowError("a closed incident cannot be reassigned")
    previous = incident.claimed_by
    incident.claimed_by = to
    incident.claimed_at = incident.claimed_at or at
    if incident.status == IncidentStatus.RECEIVED:
        incident.status = IncidentStatus.CLAIMED
    event(incident, at, supervisor, "reassigned", f"{previous or '-'} → {to}")
    audit.changed(session, supervisor, f"incident:{incident_id}", f"reassigned to {to}", at=at)
    await session.commit()


def require_operator(incident: Incident, operator: str) -> None:
    if incident.claimed_by != operator:
        raise FlowError(
            f"claim incident {incident.id} first"
            if incident.claimed_by is None
            else f"incident {incident.id} is handled by {incident.claimed_by}"
        )
    if incident.closed_at is not None:
        raise FlowError(f"incident {incident.id} is closed")


# --- phone verification ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    matched: bool
    code_attempts_left: int
    questions: list[tuple[int, str]]  # (id, question) to ask when the code did not match


async def verify_house_code(
    *,
    session: AsyncSession,
    incident_id: int,
    operator: str,
    name_given: str,
    digits: str,
    at: dt.datetime,
    key: bytes,
    method: str = "house_code",
) -> Verification:
    """The operator types the 3 digits the caller says (or the caller keys them: ``method="ivr"``);
    the answer is match / no match, never the code. Both count toward the same 3 attempts. ``key``:
    house_code.key_from(the center's secret box)."""
    incident = await load(session=session, incident_id=incident_id, lock=True)
    require_operator(incident, operator)
    if incident.premises is None:
        raise FlowError("no registered premises: nobody can be verified")
    tried = await _attempts(session, incident_id, CODE_METHODS)
    if tried >= MAX_CODE_ATTEMPTS:
        raise FlowError("%(n)d house-code attempts used: ask the registered questions", n=MAX_CODE_ATTEMPTS)
    checked = await check_house_code(incident.premises.house_code_hash, digits, key)
    if checked.upgraded is not None:  # a legacy argon2 row: keep the keyed form from now on
        incident.premises.house_code_hash = checked.upgraded
    return await _record_attempt(
        session, incident, operator, name_given, method, checked.matched, at, tried + 1
    )


async def answer_question(
    *,
    session: AsyncSession,
    incident_id: int,
    operator: str,
    name_given: str,
    question_id: int,
    answer: str,
    at: dt.datetime,
    key: bytes,
) -> Verification:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    require_operator(incident, operator)
    question = next(
        (q for q in (incident.premises.questions if incident.premises else []) if q.id == question_id), None
    )
    if question is None:
        raise FlowError("no such registered question for this premises")
    # As many answers as digit codes: a caller who does not know the answers must not guess until one fits.
    if await _attempts(session, incident_id, ("extra_question",)) >= MAX_CODE_ATTEMPTS:
        raise FlowError(
            "%(n)d answers to the registered questions used: the caller is not verified", n=MAX_CODE_ATTEMPTS
        )
    checked = await check_answer(question.answer_hash, answer, key)
    if checked.upgraded is not None:
        question.answer_hash = checked.upgraded
    tried = await _attempts(session, incident_id, CODE_METHODS)
    return await _record_attempt(
        session, incident, operator, name_given, "extra_question", checked.matched, at, tried
    )


CODE_METHODS = ("house_code", "ivr", "link")  # the operator typed it, the IVR, a contact on the link page


async def _attempts(session: AsyncSession, incident_id: int, methods: tuple[str, ...]) -> int:
    rows = await session.scalars(
        select(VerificationAttempt.id).where(
            VerificationAttempt.incident_id == incident_id, VerificationAttempt.method.in_(methods)
        )
    )
    return len(list(rows))


async def _record_attempt(
    session: AsyncSession,
    incident: Incident,
    operator: str,
    name_given: str,
    method: str,
    matched: bool,
    at: dt.datetime,
    code_attempts: int,
) -> Verification:
    session.add(
        VerificationAttempt(
            incident_id=incident.id,
            at=at,
            actor=operator,
            name_given=name_given[:100],
            method=method,
            matched=matched,
        )
    )
    if matched:
        incident.verified = True
    if incident.status in (IncidentStatus.CLAIMED, IncidentStatus.RECEIVED):
        incident.status = IncidentStatus.VERIFYING
    event(
        incident,
        at,
        operator,
        "verification",
        f"{name_given[:60]}: {method} {'match' if matched else 'no match'}",
    )
    await alarm_level_service.reassess(session, [incident.id], at=at)
    await session.commit()
    questions = [] if matched else [(q.id, q.question) for q in incident.premises.questions]
    return Verification(matched, max(0, MAX_CODE_ATTEMPTS - code_attempts), questions)


# --- the call's outcome and what follows -----------------------------------------------------------------


async def record_outcome(
    *,
    session: AsyncSession,
    incident_id: int,
    operator: str,
    outcome: Outcome,
    at: dt.datetime,
    reason: str = "",
) -> Actions:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    require_operator(incident, operator)
    if outcome is Outcome.FALSE_ALARM and not incident.verified:
        raise FlowError("only a verified resident can call off an incident")
    situation = await situation_for(session=session, incident=incident, zone=0, low_urgency=False)
    actions = action_plans.after_call(ServiceType(incident.service_type), outcome, situation)
    incident.outcome = outcome.value
    event(incident, at, operator, "call_outcome", outcome.value + (f": {reason}" if reason else ""))
    _add_actions(incident, actions, at, operator)
    _complete_open(incident, "call_premises", operator, at)
    if outcome is Outcome.FALSE_ALARM:
        incident.status = IncidentStatus.FALSE_ALARM
        _close(incident, at, operator, reason or "false alarm: called off by a verified resident")
    elif outcome is Outcome.CONFIRMED:
        incident.status = IncidentStatus.CONFIRMED
    else:
        incident.status = IncidentStatus.NO_ANSWER
    await alarm_level_service.reassess(session, [incident.id], at=at)
    await session.commit()
    return actions


def _complete_open(incident: Incident, step: str, actor: str, at: dt.datetime) -> None:
    for task in incident.tasks:
        if task.step == step and task.done_at is None:
            task.done_at, task.done_by = at, actor


def close_by_system(incident: Incident, at: dt.datetime, reason: str) -> None:
    incident.status = IncidentStatus.RESOLVED
    _close(incident, at, "system", reason)


def _close(incident: Incident, at: dt.datetime, actor: str, reason: str) -> None:
    incident.closed_at = at
    incident.open_key = None  # a new alarm opens a new incident
    incident.close_reason = reason[:300]
    event(incident, at, actor, "closed", reason)


async def complete_task(
    *,
    session: AsyncSession,
    incident_id: int,
    task_id: int,
    operator: str,
    at: dt.datetime,
    reference: str = "",
) -> None:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    if incident.claimed_by != operator:  # closed incidents too: a recall is recorded after the call-off
        raise FlowError(f"incident {incident.id} is handled by {incident.claimed_by or 'nobody yet'}")
    task = next((t for t in incident.tasks if t.id == task_id), None)
    if task is None:
        raise FlowError(f"task {task_id} is not on incident {incident_id}")
    if task.done_at is not None:
        raise FlowError("this step is already recorded")
    task.done_at, task.done_by, task.reference = at, operator, reference[:200] or None
    what = f"notify:{task.agency}" if task.agency else task.step
    event(
        incident,
        at,
        operator,
        "agency_notified" if task.agency else "step_done",
        f"{what}{f' ({reference})' if reference else ''}",
    )
    await session.commit()


async def responder_on_site(*, session: AsyncSession, incident_id: int, actor: str, at: dt.datetime) -> None:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    if incident.closed_at is not None:
        raise FlowError(f"incident {incident.id} is closed")
    incident.responder_on_site_at = incident.responder_on_site_at or at
    incident.status = IncidentStatus.RESPONDER_ON_SITE
    event(
        incident,
        at,
        actor,
        "responder_on_site",
        f"{(at - incident.opened_at).total_seconds() / 60:.1f} min after receipt",
    )
    await session.commit()


async def responder_checked(
    *,
    session: AsyncSession,
    incident_id: int,
    actor: str,
    authorities_needed: bool,
    at: dt.datetime,
    note: str = "",
) -> Actions:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    situation = await situation_for(session=session, incident=incident, zone=0, low_urgency=False)
    actions = action_plans.after_check(ServiceType(incident.service_type), authorities_needed, situation)
    # An agency already on this incident (notified, or its task still open) is not asked for twice.
    present = {t.agency for t in incident.tasks if t.agency}
    actions = replace(actions, agencies=tuple(a for a in actions.agencies if a.value not in present))
    _complete_open(incident, "responder_check", actor, at)
    event(
        incident,
        at,
        actor,
        "responder_check",
        ("authorities needed" if authorities_needed else "all clear") + (f": {note}" if note else ""),
    )
    _add_actions(incident, actions, at, actor)
    await alarm_level_service.reassess(session, [incident.id], at=at)
    await session.commit()
    return actions


async def resolve(
    *,
    session: AsyncSession,
    incident_id: int,
    operator: str,
    reason: str,
    at: dt.datetime,
    without_fire_dept: str = "",
) -> None:
    """Close by the operator: refused while a mandatory step of the plan is open
    (``action_plans.is_mandatory``), and a fire only after the 119 notification or with the reason it
    was not made (``without_fire_dept``, kept in the record)."""
    incident = await load(session=session, incident_id=incident_id, lock=True)
    require_operator(incident, operator)
    if not reason.strip():
        raise FlowError("say how it was resolved")
    open_agencies = [t.agency for t in incident.tasks if t.agency and t.done_at is None]
    if open_agencies:
        raise FlowError("record the notification to %(agency)s first", agency=open_agencies[0])
    open_steps = [t.step for t in incident.tasks if t.step and t.done_at is None]
    if mandatory := [step for step in open_steps if action_plans.is_mandatory(step, None)]:
        raise FlowError("record the outcome of %(step)s first", step=mandatory[0])
    if incident.service_type == S.FIRE and not any(
        t.agency == action_plans.Agency.FIRE_DEPT and t.done_at for t in incident.tasks
    ):
        if not without_fire_dept.strip():
            raise FlowError(NO_FIRE_DEPT)
        event(incident, at, operator, "no_fire_dept", without_fire_dept.strip())
    incident.status = IncidentStatus.RESOLVED
    _close(incident, at, operator, reason)
    await session.commit()


async def report_sent(*, session: AsyncSession, incident_id: int, actor: str, at: dt.datetime) -> None:
    incident = await load(session=session, incident_id=incident_id, lock=True)
    if incident.closed_at is None:
        raise FlowError("the written report follows the resolution")
    incident.report_sent_at = at
    incident.status = IncidentStatus.REPORT_SENT
    event(incident, at, actor, "report_sent")
    await session.commit()


async def camera_assessment(
    *,
    session: AsyncSession,
    incident_id: int,
    operator: str,
    risk_level: int,
    illegal_act: bool,
    at: dt.datetime,
    person_threatened: bool = False,
) -> None:
    """Outdoor camera (I): the operator has looked at the images. A clearly illegal act → police at
    once and a responder (AVS-01 level 3, threat to property); a person threatened in the images → the
    same, recorded as ``camera_threat`` (level 4, threat to life: alarm_level_service reads it). The
    announcement played is the one for the risk level."""
    incident = await load(session=session, incident_id=incident_id, lock=True)
    require_operator(incident, operator)
    if incident.service_type != S.OUTDOOR_CAMERA:
        raise FlowError("only outdoor-camera incidents have images to assess")
    if risk_level not in action_plans.VOICE_ANNOUNCEMENTS:
        raise FlowError("risk level is 1, 2 or 3")
    _complete_open(incident, "attach_images", operator, at)
    _complete_open(incident, "voice_announcement", operator, at)
    event(
        incident,
        at,
        operator,
        "voice_announcement",
        f"level {risk_level}: {action_plans.VOICE_ANNOUNCEMENTS[risk_level]}",
    )
    if illegal_act or person_threatened:
        situation = await situation_for(session=session, incident=incident, zone=0, low_urgency=False)
        actions = action_plans.on_receipt(S.OUTDOOR_CAMERA, replace(situation, illegal_act=True))
        wanted = Actions(tuple(s for s in actions.steps if s is action_plans.Step.DISPATCH), actions.agencies)
        if illegal_act:
            event(incident, at, operator, "illegal_act", "clearly illegal act in the images")
        if person_threatened:  # a threat to life: police and a responder at once, whatever else was seen
            event(incident, at, operator, "camera_threat", "a person threatened in the images")
        _add_actions(incident, wanted, at, operator)
    await alarm_level_service.reassess(session, [incident.id], at=at)
    await session.commit()


# --- who to call ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallTarget:
    position: int
    name: str
    phone: str
    kind: str  # contact | trip_contact | doctor


def call_list(premises: Premises, service: ServiceType, at: dt.datetime) -> list[CallTarget]:
    """Emergency contacts in their order; during a trip its temporary contacts instead; the doctor
    last for medical and life watch."""
    trip = next((t for t in premises.trips if t.departs_at <= at <= t.returns_at and t.contacts), None)
    if trip is not None:
        targets = [CallTarget(c.position, c.name, c.phone, "trip_contact") for c in trip.contacts]
    else:
        targets = [CallTarget(c.position, c.name, c.phone, "contact") for c in premises.contacts]
    if service in (S.MEDICAL, S.LIFE_WATCH) and premises.doctor_phone:
        targets.append(
            CallTarget(len(targets) + 1, premises.doctor_name or "", premises.doctor_phone, "doctor")
        )
    return targets
