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
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.alarms import timers
from control_center.alarms.alarm_level import Assessment, Trigger
from control_center.core.bulk import among, update_each
from control_center.core.db import is_postgresql, utcnow
from control_center.core.db_errors import database_away
from control_center.core.tasks import stop_if_cancelled
from control_center.incidents import alarm_level_service, flows
from control_center.incidents import service as incidents
from control_center.incidents.models import Incident
from control_center.signals import panel_clock
from control_center.signals.classification import POWER_LOSS, SignalKind, note_for
from control_center.signals.models import Signal, waiting
from control_center.signals.service_types import Priority
from control_center.subscribers import service as subscribers
from control_center.subscribers import test_mode
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
    # Life-safety alarms are never held: a fire's group does not count anything.
    pairs = {
        (s.account, s.zone)
        for s in signals
        if s.kind == SignalKind.ALARM and s.priority > Priority.LIFE_SAFETY
    }
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


# What the inbox reads of a signal (the raw frame and its details are for people, not for the rules).
_COLUMNS = [c for c in Signal.__table__.c if c.name not in ("raw", "details")]
GROUP = 100  # life-safety and alarm signals per transaction (a fire storm's first push waits for no more)
GROUP_MAX = 2000  # signals per transaction below alarm priority, at the most
# With no alarm lane beside it (SQLite) a fire waits for the whole group in progress: a smaller cap, so
# that a load spike after the pace has grown costs the fire little.
GROUP_MAX_ONE_LANE = 500
# What one group below alarm priority should take: what a new fire may wait behind it (one worker, or
# SQLite's single writer); with an alarm lane of its own beside it (PostgreSQL) the storm's groups
# may take longer, as nothing urgent waits for them.
GROUP_BUDGET_S = 0.025
GROUP_BUDGET_BESIDE_ALARM_LANE_S = 0.5
# Lanes below alarm priority on PostgreSQL: a group is about half Python (building its rows) and half
# the server (storing them); with two, one lane's transaction is in the server while the other works,
# so a storm drains ~1.4× as fast on 2 cores (a third lane only adds contention: measured 1 → 2 → 3
# lanes 6.1k → 8.3k → 7.4k/s, docs/benchmarks.md).
BELOW_ALARM_LANES = 2
# How long a lane below alarm priority lets the signals gather after a wake-up before it takes them. A
# fleet's periodic tests arrive in the gateway's commits of a few each, every few milliseconds; taken at
# once, each commit cost the worker's lanes four or five transactions (at 1,000 tests/s: 600 a second in
# all, half a core for the worker and a third for PostgreSQL), the machine saturated and a fire waited
# behind the queueing (p50 43 ms against 30 with no load on a quiet machine, 163 against 52 on a busy
# one). Nothing below alarm priority needs its answer within this; alarms have a lane of their own.
GATHER_S = 0.05
PASS = 20 * GROUP_MAX  # signals a lane takes before it looks at its wake-up again
# The alarm lane's own poll: woken only by urgent wake-ups, it must not wait long for one that was lost
# (a NOTIFY retried after a failure, a wake-up that raised). A look costs one short query.
ALARM_POLL_S = 0.1


# A signal that fails every group holding it (a service letter this version does not know, written by
# a newer gateway during an upgrade; a bug) is set aside this long, so that the alarms behind it are
# worked; then tried again. Meanwhile it is unworked: the watchdog raises a system alarm for it.
SET_ASIDE_S = 30.0
# Signals in a row that each failed alone: past this, the failure is not theirs (a bug on a common path,
# a permission): the lane pauses as for the database, rather than set the whole inbox aside.
SYSTEMIC = 3


@dataclass(slots=True)
class SetAside:
    """The signals a worker could not work (``until``, shared by its lanes), and the ids of the lane's
    group in progress (``taking``, one list per lane), to find the signal that fails alone."""

    until: dict[int, float] = field(default_factory=dict)  # signal id → when to try it again (monotonic)
    taking: list[int] = field(default_factory=list)

    def skipped(self) -> list[int]:
        now = time.monotonic()
        for signal in [s for s, until in self.until.items() if until <= now]:
            del self.until[signal]
        return sorted(self.until)


Lane = tuple[int, int]  # the priorities a worker's lane takes, most and least urgent
ALL: Lane = (Priority.LIFE_SAFETY, Priority.INFO)
ALARMS: Lane = (Priority.LIFE_SAFETY, Priority.ALARM)
BELOW_ALARMS: Lane = (Priority.SUPERVISORY, 2**31 - 1)


