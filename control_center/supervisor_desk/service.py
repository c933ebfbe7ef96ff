"""The supervisor's desk, its data side: live figures, bulk handling in a disaster, and the legal alarm
record (the pages and API are ``supervisor_desk/views.py``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.core import audit
from control_center.core.timezones import TOKYO
from control_center.incidents.flows import close_by_system, event
from control_center.incidents.models import Incident
from control_center.subscribers.models import Premises
from dispatch import coverage
from dispatch.models import Assignment, CoverageLimit, Responder


@dataclass(frozen=True, slots=True)
class Figures:
    open_by_priority: dict[int, int]
    unclaimed: int
    oldest_unclaimed_seconds: float
    claim_seconds_median: float | None  # receipt → first claim, incidents opened in the last 24 h
    claim_seconds_max: float | None
    by_operator: dict[str, int]


async def figures(*, session: AsyncSession, now: dt.datetime) -> Figures:
    open_rows = list(await session.scalars(select(Incident).where(Incident.closed_at.is_(None))))
    by_priority: dict[int, int] = {}
    by_operator: dict[str, int] = {}
    for i in open_rows:
        by_priority[i.priority] = by_priority.get(i.priority, 0) + 1
        if i.claimed_by:
            by_operator[i.claimed_by] = by_operator.get(i.claimed_by, 0) + 1
    unclaimed = [i for i in open_rows if i.claimed_by is None]
    oldest = max(((now - i.opened_at).total_seconds() for i in unclaimed), default=0.0)
    claimed = await session.execute(
        select(Incident.opened_at, Incident.claimed_at).where(
            Incident.opened_at >= now - dt.timedelta(hours=24), Incident.claimed_at.is_not(None)
        )
    )
    waits = [(c - o).total_seconds() for o, c in claimed.all()]
    return Figures(
        dict(sorted(by_priority.items())),
        len(unclaimed),
        oldest,
        statistics.median(waits) if waits else None,
        max(waits) if waits else None,
        dict(sorted(by_operator.items())),
    )


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(a))


@dataclass(frozen=True, slots=True)
class Area:
    address_contains: str | None = None
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None

    def holds(self, premises: Premises | None) -> bool:
        if premises is None:
            return False
        if self.address_contains and self.address_contains not in premises.address:
            return False
        if self.lat is not None and self.lon is not None and self.radius_km is not None:
            return _distance_km(self.lat, self.lon, premises.lat, premises.lon) <= self.radius_km
        return bool(self.address_contains)


async def bulk_close(
    *,
    session: AsyncSession,
    supervisor: str,
    services: set[str],
    description: str | None,
    area: Area,
    reason: str,
    at: dt.datetime,
) -> list[int]:
    """Disaster mode: close the selected kinds of unclaimed incidents in an area with one audited action
    (e.g. power-loss signals after an earthquake). Life-safety services cannot be bulk-closed."""
    if not reason.strip():
        raise ValueError("a bulk action needs its reason")
    if services & {"B", "C", "D", "E"}:
        raise ValueError("fire, emergency, medical and gas incidents are never closed in bulk")
    query = (
        select(Incident)
        .where(
            Incident.closed_at.is_(None), Incident.claimed_by.is_(None), Incident.service_type.in_(services)
        )
        .options(selectinload(Incident.premises), selectinload(Incident.events))
    )
    if description:
        query = query.where(Incident.description == description)
    closed = []
    for incident in await session.scalars(query):
        if area.holds(incident.premises):
            event(incident, at, supervisor, "bulk_closed", reason)
            close_by_system(incident, at, f"bulk: {reason}")
            closed.append(incident.id)
    what = f"closed {len(closed)} ({','.join(sorted(services))}, {description or '*'}, {area}): {reason}"
    audit.changed(session, supervisor, "incidents:bulk", what, at=at)
    await session.commit()
    return closed


async def records_csv(*, session: AsyncSession, start: dt.date, end: dt.date, default_limit: int = 25) -> str:
    """The legal alarm record (Security Business Act art. 44) for alarms received on JST dates
    ``start``–``end``: receipt, premises, each measure with its time, result, minutes to arrival
    against the area's limit, and who was sent."""
    since = dt.datetime.combine(start, dt.time(), TOKYO)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), TOKYO)
    rows = await session.scalars(
        select(Incident)
        .where(Incident.opened_at >= since, Incident.opened_at < until)
        .order_by(Incident.opened_at, Incident.id)
        .options(
            selectinload(Incident.events), selectinload(Incident.premises).selectinload(Premises.subscriber)
        )
    )
    rows = list(rows)
    limits = [
        coverage.Limit(r.prefecture, r.area, r.minutes) for r in await session.scalars(select(CoverageLimit))
    ]
    names: dict[int, list[str]] = {}
    sent = select(Assignment.incident_id, Responder.name).join(
        Responder, Responder.id == Assignment.responder_id
    )
    for incident_id, name in await session.execute(
        sent.where(Assignment.incident_id.in_([i.id for i in rows])).order_by(Assignment.id)
    ):
        names.setdefault(incident_id, []).append(name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "incident",
            "received_jst",
            "service",
            "event",
            "subscriber",
            "address",
            "measures",
            "result",
            "minutes_to_arrival",
            "limit_minutes",
            "within_limit",
            "responder",
        ]
    )
    for i in rows:
        measures = " / ".join(
            f"{e.at.astimezone(TOKYO):%H:%M:%S} {e.actor} {e.kind} {e.detail}".strip() for e in i.events
        )
        arrival = (
            f"{(i.responder_on_site_at - i.opened_at).total_seconds() / 60:.1f}"
            if i.responder_on_site_at
            else ""
        )
        result = i.status + (f": {i.close_reason}" if i.close_reason else "")
        premises = i.premises
        limit = coverage.limit_for(limits, premises.address, default_limit) if premises else default_limit
        within = ""
        if i.responder_on_site_at:
            within = "yes" if (i.responder_on_site_at - i.opened_at).total_seconds() / 60 <= limit else "no"
        writer.writerow(
            [
                i.id,
                f"{i.opened_at.astimezone(TOKYO):%Y-%m-%d %H:%M:%S}",
                i.service_type,
                i.description,
                premises.subscriber.name if premises else "",
                premises.address if premises else i.account,
                measures,
                result,
                arrival,
                limit,
                within,
                " / ".join(names.get(i.id, [])),
            ]
        )
    return out.getvalue()
