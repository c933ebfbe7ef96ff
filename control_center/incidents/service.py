from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.core.bulk import among, insert_returning
from control_center.core.db import is_postgresql
from control_center.incidents.models import Incident, IncidentStatus, IncidentTask
from control_center.signals.models import Signal
from control_center.subscribers.models import Premises


def open_key(*, premises_id: int | None, account: str, service_type: str, task: str | None = None) -> str:
    # An alarm from an account nobody registered still opens an incident: keyed on the account.
    key = f"p{premises_id}:{service_type}" if premises_id is not None else f"a{account}:{service_type}"
    # Scheduled tasks (set-forget check, return call) are incidents of their own, not joined to alarms.
    return f"{key}:{task}" if task else key


def _task_of(signal: Signal) -> str | None:
    """What opens an incident of its own beside the service's: a scheduled task, or a frame nobody
    could read (an equipment trouble already open must not hide it)."""
    if signal.format == "unknown":
        return "unknown"
    return signal.event_code if signal.format == "timer" and signal.service_type != "H" else None


@dataclass(slots=True)
class Opened:
    """An incident the inbox has just inserted (set-wise, no ORM instance): what planning it reads."""

    id: int
    premises_id: int | None
    account: str
    service_type: str
    priority: int
    description: str
    opened_at: dt.datetime
    signal_count: int
    flag: str | None = None  # set by planning; written by plan_new_incidents


@dataclass(slots=True)
class Openings:
    """What a group of alarms finds (``find_open``) before it opens or joins (``open_new``): between the
    two, the caller may add columns to the new incidents' rows (their first alarm level)."""

    alarms: Sequence[tuple[Signal, int | None]]
    keys: dict[int, str]  # signal id → its incident's open key
    by_key: dict[str, Incident | Opened]  # the incidents already open (locked)
    new: dict[str, dict[str, object]]  # key → the row of an incident to open
    first: dict[str, int]  # new key → the signal that opens it
    signals: dict[str, list[Signal]]  # new key → its signals, in the group's order


async def find_open(*, session: AsyncSession, alarms: Sequence[tuple[Signal, int | None]]) -> Openings:
    """The first alarm for a premises and service opens an incident, later ones join it; for a whole
    group of alarms (signal, premises id) at once: one query for the incidents already open, and the
    rows of the new ones (several alarms of one new incident folded into its row)."""
    keys = {
        signal.id: open_key(
            premises_id=premises_id,
            account=signal.account,
            service_type=signal.service_type,  # type: ignore[arg-type]  # alarms are classified
            task=_task_of(signal),
        )
        for signal, premises_id in alarms
    }
    query = locked(session, select(Incident).where(among(session, Incident.open_key, set(keys.values()))))
    found = Openings(alarms, keys, {i.open_key: i for i in await session.scalars(query)}, {}, {}, {})  # type: ignore[misc]
    for signal, premises_id in alarms:
        key = keys[signal.id]
        if key in found.by_key:
            continue
        if key in found.new:
            _fold(found.new[key], signal)  # a second alarm of an incident opened in this group
            found.signals[key].append(signal)
        else:
            found.new[key], found.first[key] = _new_row(signal, premises_id, key), signal.id
            found.signals[key] = [signal]
    return found


async def open_new(*, session: AsyncSession, openings: Openings) -> dict[int, tuple[Incident | Opened, bool]]:
    """One INSERT for the new incidents of ``find_open``; the others joined. Returns signal id → (the
    incident, whether this signal opened it); an incident opened here is an ``Opened``, not an ORM
    instance. An incident another worker opened meanwhile is skipped by the INSERT (ON CONFLICT DO
    NOTHING) and joined instead. In a storm of 100,000 troubles from as many premises, one round trip
    per alarm (and a savepoint each) made the inbox twenty times slower than the gateway; loading each
    new incident back as an ORM instance was a large share of the rest."""
    by_key, new = openings.by_key, openings.new
    opening: set[str] = set()
    if new:
        # In the order of their keys: a worker whose INSERT meets another's uncommitted row of the same
        # key waits for it, and two workers taking keys in different orders would deadlock.
        rows = [new[key] for key in sorted(new)]
        ids = await insert_returning(session, Incident, rows, returning="open_key",
                                     skip_conflicts=True)  # fmt: skip
        for key, incident_id in ids.items():
            row = new[key]
            by_key[key] = Opened(
                id=incident_id, premises_id=row["premises_id"], account=row["account"],  # type: ignore[arg-type]
                service_type=row["service_type"], priority=row["priority"],  # type: ignore[arg-type]
                description=row["description"], opened_at=row["opened_at"],  # type: ignore[arg-type]
                signal_count=row["signal_count"],  # type: ignore[arg-type]
            )  # fmt: skip
        opening = set(ids)
        if lost := set(new) - opening:  # opened by another worker since the query: join theirs
            query = locked(session, select(Incident).where(among(session, Incident.open_key, lost)))
            by_key |= {i.open_key: i for i in await session.scalars(query)}  # type: ignore[misc]
    opened: dict[int, tuple[Incident | Opened, bool]] = {}
    for signal, _ in openings.alarms:
        key = openings.keys[signal.id]
        incident = by_key[key]
        if key in opening:
            opened[signal.id] = (incident, signal.id == openings.first[key])
        else:
            assert isinstance(incident, Incident)
            _join(incident, signal)
            opened[signal.id] = (incident, False)
    return opened