@dataclass(slots=True)
class Pace:
    """How many lower-priority signals the next group takes: as many as fit in ``GROUP_BUDGET_S``.

    A group has fixed costs (a dozen statements, a commit) whatever its size, so a storm of troubles
    is worked fastest in big groups; but a fire stored meanwhile waits for the group in progress.
    Sizing groups by time instead of count keeps that wait the same on a fast or a loaded machine."""

    size: int = GROUP
    budget_s: float = GROUP_BUDGET_S
    max_size: int = GROUP_MAX

    def learn(self, signals: int, seconds: float) -> None:
        if signals < self.size or seconds <= 0:
            return  # a short group says nothing about how many would fit
        wanted = int(signals * self.budget_s / seconds)
        self.size = max(GROUP, min(self.max_size, wanted, 2 * self.size))  # grow by at most double


async def process_pending(
    *,
    session: AsyncSession,
    limit: int = 500,
    runaway: Runaway = Runaway(),
    now: dt.datetime | None = None,
    on_committed: Callable[[set[int]], None] | None = None,
    pace: Pace | None = None,
) -> set[int]:
    """Process up to ``limit`` signals, most urgent first; returns the incidents that changed.

    Each transaction holds one priority only, and the most urgent waiting priority is looked up
    again before each: a fire commits on its own, never behind a batch of trouble signals.
    ``on_committed`` hears each transaction's changes as soon as it commits, so the console learns of
    the fire before the trouble signals behind it are done. ``pace`` (kept by a worker from one call to
    the next) sizes the groups below alarm priority.
    """
    changed, _ = await _work(session, limit, runaway, now, on_committed, pace or Pace(), ALL)
    return changed


async def _work(
    session: AsyncSession,
    limit: int,
    runaway: Runaway,
    now: dt.datetime | None,
    on_committed: Callable[[set[int]], None] | None,
    pace: Pace,
    lane: Lane,
    aside: SetAside | None = None,
    size: int | None = None,
) -> tuple[set[int], int]:
    """``process_pending`` for the priorities of ``lane``; also returns how many signals it took.
    ``aside``: signals to leave alone, and where to note the group in progress; ``size``: signals per
    group whatever the lane and the pace (1: one at a time)."""
    changed: set[int] = set()
    done = 0
    while done < limit:
        group: set[int] = set()
        started = time.perf_counter()
        take = size or (GROUP if lane == ALARMS else pace.size)
        processed, urgent = await _process_group(
            session, min(limit - done, take), runaway, now or utcnow(), group, lane, aside
        )
        if not processed:
            break
        if not urgent:
            pace.learn(processed, time.perf_counter() - started)
        done += processed
        changed |= group
        if on_committed is not None and group:
            on_committed(group)
    return changed, done


