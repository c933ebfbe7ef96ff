"""Dispatch on the database: ranking and assigning responders, their steps, keys, coverage, reports.

Every step that the incident's record must show goes through ``control_center.incidents.flows`` too
(arrival, the responder's check, the written report), so the legal record stays in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.alarms.action_plans import Agency
from control_center.core.db import get_locked, utcnow
from control_center.core.i18n import N_
from control_center.core.mail import Mailer, Message
from control_center.core.settings import Settings
from control_center.core.timezones import TOKYO
from control_center.incidents import flows
from control_center.incidents.flows import FlowError
from control_center.incidents.models import Incident
from control_center.subscribers.models import Premises
from dispatch import coverage, handoff_service, identity_check, key_custody, status
from dispatch.agencies import Notice, Switchboard
from dispatch.geo import haversine_km, travel_minutes
from dispatch.key_custody import KeyState
from dispatch.models import (
    Assignment,
    CoverageLimit,
    Depot,
    DispatchNote,
    KeyEvent,
    KeySet,
    PremisesCoverage,
    Responder,
    ResponderStatus,
    SentReport,
)
from dispatch.nearest import ResponderIndex
from dispatch.status import Action

# Shown to the responder wherever a large or hunting dog is registered (domain rule, §2).
LARGE_DOG_RULE = "大型犬・猟犬あり：緊急連絡先と合同で確認するか、外周のみ確認すること"


# Record kinds and messages this module writes, shown through the catalogs.
WORDS = (
    N_("responder_assigned"), N_("responder_accepted"), N_("responder_en_route"), N_("responder_report"),
    N_("responder_released"), N_("responder_stood_down"), N_("responder dispatched"),
    N_("resealed; the subscriber was told"),
    N_("key taken out: the seal is broken"), N_("premises"), N_("depot"),
)  # fmt: skip


class DispatchError(FlowError):
    """A dispatch step the rules refuse; the message is for the operator or responder."""


@dataclass(frozen=True)
class Ranked:
    responder: Responder
    km: float
    minutes: float
    arrives_within_limit: bool  # receipt so far + travel ≤ the premises' limit


# --- coverage ----------------------------------------------------------------------------------------------


async def limits(session: AsyncSession) -> list[coverage.Limit]:
    rows = await session.scalars(select(CoverageLimit))
    return [coverage.Limit(r.prefecture, r.area, r.minutes) for r in rows]


async def limit_minutes(*, session: AsyncSession, address: str, settings: Settings) -> int:
    return coverage.limit_for(await limits(session), address, settings.dispatch_default_limit_minutes)


@dataclass(frozen=True)
class Reach:
    depot: Depot
    travel_minutes: float
    limit_minutes: int

    @property
    def within(self) -> bool:
        return self.travel_minutes <= self.limit_minutes


async def reach(
    *, session: AsyncSession, address: str, lat: float, lon: float, settings: Settings
) -> Reach | None:
    """The depot that reaches a location soonest, and whether it does so within the limit."""
    depots = list(await session.scalars(select(Depot)))
    if not depots:
        return None
    minutes = {
        d.id: travel_minutes(
            haversine_km(lat, lon, d.lat, d.lon), settings.dispatch_road_factor, settings.dispatch_speed_kmh
        )
        for d in depots
    }
    best = min(depots, key=lambda d: (minutes[d.id], d.id))
    return Reach(
        best, minutes[best.id], await limit_minutes(session=session, address=address, settings=settings)
    )


async def record_coverage(
    *, session: AsyncSession, premises: Premises, settings: Settings, at: dt.datetime
) -> PremisesCoverage | None:
    """Record (or update) the premises' depot and normal travel time; ``within`` False is the warning."""
    found = await reach(
        session=session, address=premises.address, lat=premises.lat, lon=premises.lon, settings=settings
    )
    if found is None:
        return None
    row = await session.get(PremisesCoverage, premises.id) or PremisesCoverage(premises_id=premises.id)
    row.depot_id, row.travel_minutes = found.depot.id, round(found.travel_minutes, 1)
    row.limit_minutes, row.within, row.recorded_at = found.limit_minutes, found.within, at
    session.add(row)
    return row


