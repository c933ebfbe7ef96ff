from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.core.bulk import among, insert_returning
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


async def open_or_join(
    *, session: AsyncSession, signal: Signal, premises_id: int | None
) -> tuple[Incident, bool]:
    """The first alarm for a premises and service opens an incident; later ones join it.
    Returns the incident and whether it was opened now."""
    assert signal.service_type is not None
    key = open_key(
        premises_id=premises_id,
        account=signal.account,
        service_type=signal.service_type,
        task=_task_of(signal),
    )
    incident = await session.scalar(select(Incident).where(Incident.open_key == key))
    if incident is None:
        incident = _new(signal, premises_id, key)
        try:
            async with session.begin_nested():
                session.add(incident)
        except IntegrityError:
            # Another worker opened it a moment ago: join that one.
            incident = await session.scalar(select(Incident).where(Incident.open_key == key))
            assert incident is not None
            _join(incident, signal)
            return incident, False
        return incident, True
    _join(incident, signal)
    return incident, False


async def open_or_join_many(
    *, session: AsyncSession, alarms: Sequence[tuple[Signal, int | None]]
) -> dict[int, tuple[Incident, bool]] | None:
    """``open_or_join`` for a whole group of alarms (signal, premises id) at once: one query for the
    incidents already open, the new ones inserted in one statement. Returns signal id → (incident, opened
    now), or None when another worker opened one of the same incidents meanwhile (nothing was changed:
    the caller opens them one by one). In a storm of 100,000 troubles from as many premises, one round
    trip per alarm (and a savepoint each) made the inbox twenty times slower than the gateway."""
    keys = {
        signal.id: open_key(
            premises_id=premises_id,
            account=signal.account,
            service_type=signal.service_type,  # type: ignore[arg-type]  # alarms are classified
            task=_task_of(signal),
        )
        for signal, premises_id in alarms
    }
    query = select(Incident).where(among(session, Incident.open_key, set(keys.values())))
    by_key = {incident.open_key: incident for incident in await session.scalars(query)}
    new: dict[str, dict[str, object]] = {}
    for signal, premises_id in alarms:
        key = keys[signal.id]
        if key not in by_key and key not in new:
            new[key] = _new_row(signal, premises_id, key)
    if new:
        try:
            async with session.begin_nested():
                ids = await insert_returning(session, Incident, list(new.values()), returning="open_key")
        except IntegrityError:
            return None
        query = select(Incident).where(among(session, Incident.id, list(ids.values())))
        by_key |= {incident.open_key: incident for incident in await session.scalars(query)}
    # Joined only now, after the insert: a group given back to the caller has changed nothing.
    opened: dict[int, tuple[Incident, bool]] = {}
    opening = set(new)  # the first alarm of each of these keys opened its incident
    for signal, _ in alarms:
        key = keys[signal.id]
        if key in opening:
            opening.discard(key)
            opened[signal.id] = (by_key[key], True)
        else:
            _join(by_key[key], signal)
            opened[signal.id] = (by_key[key], False)
    return opened


async def record_restore(
    *, session: AsyncSession, signal: Signal, premises_id: int | None
) -> Incident | None:
    """A restore joins the open incident of its service and marks the condition ended (it stays open
    for the operator to close)."""
    assert signal.service_type is not None
    key = open_key(premises_id=premises_id, account=signal.account, service_type=signal.service_type)
    incident = await session.scalar(select(Incident).where(Incident.open_key == key))
    if incident is None:
        return None
    incident.signal_count += 1
    incident.last_signal_at = max(incident.last_signal_at, signal.received_at)
    incident.restored_at = signal.received_at
    return incident


def _new(signal: Signal, premises_id: int | None, key: str) -> Incident:
    return Incident(**_new_row(signal, premises_id, key))


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