async def _process_group(
    session: AsyncSession,
    limit: int,
    runaway: Runaway,
    now: dt.datetime,
    changed: set[int],
    lane: Lane = ALL,
    aside: SetAside | None = None,
) -> tuple[int, bool]:
    """One transaction of one priority; returns how many signals it took and whether they were alarms
    (priority 1–2: groups of at most ``GROUP`` whatever the pace)."""
    ready = waiting(now)
    if lane != ALL:
        ready += (Signal.priority.between(*lane),)
    if aside is not None:
        aside.taking = []
        if skipped := aside.skipped():
            ready += (Signal.id.not_in(skipped),)
    top = select(func.min(Signal.priority)).where(*ready).scalar_subquery()  # the most urgent waiting
    query = select(*_COLUMNS).where(*ready, Signal.priority == top).order_by(Signal.id).limit(limit)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    # Rows, not ORM objects: nothing here changes a signal but through the UPDATEs of
    # ``_mark_processed`` and the hold, and loading thousands of instances was a large cost in a storm.
    signals: list[Signal] = list((await session.execute(query)).all())  # type: ignore[arg-type]
    if not signals:
        await session.commit()
        return 0, False
    urgent = signals[0].priority <= Priority.ALARM
    if urgent:
        del signals[GROUP:]  # rows fetched beyond are left alone (and unlocked at the commit)
    if aside is not None:
        aside.taking = [s.id for s in signals]
    premises = await subscribers.premises_by_account(
        session=session, accounts=(s.account for s in signals if s.kind != SignalKind.TEST)
    )
    taken = len(signals)
    # A premises on test or in commissioning: its signals are test results, stored and not worked.
    if diverted := await test_mode.divert(session, signals, premises):
        await _mark(session, list(diverted), now)
        signals = [s for s in signals if s.id not in diverted]
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
    if held:  # a runaway device: hold, do not drop
        await session.execute(
            update(Signal)
            .where(among(session, Signal.id, held))
            .values(held_until=now + runaway.hold)
            .execution_options(synchronize_session=False)
        )
    # Alarms opened or joined all at once (a group holds one priority, so no restore of the same
    # incident sits between two of its alarms: restores are INFO, alarms never are).
    alarms = [(s, premises.get(s.account)) for s in signals
              if s.kind == SignalKind.ALARM and s.id not in held]  # fmt: skip
    opened: dict[int, tuple[Incident | incidents.Opened, bool]] = {}
    first_levels: dict[int, Assessment] = {}  # opening signal → its incident's first level, written with it
    if alarms:
        openings = await incidents.find_open(session=session, alarms=alarms)
        first_levels = await _first_levels(session, openings, now, _noted(signals, premises, openings))
        opened = await incidents.open_new(session=session, openings=openings)
    loaded = await _load_premises(session, {p for _, p in alarms if p is not None})
    locked = await _lock_for_loop(session, [s for s in signals if s.id not in held], premises)
    incident_of: dict[int, int] = {}  # signal id → its incident, written with the processed mark
    new_incidents: list[tuple[incidents.Opened, Signal]] = []
    notes: list[tuple[Incident | incidents.Opened, Signal]] = []  # panel reports, applied once planned
    for signal in signals:
        premises_id = premises.get(signal.account)
        if signal.id in held:
            continue
        if signal.kind == SignalKind.ALARM:
            incident, created = opened[signal.id]
            if created:
                assert isinstance(incident, incidents.Opened)
                new_incidents.append((incident, signal))
            if note_for(signal.format, signal.event_code):  # e.g. 374 exit error, SIA BV verified
                notes.append((incident, signal))
            incident_of[signal.id] = incident.id
            changed.add(incident.id)
        elif signal.kind == SignalKind.NOTE and signal.service_type:
            # A panel's report about an alarm (CP-01 cancel, recent closing…) changes the open incident
            # of its service; with none open (an abort before anything was sent) it is only logged.
            await session.flush()  # an incident this group opened is found too
            key = incidents.open_key(premises_id=premises_id, account=signal.account,
                                     service_type=signal.service_type)  # fmt: skip
            query = incidents.locked(session, select(Incident).where(Incident.open_key == key))
            incident = await session.scalar(query)
            if incident is not None:
                notes.append((incident, signal))
                incident_of[signal.id] = incident.id
                changed.add(incident.id)
        elif signal.kind == SignalKind.RESTORE and signal.service_type:
            incident = await incidents.record_restore(session=session, signal=signal, premises_id=premises_id)
            if incident is not None:
                incident_of[signal.id] = incident.id
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
                at=panel_clock.event_time(signal.panel_time, signal.received_at),  # not a clock in 2099
            )
        processed.append(signal)
    await flows.plan_new_incidents(session=session, opened=new_incidents)
    for planned, signal in notes:
        note = note_for(signal.format, signal.event_code)
        assert note is not None
        # An incident opened in this group is loaded now, after its plan and flag are written.
        incident = (
            await session.get(Incident, planned.id) if isinstance(planned, incidents.Opened) else planned
        )
        assert incident is not None
        await flows.record_panel_note(session=session, incident=incident, note=note,
                                      at=signal.received_at, detail=_note_detail(signal))  # fmt: skip
    await _mark_processed(session, processed, incident_of, now)
    del loaded, locked
    # Life watch waits for a state change of the equipment: any signal but the panel's own tests.
    await timers.touch_life_watch(
        session=session,
        seen=[
            (premises[s.account], s.received_at)
            for s in processed
            if s.account in premises and s.kind != SignalKind.TEST
        ],
    )
    # The AVS-01 level, set-wise: the incidents this group opened got theirs with their rows (a note
    # joined to one changes its facts: assessed again, like every incident the group changed).
    first = {
        incident.id: first_levels[signal.id]
        for incident, signal in new_incidents
        if signal.id in first_levels
    }
    await alarm_level_service.record_first(session, first, at=now)
    await alarm_level_service.reassess(session, changed - first.keys() | {p.id for p, _ in notes}, at=now)
    await session.commit()
    return taken, urgent


