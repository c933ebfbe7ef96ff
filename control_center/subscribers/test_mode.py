"""Test mode ("on test"): a technician tests a premises' panel end to end; while on test, the signals of
the zones under test are stored as always (the legal record) and recorded as the test's results, but
open no incident. A test always has an end, at most ``MAX_TEST`` ahead, and expires by itself: whether a
signal falls in a test is judged from its own receipt time against the period, so no job ends a test,
and a signal received after the end is worked even if the inbox reaches it later.

What a test suppresses (field practice, EN 50131 / BS 8243 maintenance: a technician announces what
they will trip; standards.md has no rule of its own): only the zones the technician announced (or the
whole premises when none are named). A fire from a zone under test is the test; a fire, a hold-up or
any alarm from a zone NOT announced is worked as always. Panel-wide signals (zone 0: mains, tamper,
duress by user code) are suppressed only by a whole-premises test. During commissioning the premises
is not yet in service: every panel signal is a test result until it is active (subscribers/
commissioning.py). Openings/closings still set the arming state; periodic tests and logs are unaffected;
anything the center raises itself (transport "center", e.g. the service tasks) is never suppressed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core import audit
from control_center.core.bulk import among
from control_center.core.errors import Refused
from control_center.subscribers import commissioning
from control_center.subscribers.models import Premises, PremisesZone, TestPeriod, TestSignal

MAX_TEST = dt.timedelta(hours=24)  # a technician's visit; a longer "test" is a disabled alarm
MAX_ANNOUNCED = 40  # zones named in one test (the rest of a panel's zones: test the whole premises)
DIVERTED_KINDS = frozenset({commissioning.ALARM, commissioning.RESTORE})


class SignalRow(Protocol):
    """What ``divert`` reads of a stored signal (a row of ``signals``, a layer above)."""

    id: int
    account: str
    transport: str
    zone: int
    kind: str
    service_type: str | None
    description: str
    received_at: dt.datetime


def check_period(starts_at: dt.datetime, ends_at: dt.datetime | None, now: dt.datetime) -> None:
    """Pure: a test has an end, after its start and after now, at most ``MAX_TEST`` after its start."""
    if ends_at is None:
        raise Refused("a test needs an end time")
    if ends_at.tzinfo is None:
        raise Refused("give the end time with its time zone")
    if ends_at <= now or ends_at <= starts_at:
        raise Refused("the end time has passed")
    if ends_at - starts_at > MAX_TEST:
        raise Refused("a test lasts at most %(hours)d hours", hours=int(MAX_TEST.total_seconds() // 3600))


def zones_text(zones: Iterable[int] | None) -> str | None:
    return ",".join(str(z) for z in sorted(set(zones))) if zones else None


def covers(zones: str | None, zone: int) -> bool:
    """Pure: does a test of ``zones`` (NULL: the whole premises) cover a signal of ``zone``?"""
    if zones is None:
        return True
    return str(zone) in zones.split(",")


@dataclass(frozen=True, slots=True)
class Window:
    period_id: int | None  # None: commissioning
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    zones: str | None

    def takes(self, signal: SignalRow) -> bool:
        if self.period_id is None:
            return True
        assert self.starts_at is not None and self.ends_at is not None
        return self.starts_at <= signal.received_at < self.ends_at and covers(self.zones, signal.zone)


async def put_on_test(
    *,
    session: AsyncSession,
    premises_id: int,
    ends_at: dt.datetime | None,
    zones: Sequence[int] | None,
    reason: str,
    technician: str,
    actor: str,
    now: dt.datetime,
) -> TestPeriod:
    """A test from now until ``ends_at`` of the announced zones (None: the whole premises); audited.
    Refused without an end, with one in the past or beyond ``MAX_TEST``, or with unconfigured zones when
    zones are configured. Not committed."""
    check_period(now, ends_at, now)
    assert ends_at is not None
    if not reason.strip() or not technician.strip():
        raise Refused("say who tests and why")
    if await session.get(Premises, premises_id) is None:
        raise Refused("no such premises: %(id)d", id=premises_id)
    if zones:
        if len(set(zones)) > MAX_ANNOUNCED:
            raise Refused("at most %(n)d zones in one test", n=MAX_ANNOUNCED)
        if any(not 1 <= z <= commissioning.MAX_ZONES for z in zones):
            raise Refused("a zone is a number from 1 to 999: %(item)s", item=str(max(zones)))
        configured = set(
            await session.scalars(select(PremisesZone.zone).where(PremisesZone.premises_id == premises_id))
        )
        if configured and (unknown := sorted(set(zones) - configured)):
            raise Refused("zone %(zone)d is not configured for these premises", zone=unknown[0])
    period = TestPeriod(
        premises_id=premises_id,
        starts_at=now,
        ends_at=ends_at,
        zones=zones_text(zones),
        reason=reason.strip()[:200],
        technician=technician.strip()[:100],
        created_by=actor,
        created_at=now,
    )
    session.add(period)
    await session.flush()
    audit.changed(session, actor, f"premises:{premises_id}",
                  f"on test until {ends_at.isoformat()} zones {period.zones or 'all'} by {period.technician}:"
                  f" {period.reason}", at=now)  # fmt: skip
    return period


async def end_test(*, session: AsyncSession, premises_id: int, actor: str, now: dt.datetime) -> int:
    """End the premises' running tests now (the technician is done early); audited; returns how many."""
    result = await session.execute(
        update(TestPeriod)
        .where(TestPeriod.premises_id == premises_id, TestPeriod.starts_at <= now, TestPeriod.ends_at > now)
        .values(ends_at=now)
        .execution_options(synchronize_session=False)
    )
    ended = int(getattr(result, "rowcount", 0) or 0)
    if ended:
        audit.changed(session, actor, f"premises:{premises_id}", "test ended", at=now)
    return ended