# --- ranking and assignment --------------------------------------------------------------------------------


async def rank(
    *, session: AsyncSession, incident: Incident, settings: Settings, at: dt.datetime
) -> list[Ranked]:
    """The nearest available responders to the incident's premises, soonest first."""
    premises = incident.premises
    if premises is None:
        return []
    free = list(await session.scalars(select(Responder).where(Responder.status == ResponderStatus.AVAILABLE)))
    index = ResponderIndex([r.id for r in free], [r.lat for r in free], [r.lon for r in free])
    by_id = {r.id: r for r in free}
    limit = await limit_minutes(session=session, address=premises.address, settings=settings)
    elapsed = (at - incident.opened_at).total_seconds() / 60
    return [
        Ranked(by_id[c.responder_id], c.km, c.minutes, elapsed + c.minutes <= limit)
        for c in index.nearest(
            premises.lat,
            premises.lon,
            settings.dispatch_candidates,
            settings.dispatch_road_factor,
            settings.dispatch_speed_kmh,
        )
    ]


async def _responder(session: AsyncSession, responder_id: int) -> Responder:
    return await get_locked(session, Responder, responder_id, "responder")


async def assign(
    *,
    session: AsyncSession,
    incident_id: int,
    responder_id: int,
    actor: str,
    at: dt.datetime,
    settings: Settings,
    second: bool = False,
) -> Assignment:
    """Send a responder: the operator's choice, recorded as an override when it was not the nearest.
    While another responder is on the incident, a second one is sent only when ``second`` confirms it
    (one click on a list that still offered candidates had sent two)."""
    incident = await flows.load(session=session, incident_id=incident_id, lock=True)
    if incident.closed_at is not None:
        raise DispatchError(f"incident {incident_id} is closed")
    if incident.premises is None:
        raise DispatchError("no premises is known for this account: nowhere to send a responder")
    ranked = await rank(session=session, incident=incident, settings=settings, at=at)
    responder = await _responder(session, responder_id)
    try:
        responder.status = status.after(responder.status, Action.ASSIGN)
    except status.StatusError as exc:
        raise DispatchError(f"{responder.name} is {responder.status}, not available") from exc
    active = [a for a in await assignments_of(session=session, incident_id=incident_id) if a.ended_at is None]
    if active and not second:
        raise DispatchError(N_("a responder is already on this incident: confirm to send a second one"))
    km = haversine_km(responder.lat, responder.lon, incident.premises.lat, incident.premises.lon)
    minutes = travel_minutes(km, settings.dispatch_road_factor, settings.dispatch_speed_kmh)
    assignment = Assignment(
        incident_id=incident_id,
        responder=responder,
        assigned_at=at,
        assigned_by=actor,
        estimated_minutes=round(minutes, 1),
    )
    session.add(assignment)
    detail = f"{responder.name} ({responder.depot.name}), {km:.1f} km, ~{minutes:.0f} min"
    if ranked and ranked[0].responder.id != responder.id:
        detail += f"; override of the nearest, {ranked[0].responder.name} (~{ranked[0].minutes:.0f} min)"
    flows.event(incident, at, actor, "responder_assigned", detail)
    for task in incident.tasks:
        if task.step == "dispatch" and task.done_at is None:
            task.done_at, task.done_by = at, actor
    await session.commit()
    return assignment


async def load_assignment(session: AsyncSession, assignment_id: int) -> Assignment:
    return await get_locked(session, Assignment, assignment_id, "assignment")


