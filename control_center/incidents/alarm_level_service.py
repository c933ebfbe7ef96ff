"""The alarm level kept current: gathers an incident's facts from the database, asks the pure rules
(control_center/alarms/alarm_level.py) and stores each change with its reasons.

Set-wise: ``reassess`` takes many incidents and asks the database a fixed number of questions for all of
them (the inbox calls it once per group of signals). It lives here, not in ``alarms/``, because it reads
the incidents' tables and ``alarms`` sits below ``incidents`` in the layers (docs/architecture.md).

Each change of the level (from 1, where every incident starts) is an ``incident_events`` row of kind
``alarm_level`` (the legal record) whose detail is JSON: the level, the one before, the deciding reason
and the reasons that set a level, with their data points. The operator's override is such a row too
(with ``override``), and that row is where later assessments find it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from control_center.alarms import action_plans
from control_center.alarms import alarm_level as rules
from control_center.alarms.alarm_level import Assessment, Facts, Level, Override, Reason, Trigger
from control_center.core import audit
from control_center.core.bulk import among, append
from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.core.settings import get_settings
from control_center.incidents.models import Incident, IncidentEvent, IncidentStatus, VerificationAttempt
from control_center.signals.models import Signal

# The record's actor for what a contact does on the SMS link (telephony/verification.py writes it): the
# contact is off site, so their answers are not calls to the premises.
LINK_ACTOR = "link"

KIND = "alarm_level"
# Alarms that count as activations in the history and the scorecards: not equipment troubles (G),
# line supervision (F) or life watch (H), which no person set off.
ACTIVATION_SERVICES = ("A", "B", "C", "D", "E", "I")
_FACT_EVENTS = (
    "responder_check",
    "illegal_act",
    "camera_threat",
    "voice_announcement",
    "contact_reached",
    "call_list_exhausted",
    "call_outcome",
    KIND,
)


@dataclass(frozen=True, slots=True)
class Fresh:
    """An incident the inbox is about to open, with everything the rules read of it: its service and
    the signals that open it. Nothing else can be known of it yet (no verification, no event but its
    opening and plan, no level), so assessing it asks the database only for its premises' history."""

    premises_id: int | None
    service_type: str
    triggers: tuple[Trigger, ...]


def is_false_alarm() -> ColumnElement[bool]:
    """An incident that ended as a false alarm: called off by a verified resident, or closed at level 0
    (cancelled at the panel, cleared on site)."""
    return or_(
        Incident.status == IncidentStatus.FALSE_ALARM,
        Incident.outcome == "false_alarm",
        and_(Incident.closed_at.is_not(None), Incident.alarm_level == 0),
    )


def configured_rules() -> rules.Rules:
    return rules.Rules(confirmation_window=dt.timedelta(minutes=get_settings().alarm_confirmation_minutes))


async def reassess(
    session: AsyncSession,
    incident_ids: Iterable[int],
    *,
    at: dt.datetime | None = None,
    rule_set: rules.Rules | None = None,
) -> dict[int, Assessment]:
    """Recompute the level of these incidents; store what changed (not committed: the caller's
    transaction). Returns each incident's assessment."""
    return await _reassess(session, set(incident_ids), at or utcnow(), rule_set or configured_rules())


async def assess_fresh(
    session: AsyncSession, fresh: Sequence[Fresh], *, at: dt.datetime, rule_set: rules.Rules | None = None
) -> list[Assessment]:
    """The first level of each incident the inbox is about to open, in order — written with its row
    (``first_level``), not read back and updated: in a storm of troubles that UPDATE was a tenth of the
    inbox's time. A storm's new incidents are mostly alike (one trouble each): assessed once per kind.
    With one trigger and no other fact, its time compares with nothing (the rules read times only
    against each other, alarm_level.py), so the service, the signal without its time and the history
    decide."""
    rule_set = rule_set or configured_rules()
    history = await _history(session, {f.premises_id for f in fresh if f.premises_id}, set(), at, rule_set)
    alike: dict[tuple[Any, ...], Assessment] = {}
    results: list[Assessment] = []
    for n, new in enumerate(fresh, 1):
        history_of = history.get(new.premises_id, (0, 0))  # type: ignore[arg-type]
        key = None
        if len(new.triggers) == 1:
            t = new.triggers[0]
            key = (new.service_type, t.zone, t.format, t.code, t.kind, t.service, history_of)
        if key is None or key not in alike:
            facts = _facts(new.service_type, False, None, list(new.triggers), (0, 0, 0), [], history_of, None)
            assessment = rules.assess(facts, rule_set)
            if key is not None:
                alike[key] = assessment
        else:
            assessment = alike[key]
        results.append(assessment)
        if n % 250 == 0:
            await asyncio.sleep(0)  # a big group's rules leave the event loop to a fire's lane now and then
    return results