async def _lock_for_loop(
    session: AsyncSession, signals: list[Signal], premises: dict[str, int]
) -> list[object]:
    """What the group's loop changes one signal at a time (the incidents its restores join, the premises of
    its arming reports) locked before it, all at once and in the order of their ids, and read afresh: two
    storm lanes taking one premises' reports at the same moment otherwise lock in the order of their
    signals (a deadlock), or each decides on what it read before the other wrote (a newer arming state
    overwritten by an older one). Returned to be held (the session's identity map is weak)."""
    if not is_postgresql(session):
        return []
    rows: list[object] = []
    keys = {
        incidents.open_key(
            premises_id=premises.get(s.account), account=s.account, service_type=s.service_type
        )
        for s in signals
        if s.kind == SignalKind.RESTORE and s.service_type
    }
    if keys:
        query = incidents.locked(session, select(Incident).where(among(session, Incident.open_key, keys)))
        rows += list(await session.scalars(query))
    arming = {premises[s.account] for s in signals
              if s.kind in (SignalKind.OPENING, SignalKind.CLOSING) and s.account in premises}  # fmt: skip
    if arming:
        # FOR NO KEY UPDATE, as the UPDATE takes it: an incident inserted for the premises (its foreign
        # key's KEY SHARE) does not wait for this group.
        query = (
            select(Premises)
            .where(among(session, Premises.id, arming))
            .order_by(Premises.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        rows += list(await session.scalars(query))
    return rows


def _noted(signals: list[Signal], premises: dict[str, int], openings: incidents.Openings) -> set[str]:
    """The open keys a panel's note of this group speaks about (an alarm carrying one, or a report)."""
    keys = {
        openings.keys[s.id] for s in signals if s.id in openings.keys and note_for(s.format, s.event_code)
    }
    return keys | {
        incidents.open_key(
            premises_id=premises.get(s.account), account=s.account, service_type=s.service_type
        )
        for s in signals
        if s.kind == SignalKind.NOTE and s.service_type
    }


async def _first_levels(
    session: AsyncSession, openings: incidents.Openings, now: dt.datetime, noted: set[str]
) -> dict[int, Assessment]:
    """Each new incident's first level, from the alarms that open it (in the order of their ids, as the
    rules read them), put in its row; returned by the signal that opens it. One with a note in the group
    is left to the group's reassessment (its level from none, once, with the note's facts): as before."""
    for key in noted & openings.new.keys():
        openings.new[key] |= {"alarm_level": None, "alarm_level_reasons": None}
    keys = [key for key in openings.new if key not in noted]
    fresh = [
        alarm_level_service.Fresh(
            openings.new[key]["premises_id"],  # type: ignore[arg-type]
            openings.new[key]["service_type"],  # type: ignore[arg-type]
            tuple(_trigger(s) for s in openings.signals[key]),
        )
        for key in keys
    ]
    assessed = await alarm_level_service.assess_fresh(session, fresh, at=now)
    columns: dict[int, dict[str, object]] = {}  # a storm's incidents share a few assessments: stored once
    for key, assessment in zip(keys, assessed, strict=True):
        if (same := columns.get(id(assessment))) is None:
            same = columns[id(assessment)] = alarm_level_service.first_level(assessment)
        openings.new[key] |= same
    return {openings.first[key]: assessment for key, assessment in zip(keys, assessed, strict=True)}


def _trigger(signal: Signal) -> Trigger:
    """A signal as the alarm-level rules read it (what ``alarm_level_service`` reads of the table)."""
    return Trigger(signal.received_at, signal.zone, signal.format, signal.event_code, signal.kind,
                   signal.service_type)  # fmt: skip


async def _load_premises(session: AsyncSession, ids: set[int]) -> list[Premises]:
    """The group's premises in one query, so that each new incident's plan finds its premises in the
    session instead of asking for it (held by the caller: the session's identity map is weak)."""
    if not ids:
        return []
    return list(await session.scalars(select(Premises).where(among(session, Premises.id, ids))))


async def _mark_processed(
    session: AsyncSession,
    processed: list[Signal],
    incident_of: dict[int, int],
    now: dt.datetime,
) -> None:
    """The whole group marked processed, each signal with its incident, in one or two Core UPDATEs, not
    one per row: most signals (periodic tests, check-ins) need nothing else, and per-row updates (the
    ORM flushing each signal's ``incident_id``) were the inbox's largest cost at 1,000/s and in storms."""
    if not processed:
        return
    await session.flush()  # what the loop changed on a few rows (incident, hold) goes first
    plain = [s.id for s in processed if s.id not in incident_of]
    if plain:
        await _mark(session, plain, now)
    if incident_of:
        await update_each(session, Signal, "incident_id", incident_of, processed_at=now)


async def _mark(session: AsyncSession, ids: list[int], now: dt.datetime) -> None:
    if ids:
        await session.execute(
            update(Signal)
            .where(among(session, Signal.id, ids))
            .values(processed_at=now)
            .execution_options(synchronize_session=False)
        )


class InboxWorker:
    """Works the inbox until cancelled. On PostgreSQL it runs lanes on connections of their own: one takes
    only alarms (priority 1–2), in small groups, ``BELOW_ALARM_LANES`` the rest, most urgent first, in
    groups as large as the storm's pace allows — so a fire is never behind a trouble group in progress,
    while a storm of 100,000 troubles is worked in big transactions. SKIP LOCKED keeps the lanes (and
    other workers) off each other's signals. On SQLite (one writer) one lane with short groups."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_changed: Callable[[set[int]], None],
        poll_seconds: float = 0.5,
        alarm_poll_seconds: float = ALARM_POLL_S,
    ) -> None:
        self._sessions = sessions
        self._on_changed = on_changed
        self._poll = poll_seconds
        self._alarm_poll = alarm_poll_seconds
        self.aside = SetAside()
        self._wakes: list[tuple[asyncio.Event, Lane]] = []

    def wake(self, urgent: bool = True) -> None:
        """Called after a gateway's commit (``Bus.signals_stored``), so the console sees alarms at once;
        ``urgent``: an alarm is among the signals. Without one the alarm lane sleeps on."""
        for event, lane in self._wakes:
            if urgent or lane != ALARMS:
                event.set()

    async def run(self) -> None:
        async with self._sessions() as session:
            lanes = is_postgresql(session)
        if not lanes:
            await self._lane(Pace(max_size=GROUP_MAX_ONE_LANE), ALL)
            return
        storm = [self._lane(Pace(budget_s=GROUP_BUDGET_BESIDE_ALARM_LANE_S), BELOW_ALARMS, GATHER_S)
                 for _ in range(BELOW_ALARM_LANES)]  # fmt: skip
        await asyncio.gather(self._lane(Pace(), ALARMS), *storm)

    def _after(self, exc: Exception, aside: SetAside, failed_alone: int) -> tuple[int, int, float]:
        """A lane's pass failed: (signals to take one at a time next, single failures in a row, seconds to
        pause). The database's state, or a failure that is nobody's data: pause and retry as it is. A
        group: its signals one at a time. One signal alone: set aside (``SET_ASIDE_S``)."""
        if database_away(exc) or not aside.taking or failed_alone >= SYSTEMIC:
            log.error("inbox processing failed; retrying", exc_info=exc)
            return 0, 0, 1.0
        if len(aside.taking) > 1:
            log.error(
                "a group of %d signals failed; taking them one at a time", len(aside.taking), exc_info=exc
            )
            return len(aside.taking), failed_alone, 0.1
        [signal] = aside.taking
        self.aside.until[signal] = time.monotonic() + SET_ASIDE_S
        log.error("signal %d cannot be worked: set aside for %.0f s", signal, SET_ASIDE_S, exc_info=exc)
        return 0, failed_alone + 1, 0.1

    async def _lane(self, pace: Pace, lane: Lane, gather_s: float = 0.0) -> None:
        wake = asyncio.Event()
        entry = (wake, lane)
        self._wakes.append(entry)
        aside = SetAside(until=self.aside.until)  # this lane's group in progress; what is set aside, shared
        alone = 0  # after a group failed: how many signals to take one at a time, to find the one
        failed_alone = 0  # signals in a row that failed alone
        try:
            while True:
                wake.clear()
                session = self._sessions()
                failed: Exception | None = None
                try:
                    # Each transaction's changes are pushed as it commits (not after the whole pass).
                    _, done = await _work(session, alone or PASS, Runaway(), None, self._on_changed, pace,
                                          lane, aside, 1 if alone else None)  # fmt: skip
                    alone = failed_alone = 0
                except Exception as exc:
                    stop_if_cancelled()
                    failed = exc
                finally:
                    # Closed even when the worker is cancelled in the middle of a statement: an unclosed
                    # connection would keep its transaction's locks until the process ends.
                    with contextlib.suppress(Exception):
                        await asyncio.shield(session.close())
                if failed is not None:  # paused after the close: a failed group's locks are released
                    alone, failed_alone, pause = self._after(failed, aside, failed_alone)
                    await asyncio.sleep(pause)
                    continue
                # A pass ends at an empty take or at its limit. Past the limit there is more; a lane that
                # gathers waits for the next wake-up even after a pass that took something.
                if done >= PASS or (done and not gather_s):
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self._alarm_poll if lane == ALARMS else self._poll)
                if gather_s:
                    await asyncio.sleep(gather_s)
        finally:
            self._wakes.remove(entry)
