"""What settled the incidents that got a verification link, for the supervisor's figures: the link (a contact
cancelled with the house code or asked for help), a call (someone was reached by phone — the operator's
call answered or the IVR acknowledged — and the call's outcome, if any, came after), or the operator alone
(an outcome recorded or the incident closed without anyone reached by phone). An operator's manual
「異常確認」 is not a phone decision: counting it as one would flatter the voice path.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.incidents.models import Incident, IncidentEvent
from control_center.telephony.models import ContactAttempt, VerificationLink
from control_center.telephony.verification import ACTOR as LINK_ACTOR

LINK, VOICE, OPERATOR = "link", "voice", "operator"


@dataclass(frozen=True, slots=True)
class Settled:
    links_sent: int = 0
    by_link: int = 0
    by_voice: int = 0
    by_operator: int = 0
    undecided: int = 0
    link_seconds_median: float | None = None
    voice_seconds_median: float | None = None

    @property
    def link_share(self) -> float | None:
        decided = self.by_link + self.by_voice + self.by_operator
        return self.by_link / decided if decided else None


def decided_by(
    *,
    link_state: str,
    link_settled_at: dt.datetime | None,
    reached_at: dt.datetime | None,
    outcome_ats: list[dt.datetime],
    closed_at: dt.datetime | None,
) -> tuple[str, dt.datetime] | None:
    """Pure: what decided one incident and when; None while undecided."""
    if link_state in ("cancelled", "help") and link_settled_at is not None:
        return LINK, link_settled_at
    if reached_at is not None:
        after = [t for t in outcome_ats if t >= reached_at]
        return VOICE, min(after) if after else reached_at
    if outcome_ats:
        return OPERATOR, min(outcome_ats)
    if closed_at is not None:
        return OPERATOR, closed_at
    return None


async def settled(
    *, session: AsyncSession, now: dt.datetime, window: dt.timedelta = dt.timedelta(hours=24)
) -> Settled:
    rows = list(
        await session.execute(
            select(
                VerificationLink.incident_id,
                VerificationLink.state,
                VerificationLink.settled_at,
                Incident.opened_at,
                Incident.closed_at,
            )
            .join(Incident, Incident.id == VerificationLink.incident_id)
            .where(VerificationLink.created_at >= now - window)
        )
    )
    if not rows:
        return Settled()
    ids = [r.incident_id for r in rows]
    reached: dict[int, dt.datetime] = {}

    def earliest(incident_id: int, at: dt.datetime | None) -> None:
        if at is not None and (incident_id not in reached or at < reached[incident_id]):
            reached[incident_id] = at

    answered = await session.execute(
        select(ContactAttempt.incident_id, func.min(ContactAttempt.answered_at))
        .where(
            ContactAttempt.incident_id.in_(ids),
            ContactAttempt.channel == "voice",
            ContactAttempt.answered_at.is_not(None),
        )
        .group_by(ContactAttempt.incident_id)
    )
    for incident_id, at in answered.all():
        earliest(incident_id, at)
    outcomes: dict[int, list[dt.datetime]] = defaultdict(list)
    events = await session.execute(
        select(IncidentEvent.incident_id, IncidentEvent.kind, IncidentEvent.at).where(
            IncidentEvent.incident_id.in_(ids),
            IncidentEvent.kind.in_(("call_outcome", "contact_reached")),
            IncidentEvent.actor != LINK_ACTOR,
        )
    )
    for incident_id, kind, at in events.all():
        if kind == "contact_reached":
            earliest(incident_id, at)
        else:
            outcomes[incident_id].append(at)
    seconds: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        found = decided_by(
            link_state=r.state,
            link_settled_at=r.settled_at,
            reached_at=reached.get(r.incident_id),
            outcome_ats=outcomes.get(r.incident_id, []),
            closed_at=r.closed_at,
        )
        if found is not None:
            seconds[found[0]].append((found[1] - r.opened_at).total_seconds())
    decided = sum(len(v) for v in seconds.values())
    return Settled(
        links_sent=len(rows),
        by_link=len(seconds[LINK]),
        by_voice=len(seconds[VOICE]),
        by_operator=len(seconds[OPERATOR]),
        undecided=len(rows) - decided,
        link_seconds_median=statistics.median(seconds[LINK]) if seconds[LINK] else None,
        voice_seconds_median=statistics.median(seconds[VOICE]) if seconds[VOICE] else None,
    )