async def divert(
    session: AsyncSession, signals: Sequence[SignalRow], premises: Mapping[str, int]
) -> set[int]:
    """The inbox's hook, set-wise: of a group of stored signals, those of a premises in commissioning or
    on test (of their zone, at their receipt time) are recorded as test results (``test_signals``) and
    returned: the caller marks them processed with no incident. One query for the whole group, and one
    INSERT when any signal was a test's."""
    candidates = [
        s for s in signals
        if s.kind in DIVERTED_KINDS and s.transport != "center" and s.account in premises
    ]  # fmt: skip
    if not candidates:
        return set()
    earliest = min(s.received_at for s in candidates)
    latest = max(s.received_at for s in candidates)
    rows = await session.execute(
        select(
            Premises.id,
            Premises.status,
            TestPeriod.id,
            TestPeriod.starts_at,
            TestPeriod.ends_at,
            TestPeriod.zones,
        )
        .outerjoin(
            TestPeriod,
            and_(
                TestPeriod.premises_id == Premises.id,
                TestPeriod.ends_at > earliest,
                TestPeriod.starts_at <= latest,
            ),
        )
        .where(
            among(session, Premises.id, {premises[s.account] for s in candidates}),
            or_(Premises.status == commissioning.COMMISSIONING, TestPeriod.id.is_not(None)),
        )
    )
    windows: dict[int, list[Window]] = {}
    for premises_id, status, period_id, starts_at, ends_at, zones in rows.all():
        if status == commissioning.COMMISSIONING:
            windows[premises_id] = [Window(None, None, None, None)]
        elif premises_id not in windows or windows[premises_id][0].period_id is not None:
            windows.setdefault(premises_id, []).append(Window(period_id, starts_at, ends_at, zones))
    if not windows:
        return set()
    results: list[dict[str, Any]] = []
    for s in candidates:
        premises_id = premises[s.account]
        window = next((w for w in windows.get(premises_id, ()) if w.takes(s)), None)
        if window is None:
            continue
        results.append({
            "premises_id": premises_id, "test_period_id": window.period_id, "signal_id": s.id,
            "account": s.account, "zone": s.zone, "kind": s.kind, "service_type": s.service_type,
            "description": (s.description or "")[:100], "received_at": s.received_at,
        })  # fmt: skip
    if not results:
        return set()
    await session.execute(insert(TestSignal), results)
    in_commissioning = {r["premises_id"] for r in results if r["test_period_id"] is None}
    await commissioning.promote_complete(session=session, premises_ids=in_commissioning,
                                         at=max(r["received_at"] for r in results))  # fmt: skip
    return {r["signal_id"] for r in results}


@dataclass(frozen=True, slots=True)
class TestView:
    """A test period with what it recorded, for the technician's page."""

    __test__ = False  # not a pytest test class

    period: TestPeriod
    running: bool
    zones: list[commissioning.ZoneResult]
    signals: list[TestSignal]


async def tests_of(
    *, session: AsyncSession, premises_id: int, now: dt.datetime, limit: int = 10
) -> list[TestView]:
    """The premises' latest tests, newest first, each with its results per zone (configured zones, or the
    zones that reported when none are configured)."""
    periods = list(
        await session.scalars(
            select(TestPeriod)
            .where(TestPeriod.premises_id == premises_id)
            .order_by(TestPeriod.starts_at.desc(), TestPeriod.id.desc())
            .limit(limit)
        )
    )
    if not periods:
        return []
    configured = [
        (z, name)
        for z, name in (
            await session.execute(
                select(PremisesZone.zone, PremisesZone.name)
                .where(PremisesZone.premises_id == premises_id)
                .order_by(PremisesZone.zone)
            )
        ).all()
    ]
    recorded = list(
        await session.scalars(
            select(TestSignal)
            .where(among(session, TestSignal.test_period_id, [p.id for p in periods]))
            .order_by(TestSignal.received_at, TestSignal.id)
        )
    )
    views = []
    for period in periods:
        mine = [r for r in recorded if r.test_period_id == period.id]
        zones = [(z, n) for z, n in configured if covers(period.zones, z)] or [
            (z, "") for z in sorted({r.zone for r in mine if r.zone})
        ]
        reported = [(r.zone, r.kind, r.received_at) for r in mine]
        running = period.starts_at <= now < period.ends_at
        views.append(TestView(period, running, commissioning.zone_results(zones, reported), mine))
    return views


async def due_for_test(
    *, session: AsyncSession, now: dt.datetime, interval: dt.timedelta
) -> list[tuple[Premises, dt.datetime | None]]:
    """Active premises whose last end-to-end test (a restore recorded in a test or at commissioning, or
    commissioning itself) is older than ``interval``, or that were never tested; oldest first."""
    last = (
        select(TestSignal.premises_id, TestSignal.received_at)
        .where(TestSignal.kind == commissioning.RESTORE)
        .subquery()
    )
    latest = (
        select(last.c.premises_id, func.max(last.c.received_at).label("at"))
        .group_by(last.c.premises_id)
        .subquery()
    )
    rows = await session.execute(
        select(Premises, latest.c.at)
        .outerjoin(latest, latest.c.premises_id == Premises.id)
        .where(Premises.status == commissioning.ACTIVE)
        .order_by(Premises.id)
    )
    due: list[tuple[Premises, dt.datetime | None]] = []
    for place, tested_at in rows.all():
        candidates = [t for t in (tested_at, place.commissioned_at) if t is not None]
        last_test = max(candidates) if candidates else None
        if last_test is None or now - last_test > interval:
            due.append((place, last_test))
    due.sort(key=lambda r: (r[1] is not None, r[1] or now, r[0].id))
    return due