async def act(
    *, session: AsyncSession, assignment_id: int, action: Action, actor: str, at: dt.datetime, note: str = ""
) -> Assignment:
    """One step of the responder's job, from their phone (or the operator for them)."""
    assignment = await load_assignment(session, assignment_id)
    if assignment.ended_at is not None:
        raise DispatchError("this assignment has ended")
    responder = assignment.responder
    if action == Action.ACCEPT and assignment.accepted_at is not None:
        raise DispatchError("already accepted")  # a repeated press records nothing (issue 17)
    try:
        new_status = status.after(responder.status, action)
    except status.StatusError as exc:
        raise DispatchError(str(exc)) from exc
    responder.status = new_status
    incident_id = assignment.incident_id
    match action:
        case Action.ACCEPT:
            assignment.accepted_at = assignment.accepted_at or at
            await _event(session, incident_id, at, actor, "responder_accepted", responder.name)
        case Action.EN_ROUTE:
            assignment.accepted_at = assignment.accepted_at or at
            assignment.en_route_at = at
            await _event(session, incident_id, at, actor, "responder_en_route", responder.name)
        case Action.ARRIVED:
            assignment.arrived_at = at
            premises = (await session.get(Incident, incident_id)).premises_id
            place = await session.get(Premises, premises) if premises else None
            if place is not None:  # on site means at the premises, whatever the last GPS fix said
                responder.lat, responder.lon, responder.position_at = place.lat, place.lon, at
            await flows.responder_on_site(session=session, incident_id=incident_id, actor=actor, at=at)
        case Action.NEEDS_HELP:
            assignment.help_needed = note[:40] or "authorities"
            await _checked(session, incident_id, at, actor, note, authorities=True)
        case Action.ALL_CLEAR:
            assignment.cleared_at = at
            if not assignment.help_needed:
                await _checked(session, incident_id, at, actor, note, authorities=False)
        case Action.REPORT:
            if not note.strip():
                raise DispatchError("write what you found and did")
            assignment.report, assignment.ended_at = note[:2000], at
            await _event(session, incident_id, at, actor, "responder_report", note[:400])
        case Action.STAND_DOWN:
            closed = (await session.get(Incident, incident_id)).closed_at
            if closed is None:
                raise DispatchError(N_("the incident is still open: only the operator can take the job back"))
            assignment.ended_at = at
            await _event(session, incident_id, at, actor, "responder_stood_down", responder.name)
        case Action.RELEASE:
            assignment.ended_at = at
            await _event(
                session, incident_id, at, actor, "responder_released", f"{responder.name} {note}".strip()
            )
        case _:
            raise DispatchError(f"{action} is not a step of an assignment")
    await session.commit()
    return assignment


async def check_identity(
    *,
    session: AsyncSession,
    assignment_id: int,
    person: str,
    finding: identity_check.Finding | str,
    actor: str,
    at: dt.datetime,
    note: str = "",
) -> identity_check.Outcome:
    """The responder's check of the identity of someone met on site (seed 002 セコムからのお知らせ (5)③),
    written to the incident's record; only while on site. Not confirmed → the responder asks for help (the
    plan's after-check agencies) with the ``needs_help`` step as for anything else found on site."""
    assignment = await load_assignment(session, assignment_id)
    if assignment.ended_at is not None or assignment.arrived_at is None:
        raise DispatchError("the identity of someone met is checked on site, after arriving")
    try:
        outcome = identity_check.judge(finding)
    except ValueError:
        findings = ", ".join(f.value for f in identity_check.Finding)
        raise DispatchError(f"finding is one of {findings}") from None
    if not person.strip():
        raise DispatchError("say who was met (name as given, or a description)")
    detail = f"{person.strip()[:100]}: {outcome.finding.value}"
    if note.strip():
        detail += f" — {note.strip()}"
    await _event(session, assignment.incident_id, at, actor, "identity_check", detail)
    await session.commit()
    return outcome


async def _event(
    session: AsyncSession, incident_id: int, at: dt.datetime, actor: str, kind: str, detail: str
) -> None:
    flows.event(await flows.load(session=session, incident_id=incident_id), at, actor, kind, detail)


async def _checked(
    session: AsyncSession, incident_id: int, at: dt.datetime, actor: str, note: str, *, authorities: bool
) -> None:
    await flows.responder_checked(
        session=session,
        incident_id=incident_id,
        actor=actor,
        authorities_needed=authorities,
        at=at,
        note=note,
    )


async def set_duty(*, session: AsyncSession, responder_id: int, on: bool) -> Responder:
    responder = await _responder(session, responder_id)
    try:
        responder.status = status.after(responder.status, Action.ON_DUTY if on else Action.OFF_DUTY)
    except status.StatusError as exc:
        raise DispatchError(str(exc)) from exc
    await session.commit()
    return responder


