"""Digital verification: one signed, expiring link by SMS to every contact at once, and their answers.

- ``sweep``: new A/B/C incidents (never a silent duress/hold-up one) get their link within seconds; a
  link that expires with nobody having decided continues with the voice call list (``start_call_list``).
- ``answer``: a contact's choice on the link page. **Help** and **going** are recorded
  (``contact_reached``: a reason of the level) and shown to everyone; help settles the link (the operator
  acts on it, no calls follow), going does not. **Cancel** needs the house code, checked as the
  operator's and the IVR's entries are.

**A link cancel is a call-off request** (AVS-01 / CS-V-01 practice: a remote party's cancel is a request
to call the alarm off, valid only while nothing has confirmed the alarm). ``cancel_refusal`` refuses it,
and the page says the center is handling the alarm and will call, once:

- the incident is confirmed: the call's outcome "confirmed", a responder's "authorities needed", a duress
  or hold-up (the silent flag), or an alarm level of 3 or more;
- an agency was notified or handed the alarm: an agency task done, or a row in ``agency_handoffs`` (read
  as a table: this package does not import ``dispatch``);
- a responder is on site;
- any contact asked for help: help wins, the operator decides between them.

Otherwise the right code is, for **burglary (A)**, a verified resident's call-off (the ``false_alarm``
outcome: level 0, closed as a false alarm, the running call list stopped); for **fire (B) and emergency
(C)** a verified call-off *request* (``call_off_requested``, the link ``requested``): a contact who is not
on site cannot see a fire or know who pressed the button, so it is shown to the operator, who closes it
with the false-alarm control or not, and the level does not fall to 0 by itself. A wrong code counts
toward the incident's shared attempts (``VerificationAttempt`` with ``method="link"``, one of
``incidents.flows.CODE_METHODS``; only mismatches use an attempt up) but is no sign of anyone at the
premises (``alarm_level_service`` leaves ``link`` out of the level's mismatches); the one that uses up the
last attempt locks the link's cancel (``locked``) and starts the voice call list at once, as expiry does.
Every step is an ``incident_events`` row; the tokens are ``verification_links.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import column, exists, func, or_, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.alarms.action_plans import SILENT_FLAG, Outcome
from control_center.core.db import is_postgresql
from control_center.core.i18n import N_, translations
from control_center.core.settings import Settings
from control_center.incidents import alarm_level_service, flows
from control_center.incidents.flows import FlowError
from control_center.incidents.models import Incident, IncidentStatus, VerificationAttempt
from control_center.signals.service_types import ServiceType
from control_center.subscribers.house_code import check_house_code
from control_center.subscribers.models import Premises
from control_center.telephony import flows as calls
from control_center.telephony import verification_links as links
from control_center.telephony.adapters import OutgoingSms, Telephony
from control_center.telephony.models import ContactAttempt, LinkRecipient, VerificationLink
from control_center.telephony.numbers import to_e164

log = logging.getLogger(__name__)

SERVICES = ("A", "B", "C")  # burglary, fire, emergency button
CLOSES_ALONE = ("A",)  # a right code closes a burglary; for fire and emergency it is a request
CHOICES = ("cancel", "help", "going")
OPEN_STATES = ("open", "requested", "locked", "help")  # the page still takes answers
CONFIRMED_LEVEL = 3  # AVS-01: a confirmed threat to property or life
METHOD = "link"
ACTOR = alarm_level_service.LINK_ACTOR  # what a contact did on the page (the name is in the detail)
MAX_CODE = 8  # the page's field; anything longer is not a house code
# The agency hand-off's table (dispatch/handoff_models.py), read by name: telephony sits beside dispatch.
_HANDOFFS = table("agency_handoffs", column("incident_id"))
SMS_TEXT = N_(
    "[%(center)s] An alarm was received at %(premises)s. See what happened and answer here "
    "(valid for %(minutes)d min): %(url)s"
)
PREMISES = N_("the %(family)s home in %(place)s")
NO_PLACE = N_("the registered premises")
CLOSED = N_("This alarm has been closed.")
EXPIRED = N_("This link has expired. The center is calling the contacts.")
NO_ATTEMPTS = N_("The house code number was entered wrongly too often. The center is calling the contacts.")
HANDLING = N_("The center is handling this alarm and will call you. It cannot be cancelled on this page.")
UNKNOWN = N_("This answer is not one of the choices.")
WORDS = (
    N_("link"),
    N_("link_sent"),
    N_("link_answer"),
    N_("link_expired"),
    N_("link_locked"),
    N_("call_off_requested"),
    N_("cancel"),
    N_("help"),
    N_("going"),
    N_("nobody decided"),
    N_("%(count)s contacts"),
)


@dataclass(frozen=True, slots=True)
class Answered:
    """What came of a contact's choice: ``cancelled`` (A: closed), ``requested`` (B/C: the operator
    decides), ``wrong_code`` (with the attempts left), ``locked`` (the last attempt used: calls start), or
    ``recorded`` (help, going)."""

    result: str
    attempts_left: int = 0


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/v/{token}"


def premises_label(premises: Premises, gettext: Callable[[str], str]) -> str:
    """Which home, enough for a contact of two homes and never more: the municipality and the subscriber's
    family name (no street, no number, no phone), e.g. 名古屋市の山田様宅."""
    place = _municipality(premises.address)
    name = (premises.subscriber.name if premises.subscriber else "").replace("\u3000", " ").strip()
    family = name.split(" ")[0] if " " in name else ""
    if place and family:
        return gettext(PREMISES) % {"family": family, "place": place}
    return place or family or gettext(NO_PLACE)


def _municipality(address: str) -> str:
    """市区町村 of a Japanese address (the prefecture skipped): 愛知県名古屋市中区… → 名古屋市."""
    rest = re.sub(r"^(東京都|北海道|(?:大阪|京都)府|.{2,3}?県)", "", address.strip())
    found = re.match(r"^(.+?[市郡区町村])", rest)
    return found.group(1)[:20] if found else ""


def lifetime(settings: Settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings.verification_link_minutes)


# --- sending ------------------------------------------------------------------------------------------------


async def _new_incidents(session: AsyncSession, now: dt.datetime, settings: Settings) -> list[int]:
    """Open A/B/C incidents of a registered premises, not silent, recent enough that a link still helps,
    that have no link yet."""
    query = (
        select(Incident.id)
        .where(
            Incident.service_type.in_(SERVICES),
            Incident.closed_at.is_(None),
            Incident.premises_id.is_not(None),
            or_(Incident.flag.is_(None), Incident.flag != SILENT_FLAG),
            Incident.opened_at >= now - lifetime(settings),
            ~exists().where(VerificationLink.incident_id == Incident.id),
        )
        .order_by(Incident.priority, Incident.id)
        .limit(50)
    )
    return list(await session.scalars(query))


async def send_link(
    *,
    session: AsyncSession,
    incident_id: int,
    now: dt.datetime,
    telephony: Telephony,
    settings: Settings,
    key: bytes,
) -> VerificationLink | None:
    """Create the incident's link and text it to every contact; None when another process sent it."""
    incident = await flows.load(session=session, incident_id=incident_id)
    if incident.premises is None or incident.flag == SILENT_FLAG or incident.closed_at is not None:
        return None
    targets = [
        t
        for t in flows.call_list(incident.premises, ServiceType(incident.service_type), now)
        if t.kind != "doctor"
    ]
    link = VerificationLink(incident_id=incident_id, created_at=now, expires_at=now + lifetime(settings))
    session.add(link)
    try:
        await session.flush()  # the unique incident_id: one link per incident, whoever sweeps
    except IntegrityError:
        await session.rollback()
        return None
    sent: list[tuple[LinkRecipient, ContactAttempt]] = []
    for target in targets:
        attempt = ContactAttempt(
            incident_id=incident_id,
            channel="sms",
            purpose=METHOD,
            name=target.name[:100],
            number=to_e164(target.phone),
            started_by="system",
            created_at=now,
            status="queued",
        )
        session.add(attempt)
        await session.flush()
        recipient = LinkRecipient(
            link_id=link.id,
            incident_id=incident_id,
            position=target.position,
            name=target.name[:100],
            attempt_id=attempt.id,
        )
        session.add(recipient)
        sent.append((recipient, attempt))
    await session.flush()
    flows.event(incident, now, "system", "link_sent", f"{len(sent)} contacts")
    await session.commit()  # the rows exist before the carrier can report on them
    gettext = translations(settings.default_locale).gettext
    text = gettext(SMS_TEXT)
    words = {
        "center": settings.center_name,
        "premises": premises_label(incident.premises, gettext),
        "minutes": settings.verification_link_minutes,
    }
    delivered = 0
    for recipient, attempt in sent:
        token = links.sign(key, recipient.id, incident_id, link.expires_at)
        body = text % {**words, "url": link_url(settings, token)}
        try:
            attempt.provider_sid = await telephony.text(OutgoingSms(attempt.id, attempt.number, body))
            attempt.status = "sent"
            delivered += 1
        except Exception as exc:  # the carrier refused this one: the others still go
            log.warning("link SMS %s to %s failed: %s", attempt.id, attempt.number, exc)
            attempt.status, attempt.result, attempt.ended_at = "failed", "failed", now
    if not delivered:
        link.expires_at = now  # nobody can answer: the sweep goes on to the calls at once
    await session.commit()
    return link


