"""The supervisor's desk, its data side: live figures, bulk handling in a disaster, and the legal alarm
record (the pages and API are ``supervisor_desk/views.py``)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.core import audit
from control_center.incidents.flows import close_by_system, event
from control_center.incidents.models import Incident
from control_center.subscribers.models import Premises


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