async def move(*, session: AsyncSession, responder_id: int, lat: float, lon: float, at: dt.datetime) -> None:
    responder = await session.get(Responder, responder_id)
    if responder is None:
        raise LookupError(f"responder {responder_id} not found")
    responder.lat, responder.lon, responder.position_at = lat, lon, at


async def responder_of_user(*, session: AsyncSession, user_id: int) -> Responder | None:
    return await session.scalar(select(Responder).where(Responder.user_id == user_id))


async def current_assignment(*, session: AsyncSession, responder_id: int) -> Assignment | None:
    return await session.scalar(
        select(Assignment)
        .where(Assignment.responder_id == responder_id, Assignment.ended_at.is_(None))
        .order_by(Assignment.id.desc())
        .limit(1)
    )


async def assignments_of(*, session: AsyncSession, incident_id: int) -> list[Assignment]:
    return list(
        await session.scalars(
            select(Assignment).where(Assignment.incident_id == incident_id).order_by(Assignment.id)
        )
    )


async def coverage_of(*, session: AsyncSession, premises_id: int) -> PremisesCoverage | None:
    return await session.get(PremisesCoverage, premises_id)


async def note_of(*, session: AsyncSession, premises_id: int) -> DispatchNote | None:
    return await session.get(DispatchNote, premises_id)


# --- keys --------------------------------------------------------------------------------------------------


async def key_sets(*, session: AsyncSession, premises_id: int) -> list[KeySet]:
    query = select(KeySet).where(KeySet.premises_id == premises_id).order_by(KeySet.set_no)
    return list(await session.scalars(query.options(selectinload(KeySet.events))))


async def register_keys(
    *,
    session: AsyncSession,
    premises_id: int,
    depot_id: int,
    seals: tuple[str, str],
    actor: str,
    at: dt.datetime,
) -> list[KeySet]:
    """The two sealed sets handed over at contract time."""
    sets = []
    for set_no, seal in enumerate(seals, 1):
        key_set = KeySet(
            premises_id=premises_id, set_no=set_no, depot_id=depot_id, state=KeyState.SEALED, seal_number=seal
        )
        key_set.events.append(KeyEvent(at=at, actor=actor, kind="registered", seal_after=seal))
        session.add(key_set)
        sets.append(key_set)
    return sets


async def _key_set(session: AsyncSession, key_set_id: int) -> KeySet:
    key_set = await get_locked(session, KeySet, key_set_id, "key set")
    await session.refresh(key_set, ["events"])
    return key_set


async def take_out_key(
    *,
    session: AsyncSession,
    key_set_id: int,
    responder_id: int,
    incident_id: int | None,
    actor: str,
    at: dt.datetime,
) -> KeySet:
    key_set = await _key_set(session, key_set_id)
    incident = await session.get(Incident, incident_id) if incident_id is not None else None
    try:
        key_custody.check_take_out(
            key_set.state, incident_closed=incident is not None and incident.closed_at is not None
        )
    except key_custody.KeyRuleError as exc:
        raise DispatchError(str(exc)) from exc
    key_set.events.append(
        KeyEvent(
            at=at, actor=actor, kind="taken_out", seal_before=key_set.seal_number, incident_id=incident_id
        )
    )
    key_set.state, key_set.seal_number, key_set.holder_responder_id = KeyState.OUT, None, responder_id
    await session.commit()
    return key_set