def first_level(assessment: Assessment) -> dict[str, Any]:
    """The columns of a new incident's row that hold its first level."""
    return {"alarm_level": int(assessment.level), "alarm_level_reasons": _stored(assessment)}


async def record_first(session: AsyncSession, first: Mapping[int, Assessment], *, at: dt.datetime) -> None:
    """The record of the first levels of incidents just opened: every incident starts at 1 (AVS-01), so a
    first level of 1 is no change, and a storm of new incidents adds no rows to the record."""
    rows = [_event_row(i, None, a, at, None) for i, a in first.items() if a.level != Level.LIMITED]
    await append(session, IncidentEvent, rows)


async def override(
    *,
    session: AsyncSession,
    incident_id: int,
    level: int,
    reason: str,
    actor: str,
    at: dt.datetime,
    rule_set: rules.Rules | None = None,
) -> Assessment:
    """The operator raises or lowers the level with a reason (recorded and audited); committed."""
    if not reason.strip():
        raise Refused("say why the level changes")
    if level not in range(5):
        raise Refused("the level is 0 to 4")
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise LookupError(f"incident {incident_id} not found")
    if incident.closed_at is not None:
        raise Refused(f"incident {incident_id} is closed")
    given = Override(level, reason.strip()[:200], actor, at)
    result = await _reassess(session, {incident_id}, at, rule_set or configured_rules(), given)
    audit.changed(session, actor, f"incident:{incident_id}", f"alarm level {level}: {given.reason}", at=at)
    await session.commit()
    return result[incident_id]


async def _reassess(
    session: AsyncSession,
    ids: set[int],
    at: dt.datetime,
    rule_set: rules.Rules,
    given: Override | None = None,
) -> dict[int, Assessment]:
    if not ids:
        return {}
    incidents = list(await session.scalars(select(Incident).where(among(session, Incident.id, ids))))
    if not incidents:
        return {}
    premises_ids = {i.premises_id for i in incidents if i.premises_id}
    history = await _history(session, premises_ids, ids, at, rule_set)
    known = {i.id for i in incidents}
    triggers = await _triggers(session, known)
    attempts = await _attempts(session, known)
    events = await _events(session, known)
    rows: list[dict[str, Any]] = []
    results: dict[int, Assessment] = {}
    for incident in incidents:
        facts = _facts(
            incident.service_type,
            incident.verified,
            incident.outcome,
            triggers[incident.id],
            attempts.get(incident.id, (0, 0, 0)),
            events[incident.id],
            history.get(incident.premises_id, (0, 0)),  # type: ignore[arg-type]
            given,
        )
        assessment = rules.assess(facts, rule_set)
        results[incident.id] = assessment
        # A change of the level is recorded; every incident starts at 1 (AVS-01), so a first
        # assessment of 1 is not a change.
        was = incident.alarm_level if incident.alarm_level is not None else Level.LIMITED
        if was != assessment.level or given is not None:
            rows.append(_event_row(incident.id, incident.alarm_level, assessment, at, given))
        incident.alarm_level, incident.alarm_level_reasons = int(assessment.level), _stored(assessment)
    await append(session, IncidentEvent, rows)
    return results


def _stored(assessment: Assessment) -> str:
    return json.dumps([r.as_json() for r in assessment.reasons], ensure_ascii=False, sort_keys=True)


