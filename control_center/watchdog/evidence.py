"""What the watchdog reads: the gateways' heartbeat rows, the last signal stored, the fleet's intervals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.signals import link_supervision as supervision
from control_center.signals.models import Signal, waiting
from control_center.signals.service_types import Priority
from control_center.subscribers.models import PanelAccount, PanelPath
from control_center.watchdog.rules import GatewayReport
from panel_gateway.models import GatewayStatus

Unworked = tuple[int, dt.datetime]  # a signal's id and receipt


async def gateways(session: AsyncSession) -> list[GatewayReport]:
    rows = await session.scalars(select(GatewayStatus))
    return [GatewayReport(r.name, r.host, r.subscribed, r.problem, r.since, r.beat_at) for r in rows]


async def last_intake(session: AsyncSession, *, after: dt.datetime) -> dt.datetime | None:
    """When a panel was last heard: its newest stored signal, or a check-in that stored none (a
    DC-09 NULL poll). Signals the center raises itself do not count. The check-ins are only read when
    the signals are older than ``after``: scanning every panel each time is not needed."""
    newest = await session.scalar(
        select(Signal.received_at)
        .where(Signal.transport != supervision.TRANSPORT)
        .order_by(Signal.id.desc())  # the primary key's order: no scan of a large table
        .limit(1)
    )
    if newest is not None and newest > after:
        return newest
    checked_in = await session.scalar(select(func.max(PanelAccount.last_check_in_at)))
    on_a_path = await session.scalar(select(func.max(PanelPath.last_check_in_at)))  # panels with paths
    return max((t for t in (newest, checked_in, on_a_path) if t is not None), default=None)


async def shortest_check_in(session: AsyncSession) -> int | None:
    """The shortest supervised check-in interval of the fleet, in seconds (None: none supervised); a
    panel with paths counts with its shortest path's overdue time."""
    panels = await session.scalar(select(func.min(PanelAccount.check_in_seconds)))
    paths = await session.scalar(select(func.min(PanelPath.overdue_seconds)))
    return min((s for s in (panels, paths) if s is not None), default=None)


async def unworked(session: AsyncSession, *, now: dt.datetime) -> tuple[Unworked | None, Unworked | None]:
    """The oldest signals not worked yet (a runaway device's, held on purpose, aside), by the inbox's
    partial index: (id, receipt) of the oldest alarm, and of the oldest signal of any kind."""
    # The index's leading column named: its rows are read, not the table's.
    ready = (*waiting(now), Signal.priority >= Priority.LIFE_SAFETY)
    oldest = select(Signal.id, Signal.received_at).where(*ready).order_by(Signal.id).limit(1)
    alarm = (await session.execute(oldest.where(Signal.priority <= Priority.ALARM))).first()
    signal = (await session.execute(oldest)).first()
    return (alarm[0], alarm[1]) if alarm else None, (signal[0], signal[1]) if signal else None