async def reseal_key(
    *, session: AsyncSession, key_set_id: int, new_seal: str, actor: str, at: dt.datetime, mailer: Mailer
) -> KeySet:
    """Seal again with a new numbered seal and tell the subscriber, by e-mail, which number it bears."""
    key_set = await _key_set(session, key_set_id)
    history = await session.scalars(
        select(KeyEvent)
        .join(KeySet, KeySet.id == KeyEvent.key_set_id)
        .where(KeySet.premises_id == key_set.premises_id)
    )
    used = {s for e in history for s in (e.seal_before, e.seal_after) if s}  # both sets' seals
    try:
        seal = key_custody.check_reseal(key_set.state, new_seal, used)
    except key_custody.KeyRuleError as exc:
        raise DispatchError(str(exc)) from exc
    premises = await session.get(Premises, key_set.premises_id)
    assert premises is not None
    await session.refresh(premises, ["subscriber"])
    event = KeyEvent(at=at, actor=actor, kind="resealed", seal_after=seal)
    key_set.events.append(event)
    key_set.state, key_set.seal_number, key_set.holder_responder_id = KeyState.SEALED, seal, None
    if premises.subscriber.email:
        await mailer.send(
            Message(
                to=premises.subscriber.email,
                subject="【お知らせ】お預かり鍵の再封印について",
                body=(
                    f"{premises.subscriber.name} 様\n\n"
                    f"お預かりしている鍵（第{key_set.set_no}組）を使用したため、新しい封印で再封印いたしました。\n"
                    f"新しい封印番号: {seal}\n再封印日時: {at.astimezone(TOKYO):%Y-%m-%d %H:%M}\n"
                    "ご不明な点はコントロールセンターまでお問い合わせください。\n"
                ),
            )
        )
        event.subscriber_notified_at = at
    await session.commit()
    return key_set


# --- agencies and the written report ----------------------------------------------------------------------


async def notify_agency(
    *, session: AsyncSession, incident_id: int, task_id: int, actor: str, at: dt.datetime,
    switchboard: Switchboard, settings: Settings,
) -> str:  # fmt: skip
    """Notify the task's agency through the switchboard and record it done with their reference."""
    incident = await flows.load(session=session, incident_id=incident_id)
    task = next((t for t in incident.tasks if t.id == task_id), None)
    if task is None or task.agency is None:
        raise DispatchError(f"task {task_id} is not an agency to notify on incident {incident_id}")
    if task.done_at is not None:
        raise DispatchError("this notification is already recorded")
    address = incident.premises.address if incident.premises else f"account {incident.account}"
    what = f"{incident.description} ({incident.service_type}), {incident.outcome or incident.status}"
    reference = await switchboard.notify(Notice(Agency(task.agency), address, what, settings.center_phone))
    await flows.complete_task(
        session=session, incident_id=incident_id, task_id=task_id, operator=actor, at=at,
        reference=reference,  # the agency's own case number (the channel is the deployment's, not the case's)
    )  # fmt: skip
    return reference


async def send_written_report(
    *,
    session: AsyncSession,
    incident_id: int,
    actor: str,
    at: dt.datetime,
    mailer: Mailer,
    body: str,
    subject: str,
) -> SentReport:
    """Send the rendered report to the subscriber, keep what was sent, and record it on the incident."""
    incident = await flows.load(session=session, incident_id=incident_id)
    if incident.closed_at is None:
        raise DispatchError("the written report follows the resolution")
    if incident.premises is None or not incident.premises.subscriber.email:
        raise DispatchError("no e-mail address on file: post the report and record it by hand")
    recipient = incident.premises.subscriber.email
    await mailer.send(Message(to=recipient, subject=subject, body=body))
    sent = SentReport(
        incident_id=incident_id, sent_at=at, sent_by=actor, recipient=recipient, subject=subject, body=body
    )
    session.add(sent)
    await flows.report_sent(session=session, incident_id=incident_id, actor=actor, at=at)
    return sent


async def incident_context(
    *, session: AsyncSession, incident: Incident, settings: Settings
) -> dict[str, Any]:
    """What the console's incident page shows about dispatch."""
    premises = incident.premises
    if premises is None:
        return {
            "candidates": [], "assignments": [], "key_sets": [], "note": None, "coverage": None,
            "handoffs": [],
        }  # fmt: skip
    return {
        "candidates": await rank(session=session, incident=incident, settings=settings, at=utcnow())
        if incident.closed_at is None
        else [],
        "assignments": await assignments_of(session=session, incident_id=incident.id),
        "key_sets": await key_sets(session=session, premises_id=premises.id),
        "note": await note_of(session=session, premises_id=premises.id),
        "coverage": await coverage_of(session=session, premises_id=premises.id),
        "large_dog_rule": LARGE_DOG_RULE,
        # Each agency's call script and data-link hand-off (dispatch/handoff_service.py, _handoff.html).
        "handoffs": await handoff_service.views_of(
            session=session, incident=incident, settings=settings, at=utcnow()
        ),
    }