def locked(session: AsyncSession, query: Select[tuple[Incident]]) -> Select[tuple[Incident]]:
    """Open incidents a signal joins: read afresh and, on PostgreSQL, locked in the order of their ids
    until the commit. Another worker (a second storm lane, another serve process) may join the same
    incident at the same moment; counting on what each read would lose one of the two signals."""
    query = query.order_by(Incident.id).execution_options(populate_existing=True)
    # FOR NO KEY UPDATE, as an UPDATE takes it: a record or a link inserted for the incident meanwhile
    # (its foreign key's KEY SHARE) does not wait for the group.
    return query.with_for_update(of=Incident, key_share=True) if is_postgresql(session) else query


def _fold(row: dict[str, object], signal: Signal) -> None:
    """``_join`` on a row not yet inserted."""
    row["signal_count"] = int(row["signal_count"]) + 1  # type: ignore[call-overload]
    row["priority"] = min(int(row["priority"]), signal.priority)  # type: ignore[call-overload]
    row["last_signal_at"] = max(row["last_signal_at"], signal.received_at)  # type: ignore[type-var]


async def record_restore(
    *, session: AsyncSession, signal: Signal, premises_id: int | None
) -> Incident | None:
    """A restore joins the open incident of its service and marks the condition ended (it stays open
    for the operator to close)."""
    assert signal.service_type is not None
    key = open_key(premises_id=premises_id, account=signal.account, service_type=signal.service_type)
    incident = await session.scalar(locked(session, select(Incident).where(Incident.open_key == key)))
    if incident is None:
        return None
    incident.signal_count += 1
    incident.last_signal_at = max(incident.last_signal_at, signal.received_at)
    incident.restored_at = signal.received_at
    return incident


def _new_row(signal: Signal, premises_id: int | None, key: str) -> dict[str, object]:
    assert signal.service_type is not None
    return {
        "premises_id": premises_id,
        "account": signal.account,
        "service_type": signal.service_type,
        "priority": signal.priority,
        "status": IncidentStatus.RECEIVED.value,
        "open_key": key,
        "description": signal.description,
        "opened_at": signal.received_at,
        "last_signal_at": signal.received_at,
        "signal_count": 1,
    }


def _join(incident: Incident, signal: Signal) -> None:
    incident.restored_at = None  # the condition is back
    incident.signal_count += 1
    incident.priority = min(incident.priority, signal.priority)
    incident.last_signal_at = max(incident.last_signal_at, signal.received_at)


async def list_open(*, session: AsyncSession, limit: int = 500) -> list[Incident]:
    """The operator queue: most urgent first, then oldest first."""
    rows = await session.scalars(
        select(Incident)
        .where(Incident.closed_at.is_(None))
        .options(selectinload(Incident.premises).selectinload(Premises.subscriber))
        .order_by(Incident.priority, Incident.opened_at, Incident.id)
        .limit(limit)
    )
    return list(rows)


async def get(*, session: AsyncSession, incident_id: int) -> Incident | None:
    return await session.scalar(
        select(Incident)
        .where(Incident.id == incident_id)
        .options(
            selectinload(Incident.premises).selectinload(Premises.subscriber),
            selectinload(Incident.premises).selectinload(Premises.contacts),
            selectinload(Incident.premises).selectinload(Premises.services),
        )
    )


async def signals_of(*, session: AsyncSession, incident_id: int) -> list[Signal]:
    rows = await session.scalars(
        select(Signal).where(Signal.incident_id == incident_id).order_by(Signal.received_at, Signal.id)
    )
    return list(rows)


async def tasks_of(*, session: AsyncSession, incident_id: int) -> list[IncidentTask]:
    rows = await session.scalars(
        select(IncidentTask).where(IncidentTask.incident_id == incident_id).order_by(IncidentTask.id)
    )
    return list(rows)