# --- expiry -------------------------------------------------------------------------------------------------


async def _expire(
    session: AsyncSession, link: VerificationLink, now: dt.datetime, telephony: Telephony, settings: Settings
) -> None:
    incident = await flows.load(session=session, incident_id=link.incident_id, lock=True)
    # Read again under the incident's lock: an answer (or another process's sweep) may have come first.
    await session.refresh(link)
    if link.state != "open":
        return
    recipients = await _recipients(session, link.id)
    for attempt in await _attempts(session, [r.attempt_id for r in recipients if r.answer is None]):
        if attempt.result is None:
            attempt.result, attempt.ended_at = "not_acknowledged", now
    if incident.closed_at is not None:
        link.state = "closed"
        await session.commit()
        return
    link.state = "expired"
    flows.event(incident, now, "system", "link_expired", "nobody decided")
    await session.commit()
    await _call_now(session, link.incident_id, now, telephony, settings)


async def _call_now(
    session: AsyncSession, incident_id: int, now: dt.datetime, telephony: Telephony, settings: Settings
) -> None:
    """The voice call list, unless one is already running (the link did not settle it)."""
    if await calls.running_list(session, incident_id) is None:
        try:
            await calls.start_call_list(
                session=session,
                incident_id=incident_id,
                actor="system",
                at=now,
                telephony=telephony,
                settings=settings,
            )
        except FlowError as exc:
            log.info("incident %s: no call list after the link: %s", incident_id, exc)


