"""The supervisor's desk, its data side: live figures, bulk handling in a disaster, and the legal alarm
record (the pages and API are ``supervisor_desk/views.py``)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.access.service import names_of
from control_center.core import audit
from control_center.core.i18n import N_
from control_center.incidents.flows import close_by_system, event
from control_center.incidents.models import Incident, IncidentStatus
from control_center.incidents.service import open_key
from control_center.notes.service import count_by_author
from control_center.subscribers.models import Premises
from control_center.supervisor_desk.settled import Settled, settled


@dataclass(frozen=True, slots=True)
class Figures:
    open_by_priority: dict[int, int]
    unclaimed: int
    oldest_unclaimed_seconds: float
    claim_seconds_median: float | None  # receipt → first claim, incidents opened in the last 24 h
    claim_seconds_max: float | None
    by_operator: dict[str, int]
    operators: list[OperatorFigures] = field(default_factory=list)  # over the last ``OPERATOR_WINDOW``
    # Digital verification, last 24 h: settled by the link, by a call or by the operator alone
    # (supervisor_desk/settled.py), and the time to decision.
    verification: Settled = field(default_factory=Settled)


OPERATOR_WINDOW = dt.timedelta(hours=24)  # a day covers every shift pattern of the center


@dataclass(frozen=True, slots=True)
class OperatorFigures:
    """One operator's work in the window: shown by name, kept by login."""

    login: str
    name: str
    claimed: int  # incidents they claimed in the window
    claim_seconds_median: float | None  # receipt → their claim
    closed: int  # incidents they held that were closed in the window
    open_now: int
    notes: int  # notes they wrote in the window


async def operator_figures(
    *, session: AsyncSession, now: dt.datetime, window: dt.timedelta = OPERATOR_WINDOW
) -> list[OperatorFigures]:
    since = now - window
    rows = list(
        await session.execute(
            select(Incident.claimed_by, Incident.opened_at, Incident.claimed_at, Incident.closed_at).where(
                Incident.claimed_by.is_not(None),
                (Incident.claimed_at >= since) | (Incident.closed_at >= since) | Incident.closed_at.is_(None),
            )
        )
    )
    notes = await count_by_author(session=session, since=since)
    logins = {r.claimed_by for r in rows} | set(notes)
    names = await names_of(session=session, logins=logins)
    out = []
    for login in logins:
        mine = [r for r in rows if r.claimed_by == login]
        claims = [r for r in mine if r.claimed_at is not None and r.claimed_at >= since]
        waits = [(r.claimed_at - r.opened_at).total_seconds() for r in claims]
        out.append(
            OperatorFigures(
                login=login,
                name=names.get(login, login),
                claimed=len(waits),
                claim_seconds_median=statistics.median(waits) if waits else None,
                closed=sum(1 for r in mine if r.closed_at is not None and r.closed_at >= since),
                open_now=sum(1 for r in mine if r.closed_at is None),
                notes=notes.get(login, 0),
            )
        )
    return sorted(out, key=lambda o: (o.name, o.login))


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
        await operator_figures(session=session, now=now),
        await settled(session=session, now=now),
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


LIFE_SAFETY_SERVICES = frozenset({"B", "C", "D", "E"})
UNDO_WINDOW = dt.timedelta(minutes=15)
BULK = "bulk: "  # how a bulk close starts its close reason (the undo finds them by it)


def _check(services: set[str], reason: str | None = None) -> None:
    if reason is not None and not reason.strip():
        raise ValueError(N_("a bulk action needs its reason"))
    if not services:
        raise ValueError(N_("choose the services to handle in bulk"))
    if services & LIFE_SAFETY_SERVICES:
        raise ValueError(N_("fire, emergency, medical and gas incidents are never closed in bulk"))


async def bulk_matches(
    *, session: AsyncSession, services: set[str], description: str | None, area: Area
) -> list[Incident]:
    """Disaster mode's preview: the unclaimed open incidents of these services (and event, as the
    queue shows it) in the area — what a bulk close would close. Life-safety services never match."""
    _check(services)
    query = (
        select(Incident)
        .where(
            Incident.closed_at.is_(None), Incident.claimed_by.is_(None), Incident.service_type.in_(services)
        )
        .options(selectinload(Incident.premises))
        .order_by(Incident.opened_at, Incident.id)
    )
    if description:
        query = query.where(Incident.description == description)
    return [incident for incident in await session.scalars(query) if area.holds(incident.premises)]


async def bulk_close(
    *,
    session: AsyncSession,
    supervisor: str,
    services: set[str],
    description: str | None,
    area: Area,
    reason: str,
    at: dt.datetime,
    previewed: set[int] | None = None,
) -> list[int]:
    """Disaster mode: close the selected kinds of unclaimed incidents in an area with one audited action
    (e.g. power-loss signals after an earthquake). Only what still matches and was ``previewed`` (the
    ids the supervisor saw and confirmed) is closed; life-safety services never. ``bulk_undo`` reopens
    them within ``UNDO_WINDOW``."""
    _check(services, reason)
    matching = await bulk_matches(session=session, services=services, description=description, area=area)
    closed = []
    for incident in matching:
        if previewed is not None and incident.id not in previewed:
            continue  # arrived after the preview: the supervisor has not seen it
        await session.refresh(incident, ["events"])
        event(incident, at, supervisor, "bulk_closed", reason)
        close_by_system(incident, at, f"{BULK}{reason}")
        closed.append(incident.id)
    what = f"closed {len(closed)} ({','.join(sorted(services))}, {description or '*'}, {area}): {reason}"
    audit.changed(session, supervisor, "incidents:bulk", what, at=at)
    await session.commit()
    return closed


async def bulk_undo(*, session: AsyncSession, supervisor: str, ids: set[int], at: dt.datetime) -> list[int]:
    """Reopen incidents a bulk close closed less than ``UNDO_WINDOW`` ago, unless a new incident for the
    same premises and service has opened meanwhile (the new one carries on)."""
    query = select(Incident).where(
        Incident.id.in_(ids), Incident.closed_at >= at - UNDO_WINDOW, Incident.close_reason.startswith(BULK)
    )
    reopened = []
    for incident in await session.scalars(query.options(selectinload(Incident.events))):
        key = open_key(premises_id=incident.premises_id, account=incident.account,
                       service_type=incident.service_type)  # fmt: skip
        if await session.scalar(select(Incident.id).where(Incident.open_key == key)) is not None:
            continue
        incident.closed_at, incident.close_reason, incident.open_key = None, None, key
        incident.status = IncidentStatus.RECEIVED
        event(incident, at, supervisor, "bulk_undone", "")
        reopened.append(incident.id)
    what = f"reopened {len(reopened)}: {sorted(reopened)}"
    audit.changed(session, supervisor, "incidents:bulk", what, at=at)
    await session.commit()
    return reopened
