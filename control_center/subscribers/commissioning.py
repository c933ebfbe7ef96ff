"""Commissioning: a new premises becomes "active" only when every configured zone has sent an alarm and a
restore end to end (a miswired fire line at a Yokohama hotel went untested for 3.5 years: standards.md,
Japan). Until then its panel's signals are stored as always and recorded as test results, not worked
(subscribers/test_mode.py ``divert``, called by the inbox).

"End to end" means through the gateway: only signals the panel sent and the gateway stored count (the
``test_signals`` rows the inbox writes), never anything typed in or raised by the center itself.
The rules (``zone_results``, ``parse_zones``) are pure; the rest reads and writes the premises' rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core import audit
from control_center.core.bulk import among
from control_center.core.errors import Refused
from control_center.subscribers.models import Premises, PremisesZone, TestSignal

COMMISSIONING = "commissioning"
ACTIVE = "active"
MAX_ZONES = 999  # Contact ID zones are three digits
ALARM, RESTORE = "alarm", "restore"  # signals/classification.py SignalKind values (a layer above)


@dataclass(frozen=True, slots=True)
class ZoneResult:
    zone: int
    name: str
    alarm_at: dt.datetime | None
    restore_at: dt.datetime | None

    @property
    def tested(self) -> bool:
        """An alarm and, after it, its restore: the zone is wired, reported and cleared end to end."""
        return self.alarm_at is not None and self.restore_at is not None and self.restore_at >= self.alarm_at

    @property
    def result(self) -> str:
        """What the page says of the zone: ``tested``, ``alarm_only`` (no restore after the alarm yet),
        ``restore_only`` (a restore with no alarm before it) or ``untested`` (nothing received)."""
        if self.tested:
            return "tested"
        if self.alarm_at is not None:
            return "alarm_only"
        return "restore_only" if self.restore_at is not None else "untested"


@dataclass(frozen=True, slots=True)
class Progress:
    premises_id: int
    status: str
    since: dt.datetime | None
    commissioned_at: dt.datetime | None
    zones: list[ZoneResult]

    @property
    def complete(self) -> bool:
        return bool(self.zones) and all(z.tested for z in self.zones)

    @property
    def missing(self) -> list[int]:
        return [z.zone for z in self.zones if not z.tested]


def parse_zones(text: str) -> list[tuple[int, str]]:
    """``"1:玄関,5:火災感知器"`` (or one zone number per item) → [(1, "玄関"), (5, "火災感知器")];
    refused on anything else, a duplicate or a zone outside 1–999."""
    zones: dict[int, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        number, _, name = item.partition(":")
        if not number.strip().isdigit() or not 1 <= int(number) <= MAX_ZONES:
            raise Refused("a zone is a number from 1 to 999: %(item)s", item=item[:20])
        if int(number) in zones:
            raise Refused("zone %(zone)d is named twice", zone=int(number))
        zones[int(number)] = name.strip()[:100]
    if not zones:
        raise Refused("name at least one zone")
    return sorted(zones.items())


def zone_results(
    zones: Iterable[tuple[int, str]], reported: Iterable[tuple[int, str, dt.datetime]]
) -> list[ZoneResult]:
    """Pure: per configured zone, its first alarm and the first restore after it, from (zone, kind, at)."""
    alarms: dict[int, dt.datetime] = {}
    restores: dict[int, dt.datetime] = {}
    for zone, kind, at in sorted(reported, key=lambda r: r[2]):
        if kind == ALARM:
            alarms.setdefault(zone, at)
        elif kind == RESTORE and zone in alarms:
            restores.setdefault(zone, at)
    return [ZoneResult(z, name, alarms.get(z), restores.get(z)) for z, name in zones]


async def _premises(session: AsyncSession, premises_id: int) -> Premises:
    premises = await session.get(Premises, premises_id)
    if premises is None:
        raise Refused("no such premises: %(id)d", id=premises_id)
    return premises


async def configure_zones(
    *, session: AsyncSession, premises_id: int, zones: list[tuple[int, str]], actor: str, at: dt.datetime
) -> None:
    """Replace the premises' configured zones (the installer's zone list); audited. Not committed."""
    await _premises(session, premises_id)
    await session.execute(delete(PremisesZone).where(PremisesZone.premises_id == premises_id))
    session.add_all(PremisesZone(premises_id=premises_id, zone=z, name=name) for z, name in zones)
    detail = ", ".join(f"{z}:{name}" for z, name in zones)
    audit.changed(session, actor, f"premises:{premises_id}", f"zones configured: {detail}", at=at)


async def start(*, session: AsyncSession, premises_id: int, actor: str, at: dt.datetime) -> None:
    """Put the premises into commissioning from now: its signals are test results until every configured
    zone has reported an alarm and a restore. Refused without configured zones. Not committed."""
    premises = await _premises(session, premises_id)
    count = len(
        list(await session.scalars(select(PremisesZone.id).where(PremisesZone.premises_id == premises_id)))
    )
    if not count:
        raise Refused("configure the premises' zones first")
    premises.status = COMMISSIONING
    premises.commissioning_since = at
    premises.commissioned_at = None
    audit.changed(session, actor, f"premises:{premises_id}", f"commissioning started ({count} zones)", at=at)


async def progress(*, session: AsyncSession, premises_id: int) -> Progress:
    """Which configured zones have reported an alarm and a restore end to end since commissioning began."""
    premises = await _premises(session, premises_id)
    return (await _progress_many(session, [premises]))[premises_id]


async def _progress_many(session: AsyncSession, places: list[Premises]) -> dict[int, Progress]:
    ids = [p.id for p in places]
    zones: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    for premises_id, zone, name in (
        await session.execute(
            select(PremisesZone.premises_id, PremisesZone.zone, PremisesZone.name)
            .where(among(session, PremisesZone.premises_id, ids))
            .order_by(PremisesZone.zone)
        )
    ).all():
        zones[premises_id].append((zone, name))
    reported: dict[int, list[tuple[int, str, dt.datetime]]] = {i: [] for i in ids}
    since = {p.id: p.commissioning_since for p in places}
    earliest = min((s for s in since.values() if s is not None), default=None)
    if earliest is not None:
        rows = await session.execute(
            select(TestSignal.premises_id, TestSignal.zone, TestSignal.kind, TestSignal.received_at).where(
                among(session, TestSignal.premises_id, ids),
                TestSignal.received_at >= earliest,
                TestSignal.test_period_id.is_(None),
            )
        )
        for premises_id, zone, kind, at in rows.all():
            start_at = since[premises_id]
            if start_at is not None and at >= start_at:
                reported[premises_id].append((zone, kind, at))
    return {
        p.id: Progress(
            p.id,
            p.status,
            p.commissioning_since,
            p.commissioned_at,
            zone_results(zones[p.id], reported[p.id]),
        )
        for p in places
    }


async def promote_complete(
    *, session: AsyncSession, premises_ids: Iterable[int], at: dt.datetime
) -> list[int]:
    """The premises among ``premises_ids`` in commissioning whose every zone has now reported become
    active (audited as the system); returns them. Called by the inbox after it recorded test results."""
    ids = set(premises_ids)
    if not ids:
        return []
    places = list(
        await session.scalars(
            select(Premises).where(among(session, Premises.id, ids), Premises.status == COMMISSIONING)
        )
    )
    if not places:
        return []
    promoted = []
    for premises_id, state in (await _progress_many(session, places)).items():
        if state.complete:
            place = next(p for p in places if p.id == premises_id)
            place.status = ACTIVE
            place.commissioned_at = at
            zones = ", ".join(str(z.zone) for z in state.zones)
            detail = f"commissioned: zones {zones} tested end to end"
            audit.changed(session, "system", f"premises:{premises_id}", detail, at=at)
            promoted.append(premises_id)
    return promoted
