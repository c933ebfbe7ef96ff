"""Timers as deadline rows (never in-memory tasks): life watch, the set-forget check, the return call.

- Life watch (service H): every signal from the premises but the panel's own periodic test is a state
  change of the equipment and moves the deadline to its time + the subscriber's hours (default 12); at
  the deadline a life-watch alarm is raised. (A test arrives on the panel's schedule whatever happens
  in the home: counting it would hold the alarm off for ever.)
- Set-forget check: at a trip's departure + grace, if the premises is not armed, an incident asks
  the operator to phone, and a responder to arm it when nobody is home.
- Return call: when the trip ends, an incident asks the operator to phone and report what happened
  during the absence.
The alarms they raise are signals like any other (transport ``timer``), so they follow the same path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.alarms.models import Timer
from control_center.core.bulk import among, insert_new, upsert_many
from control_center.core.db import is_postgresql
from control_center.core.i18n import N_
from control_center.signals.classification import SignalKind
from control_center.signals.service_types import PRIORITY, Priority, ServiceType
from control_center.subscribers.models import PanelAccount, Premises, PremisesService, Trip

LIFE_WATCH, SET_FORGET, RETURN_CALL = "life_watch", "set_forget", "return_call"
DESCRIPTIONS = {
    LIFE_WATCH: N_("no state change within the agreed hours"),
    SET_FORGET: N_("set-forget check: not armed after departure"),
    RETURN_CALL: N_("return call: report what happened during the absence"),
}


async def upsert(
    *, session: AsyncSession, kind: str, premises_id: int, due_at: dt.datetime, trip_id: int = 0
) -> None:
    existing = await session.scalar(
        select(Timer).where(Timer.kind == kind, Timer.premises_id == premises_id, Timer.trip_id == trip_id)
    )
    if existing is None:
        session.add(Timer(kind=kind, premises_id=premises_id, trip_id=trip_id, due_at=due_at))
    else:
        existing.due_at, existing.fired_at = due_at, None


async def touch_life_watch(*, session: AsyncSession, seen: Iterable[tuple[int, dt.datetime]]) -> None:
    """A state change at these premises: push their life-watch deadline out (only where H is subscribed)."""
    latest: dict[int, dt.datetime] = {}
    for premises_id, at in seen:
        latest[premises_id] = max(at, latest.get(premises_id, at))
    if not latest:
        return
    rows = await session.execute(
        select(Premises.id, Premises.life_watch_hours)
        .join(PremisesService, PremisesService.premises_id == Premises.id)
        .where(
            among(session, Premises.id, latest), PremisesService.service_type == ServiceType.LIFE_WATCH.value
        )
    )
    hours = dict(rows.all())  # one row per premises, even if the service were listed twice
    # One statement for the whole group: at 1,000 signals/s a SELECT and an UPDATE per premises
    # was most of the inbox's time.
    await upsert_many(
        session,
        Timer,
        [
            {
                "kind": LIFE_WATCH,
                "premises_id": premises_id,
                "trip_id": 0,
                "due_at": latest[premises_id] + dt.timedelta(hours=hours[premises_id] or 12),
                "fired_at": None,
            }
            for premises_id in sorted(hours)  # a fixed lock order between concurrent workers
        ],
        conflict=("kind", "premises_id", "trip_id"),
        update=("due_at", "fired_at"),
    )


async def schedule_trip(*, session: AsyncSession, trip: Trip) -> None:
    await session.flush()
    if trip.set_forget_check:
        due = trip.departs_at + dt.timedelta(minutes=trip.grace_minutes)
        await upsert(
            session=session, kind=SET_FORGET, premises_id=trip.premises_id, due_at=due, trip_id=trip.id
        )
    await upsert(
        session=session,
        kind=RETURN_CALL,
        premises_id=trip.premises_id,
        due_at=trip.returns_at,
        trip_id=trip.id,
    )


def _signal(account: str, kind: str, timer: Timer, at: dt.datetime) -> dict:
    service = ServiceType.LIFE_WATCH if kind == LIFE_WATCH else ServiceType.BURGLARY
    priority = PRIORITY[service] if kind != RETURN_CALL else Priority.TROUBLE
    return {
        "account": account,
        "message_id": f"timer-{kind}-{timer.trip_id}-{int(timer.due_at.timestamp())}",
        "transport": "timer",
        "received_at": at,
        "panel_time": None,
        "format": "timer",
        "event_code": kind[:8],
        "qualifier": None,
        "partition": 0,
        "zone": 0,
        "device": None,
        "kind": SignalKind.ALARM.value,
        "service_type": service.value,
        "priority": int(priority),
        "description": DESCRIPTIONS[kind],
        "raw": "",
        "processed_at": None,
        "incident_id": None,
    }


async def sweep(*, session: AsyncSession, now: dt.datetime, limit: int = 1000) -> int:
    """Fire the timers that are due; returns how many raised a signal."""
    from control_center.signals.models import Signal

    query = (
        select(Timer).where(Timer.due_at <= now, Timer.fired_at.is_(None)).order_by(Timer.due_at).limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    due = list(await session.scalars(query))
    if not due:
        return 0
    premises_ids = {t.premises_id for t in due}
    accounts = dict(
        (
            await session.execute(
                select(PanelAccount.premises_id, PanelAccount.account).where(
                    PanelAccount.premises_id.in_(premises_ids)
                )
            )
        ).all()
    )
    armed = dict(
        (
            await session.execute(
                select(Premises.id, Premises.arming_state).where(Premises.id.in_(premises_ids))
            )
        ).all()
    )
    hours = dict(
        (
            await session.execute(
                select(Premises.id, Premises.life_watch_hours).where(Premises.id.in_(premises_ids))
            )
        ).all()
    )
    rows = []
    for timer in due:
        account = accounts.get(timer.premises_id)
        if account is None:
            timer.fired_at = now
            continue
        if timer.kind == LIFE_WATCH:
            # A signal stored but not yet processed is a state change too: look before raising.
            latest = await session.scalar(
                select(func.max(Signal.received_at)).where(
                    Signal.account == account, Signal.kind != SignalKind.TEST
                )
            )
            deadline = latest + dt.timedelta(hours=hours.get(timer.premises_id) or 12) if latest else None
            if deadline is not None and deadline > now:
                timer.due_at = deadline
                continue
        timer.fired_at = now
        if timer.kind == SET_FORGET and armed.get(timer.premises_id) == "armed":
            continue  # armed in time: nothing to do
        rows.append(_signal(account, timer.kind, timer, now))
    if rows:
        await insert_new(session, Signal, rows)
    await session.commit()
    return len(rows)
