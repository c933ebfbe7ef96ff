"""The agency hand-off on the database: send the ASAP message, record the replies, fall back to voice.

``hand_off`` builds the pack (``dispatch/handoff.py``) from the incident, the premises, the alarm level and
the responder, sends the validated ``AlarmNotification`` (``dispatch/asap.py``) through the data link
(``dispatch/psap.py``) and records it; the agency's task stays open until the agency accepts. ``receive``
checks a reply's signature, parses it (errors as values) and records it on the incident's timeline; an
acceptance records the notification with the agency's case number. A rejection, no acceptance within
``CC_HANDOFF_ACCEPT_SECONDS`` or a link that cannot be reached → ``fall_back``: the voice call through the
switchboard (``dispatch/agencies.py``), recorded. ``sweep`` runs every few seconds (``runtime.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.service import names_of
from control_center.alarms import alarm_level as level_rules
from control_center.alarms.action_plans import Agency
from control_center.core import audit
from control_center.core.i18n import translations
from control_center.core.settings import Settings
from control_center.incidents import alarm_level_service, flows
from control_center.incidents.flows import FlowError
from control_center.incidents.models import Incident, IncidentTask
from control_center.signals.service_types import ServiceType
from control_center.subscribers.models import Premises
from dispatch import asap, handoff, psap
from dispatch.agencies import Notice, Switchboard
from dispatch.handoff import Pack
from dispatch.handoff_models import AgencyHandoff, AgencyReply, PremisesDirections
from dispatch.models import Assignment

EVIDENCE_HOURS = 24
AGENCY_ACTOR = "psap"  # the record's actor for what an agency's system told us (worded by web/event_text.py)


class HandoffError(FlowError):
    """A hand-off the rules refuse; the message is for the operator."""


# --- the pack ---------------------------------------------------------------------------------------------


@cache
def _ja() -> Callable[[str], str]:
    return translations("ja").gettext  # the agencies read Japanese: the machine message carries it


def evidence_url(settings: Settings, key: bytes, message_id: str, sent_at: dt.datetime) -> str:
    expires = int(sent_at.timestamp()) + EVIDENCE_HOURS * 3600
    sig = _evidence_sig(key, message_id, expires)
    return f"{settings.base_url}/agency/evidence?m={message_id}&exp={expires}&sig={sig}"


def _evidence_sig(key: bytes, message_id: str, expires: int) -> str:
    return hmac.new(key, f"{message_id}.{expires}".encode(), hashlib.sha256).hexdigest()


def evidence_valid(key: bytes, message_id: str, expires: str, sig: str, now: dt.datetime) -> bool:
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12 or int(expires) < now.timestamp():
        return False
    return hmac.compare_digest(_evidence_sig(key, message_id, int(expires)), sig)


async def pack_for(
    *, session: AsyncSession, incident: Incident, agency: str, actor: str, at: dt.datetime,
    settings: Settings, message_id: str, evidence: str | None,
) -> Pack:  # fmt: skip
    """What the call-taker is told about ``incident``, now."""
    premises = incident.premises
    directions = await session.get(PremisesDirections, premises.id) if premises else None
    reasons = alarm_level_service.reasons_of(incident.alarm_level_reasons)
    level = incident.alarm_level if incident.alarm_level is not None else 1
    decisive = alarm_level_service.decisive(reasons)
    contact_name, contact_phone = None, None
    if premises is not None:
        first = next(iter(flows.call_list(premises, ServiceType(incident.service_type), at)), None)
        if first is not None:
            contact_name, contact_phone = first.name, handoff.phone_or_none(first.phone)
        else:
            contact_name, contact_phone = premises.subscriber.name, handoff.phone_or_none(premises.phone)
    assignment = await session.scalar(
        select(Assignment)
        .where(Assignment.incident_id == incident.id, Assignment.ended_at.is_(None))
        .order_by(Assignment.assigned_at.desc())
        .limit(1)
    )
    eta = None
    if assignment is not None and assignment.estimated_minutes is not None:
        eta = assignment.assigned_at + dt.timedelta(minutes=assignment.estimated_minutes)
    names = await names_of(session=session, logins=[actor])
    return Pack(
        incident_id=incident.id,
        message_id=message_id,
        agency=agency,
        created_at=at,
        received_at=incident.opened_at,
        organization=settings.center_name,
        callback=handoff.phone_or_none(settings.center_phone) or "000",
        operator=names.get(actor) or actor,  # "" before the incident is taken: the script says so
        service_type=incident.service_type,
        category=handoff.category(incident.service_type, incident.description),
        alarm_type=incident.description,
        alarm_type_text=_ja()(incident.description) if incident.description else "",
        level=level,
        level_sentence=level_rules.sentence(level, decisive, _ja(), incident.service_type),
        decisive=decisive,
        evidence_url=evidence,
        address=premises.address if premises else f"account {incident.account}",
        directions=directions.directions if directions else None,
        landmarks=directions.landmarks if directions else None,
        lat=premises.lat if premises else 0.0,
        lon=premises.lon if premises else 0.0,
        contact_name=contact_name,
        contact_phone=contact_phone,
        responder_name=assignment.responder.name if assignment else None,
        responder_on_site=bool(assignment and assignment.arrived_at),
        responder_eta=eta,
        subscriber_name=premises.subscriber.name if premises else None,
        premises_phone=handoff.phone_or_none(premises.phone) if premises else None,
        callback_is_demo=settings.center_phone.strip() == handoff.DEMO_CALLBACK,
    )


# --- the premises' directions --------------------------------------------------------------------------


async def save_directions(
    *, session: AsyncSession, premises_id: int, directions: str, landmarks: str, actor: str, at: dt.datetime
) -> PremisesDirections:
    """Keep the premises' directions and landmarks (cleaned; empty clears one), on the audit log like every
    other premises edit. Raises ``HandoffError`` with the operator's message when a text is refused, and
    ``LookupError`` for a premises that does not exist. The caller commits."""
    for text in (directions, landmarks):
        if problem := handoff.note_problem(text):
            raise HandoffError(problem, max=handoff.NOTE_MAX)
    if await session.get(Premises, premises_id) is None:
        raise LookupError(f"premises {premises_id} not found")
    row = await session.get(PremisesDirections, premises_id)
    if row is None:
        row = PremisesDirections(premises_id=premises_id)
        session.add(row)
    row.directions, row.landmarks = handoff.clean_note(directions), handoff.clean_note(landmarks)
    audit.changed(
        session, actor, f"premises:{premises_id}",
        f"directions: {row.directions or '—'} / landmarks: {row.landmarks or '—'}", at=at,
    )  # fmt: skip
    return row


async def directions_of(*, session: AsyncSession, premises_ids: list[int]) -> dict[int, PremisesDirections]:
    if not premises_ids:
        return {}
    rows = await session.scalars(
        select(PremisesDirections).where(PremisesDirections.premises_id.in_(premises_ids))
    )
    return {r.premises_id: r for r in rows}


# --- sending ---------------------------------------------------------------------------------------------


def _task(incident: Incident, task_id: int) -> IncidentTask:
    task = next((t for t in incident.tasks if t.id == task_id), None)
    if task is None or task.agency is None:
        raise HandoffError(
            "task %(task)s is not an agency to notify on incident %(incident)s",
            task=task_id,
            incident=incident.id,
        )
    if task.done_at is not None:
        raise HandoffError("this notification is already recorded")
    return task


async def hand_off(
    *, session: AsyncSession, incident_id: int, task_id: int, actor: str, at: dt.datetime,
    psap_link: psap.Psap, switchboard: Switchboard, settings: Settings, evidence_key: bytes,
) -> str:  # fmt: skip
    """Send the ASAP message for the agency task; returns the message id (or the voice reference when
    the link could not take it). The task is recorded done when the agency accepts."""
    incident = await flows.load(session=session, incident_id=incident_id, lock=True)
    if incident.claimed_by != actor:
        raise HandoffError(
            "incident %(incident)s is handled by %(holder)s",
            incident=incident.id,
            holder=incident.claimed_by or "—",
        )
    task = _task(incident, task_id)
    if task.agency not in handoff.DATA_LINK_AGENCIES:
        raise HandoffError("this agency is notified by a voice call")
    waiting = await session.scalar(
        select(AgencyHandoff).where(AgencyHandoff.task_id == task_id, AgencyHandoff.status == "sent")
    )
    if waiting is not None:
        raise HandoffError("the hand-off is already sent; waiting for the agency's answer")
    message_id = uuid.uuid4().hex
    evidence = evidence_url(settings, evidence_key, message_id, at)
    pack = await pack_for(
        session=session, incident=incident, agency=task.agency, actor=actor, at=at, settings=settings,
        message_id=message_id, evidence=evidence,
    )  # fmt: skip
    document = asap.build(pack)
    if problems := asap.errors(document):  # never send what the agency's system would refuse unread
        raise HandoffError("the hand-off message is not valid: %(problem)s", problem=problems[0][:200])
    row = AgencyHandoff(
        incident_id=incident.id, task_id=task_id, agency=task.agency, message_id=message_id, sent_at=at,
        sent_by=actor, document=document.decode(), evidence_url=evidence, status="sent",
        fallback_due_at=at + dt.timedelta(seconds=settings.handoff_accept_seconds),
    )  # fmt: skip
    session.add(row)
    flows.event(incident, at, actor, "handoff_sent", handoff.sent_detail(task.agency, message_id))
    await session.commit()  # on record before it leaves: a fast reply finds it
    try:
        await psap_link.send(task.agency, document)
    except psap.PsapUnavailable:
        return await fall_back(
            session=session, handoff_id=row.id, why="link down", at=at, switchboard=switchboard,
            settings=settings,
        )  # fmt: skip
    return message_id


# --- falling back to voice -------------------------------------------------------------------------------


async def fall_back(
    *, session: AsyncSession, handoff_id: int, why: str, at: dt.datetime, switchboard: Switchboard,
    settings: Settings,
) -> str:  # fmt: skip
    """The voice call that replaces a hand-off the agency did not take; recorded; its reference.

    The sweep and a rejection (or two sweeping processes) may reach the same hand-off at once: the call is
    claimed by a conditional UPDATE, committed before the call, and only the one claimant whose UPDATE
    changed the row calls. SQLite has no row lock, but its writes are serialised; on PostgreSQL the second
    UPDATE waits for the first to commit, then matches nothing. No transaction stays open across the call."""
    claimed = await session.execute(
        update(AgencyHandoff)
        .where(AgencyHandoff.id == handoff_id, AgencyHandoff.fallback_started_at.is_(None))
        .values(fallback_started_at=at)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    session.expunge_all()  # what follows reads the rows as they are now, not as this session last saw them
    row = await session.get(AgencyHandoff, handoff_id)
    if row is None:
        return ""
    if claimed.rowcount != 1:  # someone else is calling, or has called
        return row.voice_reference or ""
    incident = await flows.load(session=session, incident_id=row.incident_id)
    task = next((t for t in incident.tasks if t.id == row.task_id), None)
    if task is None or task.done_at is not None:  # the operator phoned them meanwhile: no second call
        row.fallback_due_at = None
        await session.commit()
        return task.reference or "" if task else ""
    address = incident.premises.address if incident.premises else f"account {incident.account}"
    what = f"{incident.description} ({incident.service_type}), {incident.outcome or incident.status}"
    notice = Notice(Agency(row.agency), address, what, settings.center_phone)
    await session.commit()  # nothing held while the line rings
    try:
        reference = await switchboard.notify(notice)
    except BaseException:  # not called: free the claim, so the next sweep tries again
        await session.rollback()
        await session.execute(
            update(AgencyHandoff)
            .where(AgencyHandoff.id == handoff_id, AgencyHandoff.fallback_at.is_(None))
            .values(fallback_started_at=None)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        raise
    row = await session.get(AgencyHandoff, handoff_id, with_for_update=True, populate_existing=True)
    assert row is not None
    incident = await flows.load(session=session, incident_id=row.incident_id, lock=True)
    row.status, row.fallback_at, row.voice_reference, row.fallback_due_at = "voice", at, reference, None
    flows.event(
        incident, at, "system", "handoff_fallback", handoff.fallback_detail(row.agency, why, reference)
    )
    await _record_notified(session, incident, row.task_id, row.sent_by, at, reference)
    await session.commit()
    return reference


async def _record_notified(
    session: AsyncSession, incident: Incident, task_id: int, by: str, at: dt.datetime, reference: str
) -> None:
    """The agency task done (the legal record's "police contact" column): through the incident's flow for
    whoever holds the incident now; an incident nobody holds any more records it for its sender."""
    task = next((t for t in incident.tasks if t.id == task_id), None)
    if task is None or task.done_at is not None:
        return
    if incident.claimed_by is not None:
        await flows.complete_task(
            session=session, incident_id=incident.id, task_id=task_id, operator=incident.claimed_by, at=at,
            reference=reference,
        )  # fmt: skip
        return
    task.done_at, task.done_by, task.reference = at, by, reference[:200]
    flows.event(incident, at, by, "agency_notified", f"notify:{task.agency} ({reference})")


async def sweep(
    *, session: AsyncSession, now: dt.datetime, switchboard: Switchboard, settings: Settings,
    publish: Callable[[set[int]], None] | None = None,
) -> int:  # fmt: skip
    """Hand-offs past their fallback time (no acceptance, or rejected): the voice call now."""
    due = (
        await session.execute(
            select(AgencyHandoff.id, AgencyHandoff.incident_id, AgencyHandoff.status)
            .where(AgencyHandoff.fallback_due_at <= now, AgencyHandoff.fallback_started_at.is_(None))
            .where(AgencyHandoff.status.in_(("sent", "rejected")))
            .order_by(AgencyHandoff.fallback_due_at)
            .limit(50)
        )
    ).all()
    await session.rollback()
    for handoff_id, _incident_id, status in due:
        why = "rejected" if status == "rejected" else "no acceptance"
        await fall_back(
            session=session,
            handoff_id=handoff_id,
            why=why,
            at=now,
            switchboard=switchboard,
            settings=settings,
        )
    if due and publish is not None:
        publish({incident_id for _, incident_id, _ in due})
    return len(due)


# --- replies ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """What became of a reply: ``status_code`` for the agency, ``reason`` when refused."""

    status_code: int
    reason: str = ""
    incident_id: int | None = None
    fallback: int | None = None  # the hand-off to fall back now (a rejection)


async def receive(
    *, session: AsyncSession, body: bytes, timestamp: str | None, signature: str | None, now: dt.datetime,
    secret: bytes | None,
) -> Received:  # fmt: skip
    """Check, parse and record one status update. Errors are values (the endpoint answers them)."""
    if not secret:
        return Received(503, "replies are not configured")
    if problem := psap.verify(secret, timestamp, signature, body, now):
        return Received(401, problem)
    update = asap.parse_reply(body)
    if isinstance(update, asap.Refused):
        return Received(400, update.reason)
    row = await session.scalar(
        select(AgencyHandoff)
        .where(AgencyHandoff.message_id == update.referenced_message_id)
        .with_for_update()
    )
    if row is None:
        return Received(404, "no such hand-off")
    if row.incident_id != update.incident_id:
        return Received(409, "the alarm event identifier does not match the hand-off")
    if await session.scalar(select(AgencyReply.id).where(AgencyReply.message_id == update.message_id)):
        return Received(200, "already recorded", row.incident_id)
    after = handoff.next_status(row.status, update.status)
    if after is None:
        return Received(409, f"{update.status} cannot follow {row.status}", row.incident_id)
    session.add(
        AgencyReply(
            handoff_id=row.id, message_id=update.message_id, received_at=now, sent_at=update.at,
            status=update.status, agency_reference=update.agency_reference, reason=update.reason,
        )
    )  # fmt: skip
    incident = await flows.load(session=session, incident_id=row.incident_id, lock=True)
    detail = handoff.reply_detail(row.agency, update.status, update.agency_reference, update.reason)
    flows.event(incident, now, AGENCY_ACTOR, "agency_reply", detail)
    row.status = after
    fallback = None
    if update.status == "accepted":
        row.agency_reference, row.fallback_due_at = update.agency_reference, None
        await _record_notified(
            session,
            incident,
            row.task_id,
            row.sent_by,
            now,
            update.agency_reference or f"ASAP {row.message_id[:8]}",
        )
    elif update.status == "rejected":
        row.reject_reason, row.fallback_due_at, fallback = update.reason, now, row.id
    try:
        await session.commit()
    except IntegrityError:  # the same reply twice at once: the other one recorded it
        await session.rollback()
        return Received(200, "already recorded", row.incident_id)
    return Received(200, "", row.incident_id, fallback)


# --- the page --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffView:
    task: IncidentTask
    pack: Pack
    handoff: AgencyHandoff | None
    replies: list[AgencyReply]

    def script(self, locale: str) -> list[str]:
        gettext = translations(locale).gettext
        sentence = level_rules.sentence(self.pack.level, self.pack.decisive, gettext, self.pack.service_type)
        return handoff.script(self.pack, gettext, sentence)


async def views_of(
    *, session: AsyncSession, incident: Incident, settings: Settings, at: dt.datetime
) -> list[HandoffView]:
    """Each agency task of the incident with its live pack, its latest hand-off and the replies."""
    tasks = [t for t in incident.tasks if t.agency in handoff.DATA_LINK_AGENCIES]
    if not tasks:
        return []
    rows = (
        await session.scalars(
            select(AgencyHandoff).where(AgencyHandoff.incident_id == incident.id).order_by(AgencyHandoff.id)
        )
    ).all()
    latest = {r.task_id: r for r in rows}
    replies = (
        (
            await session.scalars(
                select(AgencyReply)
                .where(AgencyReply.handoff_id.in_([r.id for r in rows]))
                .order_by(AgencyReply.id)
            )
        ).all()
        if rows
        else []
    )
    views = []
    for task in tasks:
        row = latest.get(task.id)
        pack = await pack_for(
            session=session, incident=incident, agency=task.agency or "",
            actor=incident.claimed_by or "", at=at, settings=settings,
            message_id=row.message_id if row else "", evidence=row.evidence_url if row else None,
        )  # fmt: skip
        views.append(HandoffView(task, pack, row, [r for r in replies if row and r.handoff_id == row.id]))
    return views