def reasons_of(stored: str | None) -> list[Reason]:
    """The stored reasons (``incidents.alarm_level_reasons``) as values; nothing for a bad or empty one."""
    if not stored:
        return []
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    return [Reason.from_json(r) for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _event_row(
    incident_id: int, was: int | None, assessment: Assessment, at: dt.datetime, given: Override | None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "level": int(assessment.level),
        "from": was,
        "decisive": assessment.decisive,
    }
    if given is not None:
        record["override"] = {"level": given.level, "reason": given.reason}
    setting = [[r.code, r.data] for r in assessment.reasons if r.level is not None]
    detail = json.dumps({**record, "reasons": setting}, ensure_ascii=False)
    if len(detail) > 500:  # the record's column: the data points of the deciding reason at least
        decisive = [[r.code, r.data] for r in assessment.reasons if r.code == assessment.decisive][-1:]
        detail = json.dumps({**record, "reasons": decisive}, ensure_ascii=False)
    if len(detail) > 500:
        detail = json.dumps(record, ensure_ascii=False)[:500]
    return {
        "incident_id": incident_id,
        "at": at,
        "actor": given.actor if given else "system",
        "kind": KIND,
        "detail": detail,
    }


# --- the facts, each a single query for all the incidents --------------------------------------------------


async def _triggers(session: AsyncSession, ids: set[int]) -> dict[int, list[Trigger]]:
    rows = await session.execute(
        select(
            Signal.incident_id,
            Signal.received_at,
            Signal.zone,
            Signal.format,
            Signal.event_code,
            Signal.kind,
            Signal.service_type,
        )
        .where(among(session, Signal.incident_id, ids), Signal.kind.in_(("alarm", "note")))
        .order_by(Signal.id)
    )
    found: dict[int, list[Trigger]] = defaultdict(list)
    for incident_id, at, zone, fmt, code, kind, service in rows.all():
        found[incident_id].append(Trigger(at, zone, fmt, code, kind, service))
    return found


async def _attempts(session: AsyncSession, ids: set[int]) -> dict[int, tuple[int, int, int]]:
    """(matches, mismatches, link matches) of the house-code checks and registered questions per incident.
    What a contact does on the SMS link is apart: the contact is off site, so a right code there is no
    resident at the premises and a wrong one no stranger there (outside tester, findings 3 and B)."""
    link = VerificationAttempt.method == "link"
    rows = await session.execute(
        select(
            VerificationAttempt.incident_id,
            func.sum(case((link, 0), (VerificationAttempt.matched, 1), else_=0)),
            func.sum(case((link, 0), (VerificationAttempt.matched, 0), else_=1)),
            func.sum(case((link & VerificationAttempt.matched, 1), else_=0)),
        )
        .where(among(session, VerificationAttempt.incident_id, ids))
        .group_by(VerificationAttempt.incident_id)
    )
    return {i: (int(m or 0), int(n or 0), int(k or 0)) for i, m, n, k in rows.all()}


async def _events(session: AsyncSession, ids: set[int]) -> dict[int, list[IncidentEvent]]:
    rows = await session.scalars(
        select(IncidentEvent)
        .where(among(session, IncidentEvent.incident_id, ids), IncidentEvent.kind.in_(_FACT_EVENTS))
        .order_by(IncidentEvent.id)
    )
    found: dict[int, list[IncidentEvent]] = defaultdict(list)
    for e in rows:
        found[e.incident_id].append(e)
    return found


async def _history(
    session: AsyncSession, premises_ids: set[int], ids: set[int], at: dt.datetime, rule_set: rules.Rules
) -> dict[int, tuple[int, int]]:
    """(false alarms, activations) of each premises in the look-back, the incidents assessed left out."""
    if not premises_ids:
        return {}
    where = [
        among(session, Incident.premises_id, premises_ids),
        Incident.opened_at >= at - rule_set.history,
        Incident.service_type.in_(ACTIVATION_SERVICES),
    ]
    if ids:
        where.append(not_(among(session, Incident.id, ids)))
    counts = (Incident.premises_id, func.sum(case((is_false_alarm(), 1), else_=0)), func.count())
    rows = await session.execute(select(*counts).where(*where).group_by(Incident.premises_id))
    return {p: (int(f or 0), int(n)) for p, f, n in rows.all()}


def _facts(
    service: str,
    verified: bool,
    outcome: str | None,
    triggers: list[Trigger],
    attempts: tuple[int, int, int],
    events: list[IncidentEvent],
    history: tuple[int, int],
    given: Override | None,
) -> Facts:
    facts: dict[str, Any] = {}
    reached: list[str] = []
    answered: list[str] = []
    latest_override: Override | None = None
    for e in events:
        if e.kind == "responder_check":
            needed = e.detail.startswith("authorities needed")
            facts |= {
                "responder_check": "authorities_needed" if needed else "all_clear",
                "responder_check_at": e.at,
                "responder_agencies": _requested(service) if needed else (),
            }
        elif e.kind == "illegal_act":
            facts |= {"camera_intruder": True, "camera_at": e.at}
        elif e.kind == "camera_threat":
            facts |= {"camera_threat": True, "camera_at": e.at}
        elif e.kind == "voice_announcement" and e.detail.startswith("level "):
            risk = e.detail.removeprefix("level ").split(":")[0]
            facts |= {"camera_risk": int(risk) if risk.isdigit() else None, "camera_at": e.at}
        elif e.kind == "contact_reached" and e.actor == LINK_ACTOR:  # an answer on the SMS link, not a call
            answered.append(e.detail.split(" (")[0][:60])
        elif e.kind == "contact_reached":
            reached.append(e.detail.split(" (")[0][:60])
        elif e.kind == "call_list_exhausted":
            facts["contacts_exhausted"] = True
        elif e.kind == "call_outcome":
            facts["outcome_at"] = e.at
        elif e.kind == KIND and (found := _override_in(e)) is not None:
            latest_override = found
    matches, mismatches, link_matches = attempts
    # The incident's verified flag is set by a right code on the link too (so that the operator may call
    # it off); at the premises only a check by phone, IVR or the registered questions says so.
    by_link_only = link_matches > 0 and matches == 0
    return Facts(
        service=service,
        triggers=triggers,
        verified=bool((verified and not by_link_only) or matches),
        verified_remote=link_matches > 0,
        link_answers=tuple(dict.fromkeys(answered)),
        code_mismatches=mismatches,
        outcome=outcome,
        contacts_reached=tuple(dict.fromkeys(reached)),
        false_alarms_12m=history[0],
        activations_12m=history[1],
        override=given or latest_override,
        **facts,
    )


def _requested(service: str) -> tuple[str, ...]:
    """The authorities a responder's "authorities needed" asks for: the service's plan after the check
    (action_plans.PLANS), the registered doctor left out (a contact of the subscriber, not an authority).
    The plan, not the tasks added: an agency already notified after the call is not added twice, yet it
    is still what the responder asks for."""
    plan = next((p for s, p in action_plans.PLANS.items() if s.value == service), None)
    agencies: tuple[action_plans.Agency, ...] = plan.after_check if plan else ()
    return tuple(a.value for a in agencies if a is not action_plans.Agency.DOCTOR)


def _override_in(event: IncidentEvent) -> Override | None:
    try:
        record = json.loads(event.detail)
        given = record["override"]
        return Override(int(given["level"]), str(given["reason"]), event.actor, event.at)
    except (ValueError, KeyError, TypeError):
        return None


def level_word(level: int | None) -> str:
    """The level's short name (a msgid), for the badge's title."""
    return rules.LEVEL_WORDS[Level(level)] if level is not None and level in range(5) else ""


def decisive(reasons: list[Reason]) -> str:
    """The reason that set the final level: the last one that set any."""
    return next((r.code for r in reversed(reasons) if r.level is not None), "alarm")


def explained(incident: Incident, gettext: Callable[[str], str]) -> dict[str, Any]:
    """The level, its sentence and its reasons in the reader's words (the API passes English)."""
    reasons = reasons_of(incident.alarm_level_reasons)
    level = incident.alarm_level
    return {
        "alarm_level": level,
        "alarm_level_reasons": [{**r.as_json(), "text": r.text(gettext)} for r in reasons],
        "alarm_level_sentence": None
        if level is None
        else rules.sentence(level, decisive(reasons), gettext, incident.service_type),
    }
