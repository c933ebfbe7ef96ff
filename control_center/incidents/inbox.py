"""Working the signal inbox: stored signals become incidents and arming states, most urgent first.

The inbox is the ``signals`` table (``signals/models.py``), which the gateway fills through
``signals/intake.py``; this worker reads it, and only here do signals touch incidents.

Rows, not tasks: a signal is unprocessed until a worker commits it processed, so a restart loses
nothing. Several workers share the inbox on PostgreSQL through ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from control_center.alarms import timers
from control_center.core.bulk import among
from control_center.core.db import is_postgresql, utcnow
from control_center.core.tasks import stop_if_cancelled
from control_center.incidents import flows
from control_center.incidents import service as incidents
from control_center.incidents.models import Incident
from control_center.signals.classification import POWER_LOSS, SignalKind, note_for
from control_center.signals.models import Signal
from control_center.signals.service_types import Priority
from control_center.subscribers import service as subscribers
from control_center.subscribers.models import Premises

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runaway:
    """A device sending more than ``limit`` alarms within ``window`` has its further alarms held
    for ``hold`` (still stored; processed when the hold ends). Life-safety alarms are never held."""

    limit: int = 25
    window: dt.timedelta = dt.timedelta(minutes=5)
    hold: dt.timedelta = dt.timedelta(minutes=5)


POWER_RESTORE_WINDOW = dt.timedelta(minutes=15)  # a power loss restored within this closes itself


async def _recent_counts(
    session: AsyncSession, signals: list[Signal], since: dt.datetime
) -> dict[tuple, int]:
    pairs = {(s.account, s.zone) for s in signals if s.kind == SignalKind.ALARM}
    if not pairs:
        return {}
    rows = await session.execute(
        select(Signal.account, Signal.zone, func.count())
        .where(
            among(session, Signal.account, {a for a, _ in pairs}),
            Signal.received_at >= since,
            Signal.kind == SignalKind.ALARM,
        )
        .group_by(Signal.account, Signal.zone)
    )
    return {(a, z): n for a, z, n in rows.all() if (a, z) in pairs}


def _note_detail(signal: Signal) -> str:
    who = "user" if signal.kind == SignalKind.NOTE else "zone"  # a report names the user, an alarm its zone
    return f"{signal.description} ({who} {signal.zone}, {signal.format} {signal.event_code})"


GROUP = 100  # signals per transaction below life safety: a new fire waits at most one such group


async def process_pending(
    *,
    session: AsyncSession,
    limit: int = 500,
    runaway: Runaway = Runaway(),
    now: dt.datetime | None = None,
    on_committed: Callable[[set[int]], None] | None = None,
) -> set[int]:
    """Process up to ``limit`` signals, most urgent first; returns the incidents that changed.

    Each transaction holds one priority only, and the most urgent waiting priority is looked up
    again before each: a fire commits on its own, never behind a batch of trouble signals.
    ``on_committed`` hears each transaction's changes as soon as it commits, so the console learns of
    the fire before the trouble signals behind it are done.
    """
    changed: set[int] = set()
    done = 0
    while done < limit:
        group: set[int] = set()
        processed = await _process_group(session, min(limit - done, GROUP), runaway, now or utcnow(), group)
        if not processed:
            break
        done += processed
        changed |= group
        if on_committed is not None and group:
            on_committed(group)
    return changed


async def _process_group(
    session: AsyncSession, limit: int, runaway: Runaway, now: dt.datetime, changed: set[int]
) -> int:
    ready = (Signal.processed_at.is_(None), or_(Signal.held_until.is_(None), Signal.held_until <= now))
    top = select(func.min(Signal.priority)).where(*ready).scalar_subquery()  # the most urgent waiting
    query = select(Signal).where(*ready, Signal.priority == top).order_by(Signal.id).limit(limit)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    signals = list(await session.scalars(query))
    if not signals:
        await session.commit()
        return 0
    premises = await subscribers.premises_by_account(
        session=session, accounts=(s.account for s in signals if s.kind != SignalKind.TEST)
    )
    processed: list[Signal] = []
    counts = await _recent_counts(session, signals, now - runaway.window)
    held = {
        signal.id
        for signal in signals
        if signal.kind == SignalKind.ALARM
        and signal.held_until is None
        and signal.priority > Priority.LIFE_SAFETY
        and counts.get((signal.account, signal.zone), 0) > runaway.limit
    }
    # Alarms opened or joined all at once (a group holds one priority, so no restore of the same
    # incident sits between two of its alarms: restores are INFO, alarms never are).
    alarms = [(s, premises.get(s.account)) for s in signals
              if s.kind == SignalKind.ALARM and s.id not in held]  # fmt: skip
    opened = await incidents.open_or_join_many(session=session, alarms=alarms) if alarms else {}
    loaded = await _load_premises(session, {p for _, p in alarms if p is not None})
    new_incidents: list[tuple[Incident, Signal]] = []
    notes: list[tuple[Incident, Signal]] = []  # panel reports about an alarm, applied once it is planned
    for signal in signals:
        premises_id = premises.get(signal.account)
        if signal.id in held:
            signal.held_until = now + runaway.hold  # a runaway device: hold, do not drop
            continue
        if signal.kind == SignalKind.ALARM:
            if opened is None:  # another worker opened one of the group's incidents: one by one
                incident, created = await incidents.open_or_join(
                    session=session, signal=signal, premises_id=premises_id
                )
                await session.flush()
            else:
                incident, created = opened[signal.id]
            if created:
                new_incidents.append((incident, signal))
            if note_for(signal.format, signal.event_code):  # e.g. 374 exit error, SIA BV verified
                notes.append((incident, signal))
            signal.incident_id = incident.id
            changed.add(incident.id)
        elif signal.kind == SignalKind.NOTE and signal.service_type:
            # A panel's report about an alarm (CP-01 cancel, recent closing…) changes the open incident
            # of its service; with none open (an abort before anything was sent) it is only logged.
            await session.flush()  # an incident this group opened is found too
            key = incidents.open_key(premises_id=premises_id, account=signal.account,
                                     service_type=signal.service_type)  # fmt: skip
            incident = await session.scalar(select(Incident).where(Incident.open_key == key))
            if incident is not None:
                notes.append((incident, signal))
                signal.incident_id = incident.id
                changed.add(incident.id)
        elif signal.kind == SignalKind.RESTORE and signal.service_type:
            incident = await incidents.record_restore(session=session, signal=signal, premises_id=premises_id)
            if incident is not None:
                signal.incident_id = incident.id
                changed.add(incident.id)
                if (
                    incident.description in POWER_LOSS
                    and incident.claimed_by is None
                    and signal.received_at - incident.opened_at <= POWER_RESTORE_WINDOW
                ):
                    await session.refresh(incident, ["events"])
                    flows.close_by_system(incident, signal.received_at, "power restored within 15 minutes")
        elif signal.kind in (SignalKind.OPENING, SignalKind.CLOSING) and premises_id is not None:
            await subscribers.record_arming(
                session=session,
                premises_id=premises_id,
                kind=signal.kind,
                at=signal.panel_time or signal.received_at,
            )
        processed.append(signal)
    await flows.plan_new_incidents(session=session, opened=new_incidents)
    for incident, signal in notes:
        note = note_for(signal.format, signal.event_code)
        assert note is not None
        await flows.record_panel_note(session=session, incident=incident, note=note,
                                      at=signal.received_at, detail=_note_detail(signal))  # fmt: skip
    await _mark_processed(session, processed, now)
    del loaded
    # Life watch waits for a state change of the equipment: any signal but the panel's own tests.
    await timers.touch_life_watch(
        session=session,
        seen=[
            (premises[s.account], s.received_at)
            for s in processed
            if s.account in premises and s.kind != SignalKind.TEST
        ],
    )
    await session.commit()
    return len(signals)


async def _load_premises(session: AsyncSession, ids: set[int]) -> list[Premises]:
    """The group's premises in one query, so that each new incident's plan finds its premises in the
    session instead of asking for it (held by the caller: the session's identity map is weak)."""
    if not ids:
        return []
    return list(await session.scalars(select(Premises).where(among(session, Premises.id, ids))))


async def _mark_processed(session: AsyncSession, processed: list[Signal], now: dt.datetime) -> None:
    """One UPDATE for the whole group, not one per row: most signals (periodic tests, check-ins) need
    nothing else, and at 1,000/s the per-row updates were the worker's largest cost."""
    if not processed:
        return
    await session.flush()  # what the loop changed on a few rows (incident, hold) goes first
    await session.execute(
        update(Signal)
        .where(among(session, Signal.id, [s.id for s in processed]))
        .values(processed_at=now)
        .execution_options(synchronize_session=False)
    )
    for signal in processed:
        set_committed_value(signal, "processed_at", now)


class InboxWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_changed: Callable[[set[int]], None],
        poll_seconds: float = 0.5,
    ) -> None:
        self._sessions = sessions
        self._on_changed = on_changed
        self._poll = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called by an in-process gateway after a commit, so the console sees alarms at once."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                async with self._sessions() as session:
                    # Each transaction's changes are pushed as it commits (not after all 500).
                    changed = await process_pending(session=session, on_committed=self._on_changed)
            except Exception:
                stop_if_cancelled()
                log.exception("inbox processing failed; retrying")
                await asyncio.sleep(1)
                continue
            if changed:
                continue  # there may be more
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