async def sweep(
    *, session: AsyncSession, now: dt.datetime, telephony: Telephony, settings: Settings, key: bytes
) -> list[int]:
    """Send the links new incidents need; continue with calls where a link expired undecided. Returns
    the incidents changed (for the consoles)."""
    changed: list[int] = []
    fresh = await _new_incidents(session, now, settings) if settings.verification_link_minutes else []
    for incident_id in fresh:
        if await send_link(
            session=session, incident_id=incident_id, now=now, telephony=telephony, settings=settings, key=key
        ):
            changed.append(incident_id)
    query = (
        select(VerificationLink)
        .where(VerificationLink.state == "open", VerificationLink.expires_at <= now)
        .order_by(VerificationLink.expires_at)
        .limit(50)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    for link in list(await session.scalars(query)):
        await _expire(session, link, now, telephony, settings)
        changed.append(link.incident_id)
    await session.commit()
    return changed


# --- the contacts' answers ----------------------------------------------------------------------------------


async def _recipients(session: AsyncSession, link_id: int) -> list[LinkRecipient]:
    rows = await session.scalars(
        select(LinkRecipient).where(LinkRecipient.link_id == link_id).order_by(LinkRecipient.position)
    )
    return list(rows)


async def _attempts(session: AsyncSession, ids: list[int | None]) -> list[ContactAttempt]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return []
    return list(await session.scalars(select(ContactAttempt).where(ContactAttempt.id.in_(wanted))))


async def recipient_of(session: AsyncSession, claim: links.Claim) -> LinkRecipient:
    """The row a valid token names; LookupError when it does not exist or belongs to another incident
    (a token is only ever good for the incident it was signed for)."""
    recipient = await session.get(LinkRecipient, claim.recipient_id)
    if recipient is None or recipient.incident_id != claim.incident_id:
        raise LookupError("no such link")
    return recipient


def _close_false_alarm(incident: Incident, at: dt.datetime, name: str) -> None:
    """A verified resident's call-off, as ``incidents.flows.record_outcome`` records it for the operator."""
    incident.outcome = Outcome.FALSE_ALARM.value
    flows.event(incident, at, ACTOR, "call_outcome", f"{Outcome.FALSE_ALARM.value}: {name}")
    for task in incident.tasks:
        if task.step in ("call_premises", "call_contacts") and task.done_at is None:
            task.done_at, task.done_by = at, ACTOR
    incident.status = IncidentStatus.FALSE_ALARM
    incident.closed_at = at
    incident.open_key = None  # a new alarm opens a new incident
    incident.close_reason = "false alarm: called off by a verified resident"
    flows.event(incident, at, ACTOR, "closed", incident.close_reason)


async def answer(
    *,
    session: AsyncSession,
    claim: links.Claim,
    choice: str,
    at: dt.datetime,
    key: bytes,
    code: str = "",
    telephony: Telephony | None = None,
    settings: Settings | None = None,
) -> Answered:
    """A contact's choice on the page (``key``: the house codes' key). Refused (FlowError) once the
    incident is closed, the link is no longer open, or, for a cancel, ``cancel_refusal`` says so or the
    house-code attempts are used up. ``telephony``/``settings``: for the calls a lockout starts."""
    if choice not in CHOICES:
        raise FlowError(UNKNOWN)
    recipient = await recipient_of(session, claim)
    incident = await flows.load(session=session, incident_id=recipient.incident_id, lock=True)
    link = await session.get(VerificationLink, recipient.link_id)
    if incident.closed_at is not None or link is None:
        raise FlowError(CLOSED)
    if link.state in ("expired", "closed") or at >= link.expires_at:
        raise FlowError(EXPIRED)
    if choice == "cancel":
        done = await _cancel(session, incident, link, recipient, code, at, key)
        if done.result == "locked" and telephony is not None and settings is not None:
            await _call_now(session, incident.id, at, telephony, settings)
        return done
    if recipient.answer != choice:  # the same answer again changes nothing (a reload, a double tap)
        recipient.answer, recipient.answered_at = choice, at
        flows.event(incident, at, ACTOR, "link_answer", f"{recipient.name}: {choice}")
        flows.event(incident, at, ACTOR, "contact_reached", f"{recipient.name} ({METHOD})")
        await _acknowledge(session, recipient, at)
        if choice == "help" and link.state != "help":  # help wins over a request or a lockout
            link.state, link.settled_at, link.settled_by = "help", at, recipient.name
        await alarm_level_service.reassess(session, [incident.id], at=at)
    await session.commit()
    return Answered("recorded")


async def _acknowledge(session: AsyncSession, recipient: LinkRecipient, at: dt.datetime) -> None:
    for attempt in await _attempts(session, [recipient.attempt_id]):
        if attempt.result is None:
            attempt.result, attempt.status, attempt.ended_at = "acknowledged", "acknowledged", at


async def cancel_refusal(session: AsyncSession, incident: Incident, link: VerificationLink) -> str | None:
    """Why a link cancel is no longer taken (the module's rule; a msgid), or None while it may be.
    ``incident`` as ``flows.load`` gives it (its tasks and events)."""
    confirmed = (
        incident.outcome == Outcome.CONFIRMED.value
        or incident.status == IncidentStatus.CONFIRMED
        or incident.flag == SILENT_FLAG
        or (incident.alarm_level or 0) >= CONFIRMED_LEVEL
        or any(
            e.kind == "responder_check" and e.detail.startswith("authorities needed") for e in incident.events
        )
    )
    notified = any(t.agency and t.done_at is not None for t in incident.tasks) or any(
        e.kind == "agency_notified" for e in incident.events
    )
    on_site = incident.responder_on_site_at is not None or any(
        e.kind == "responder_on_site" for e in incident.events
    )
    if confirmed or notified or on_site or link.state == "help":
        return HANDLING
    handed = await session.scalar(select(exists().where(_HANDOFFS.c.incident_id == incident.id)))
    if handed:
        return HANDLING
    helped = await session.scalar(
        select(exists().where(LinkRecipient.link_id == link.id, LinkRecipient.answer == "help"))
    )
    return HANDLING if helped else None


async def _cancel(
    session: AsyncSession,
    incident: Incident,
    link: VerificationLink,
    recipient: LinkRecipient,
    code: str,
    at: dt.datetime,
    key: bytes,
) -> Answered:
    if incident.premises is None:
        raise FlowError(CLOSED)
    if (refused := await cancel_refusal(session, incident, link)) is not None:
        raise FlowError(refused)
    missed = await _code_mismatches(session, incident.id)
    if missed >= flows.MAX_CODE_ATTEMPTS or link.state == "locked":
        raise FlowError(NO_ATTEMPTS)
    checked = await check_house_code(incident.premises.house_code_hash, code.strip()[:MAX_CODE], key)
    if checked.upgraded is not None:
        incident.premises.house_code_hash = checked.upgraded
    session.add(
        VerificationAttempt(
            incident_id=incident.id,
            at=at,
            actor=ACTOR,
            name_given=recipient.name[:100],
            method=METHOD,
            matched=checked.matched,
        )
    )
    flows.event(
        incident,
        at,
        ACTOR,
        "verification",
        f"{recipient.name[:60]}: {METHOD} {'match' if checked.matched else 'no match'}",
    )
    await _acknowledge(session, recipient, at)
    left = flows.MAX_CODE_ATTEMPTS - missed
    if checked.matched:
        incident.verified = True
        if incident.service_type in CLOSES_ALONE:
            result = "cancelled"
            link.state, link.settled_at, link.settled_by = "cancelled", at, recipient.name
            _close_false_alarm(incident, at, recipient.name)
            run = await calls.running_list(session, incident.id)
            if run is not None:
                run.state, run.finished_at = "stopped", at
                flows.event(incident, at, ACTOR, "call_list_stopped", "")
        else:  # fire, emergency: the operator decides (the module's rule)
            result = "requested"
            if link.state == "open":
                link.state, link.settled_at, link.settled_by = "requested", at, recipient.name
            flows.event(incident, at, ACTOR, "call_off_requested", recipient.name[:100])
    else:
        left -= 1
        result = "wrong_code" if left > 0 else "locked"
        if not left and link.state in ("open", "requested"):
            link.state = "locked"  # the calls start now (``answer``), not at the expiry
            flows.event(incident, at, ACTOR, "link_locked", recipient.name[:100])
    recipient.answer, recipient.answered_at = result, at
    if result != "cancelled" and incident.status in (IncidentStatus.RECEIVED, IncidentStatus.CLAIMED):
        incident.status = IncidentStatus.VERIFYING
    await session.flush()
    await alarm_level_service.reassess(session, [incident.id], at=at)
    await session.commit()
    return Answered(result, max(0, left))


async def _code_mismatches(session: AsyncSession, incident_id: int) -> int:
    """The wrong house-code entries so far, by the operator, the IVR and the link together (a right one
    uses no attempt up: the limit is on guessing)."""
    found = await session.scalar(
        select(func.count(VerificationAttempt.id)).where(
            VerificationAttempt.incident_id == incident_id,
            VerificationAttempt.method.in_(flows.CODE_METHODS),
            VerificationAttempt.matched.is_(False),
        )
    )
    return int(found or 0)


# --- what the page and the console show ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkView:
    link: VerificationLink
    recipients: list[LinkRecipient]
    attempts_left: int
    refusal: str | None = None  # why a cancel is no longer taken (a msgid), if it is not

    @property
    def can_cancel(self) -> bool:
        return self.refusal is None and self.attempts_left > 0 and self.link.state in ("open", "requested")


async def view_of(*, session: AsyncSession, incident_id: int) -> LinkView | None:
    link = await session.scalar(select(VerificationLink).where(VerificationLink.incident_id == incident_id))
    if link is None:
        return None
    incident = await flows.load(session=session, incident_id=incident_id)
    missed = await _code_mismatches(session, incident_id)
    return LinkView(
        link,
        await _recipients(session, link.id),
        max(0, flows.MAX_CODE_ATTEMPTS - missed),
        await cancel_refusal(session, incident, link),
    )


def describe_event(kind: str) -> Callable[[str, Callable[[str], str]], str]:
    """The record's words for this module's entries (registered with web/event_text.py by app.py)."""

    def describe(detail: str, gettext: Callable[[str], str]) -> str:
        if kind == "link_answer":
            name, sep, choice = detail.rpartition(": ")
            return f"{name}: {gettext(choice)}" if sep and choice in CHOICES else detail
        if kind == "link_sent" and detail.endswith(" contacts") and detail.split(" ")[0].isdigit():
            return gettext("%(count)s contacts") % {"count": detail.split(" ")[0]}
        return gettext(detail) if detail == "nobody decided" else detail

    return describe
