"""The signal inbox: stored signals become incidents and arming states, most urgent first.

Rows, not tasks: a signal is unprocessed until a worker commits it processed, so a restart loses
nothing. Several workers share the inbox on PostgreSQL through ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.alarms.classification import SignalKind
from control_center.db import is_postgresql, utcnow
from control_center.incidents import service as incidents
from control_center.subscribers import service as subscribers
from panel_gateway.models import Signal

log = logging.getLogger(__name__)


async def process_pending(*, session: AsyncSession, limit: int = 500) -> set[int]:
    """Process up to ``limit`` signals in one transaction; returns the incidents that changed."""
    query = (
        select(Signal).where(Signal.processed_at.is_(None)).order_by(Signal.priority, Signal.id).limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    signals = list(await session.scalars(query))
    if not signals:
        return set()
    premises = await subscribers.premises_by_account(session=session, accounts=(s.account for s in signals))
    changed: set[int] = set()
    now = utcnow()
    for signal in signals:
        premises_id = premises.get(signal.account)
        if signal.kind == SignalKind.ALARM:
            incident = await incidents.open_or_join(session=session, signal=signal, premises_id=premises_id)
            await session.flush()
            signal.incident_id = incident.id
            changed.add(incident.id)
        elif signal.kind == SignalKind.RESTORE and signal.service_type:
            incident = await incidents.record_restore(session=session, signal=signal, premises_id=premises_id)
            if incident is not None:
                signal.incident_id = incident.id
                changed.add(incident.id)
        elif signal.kind in (SignalKind.OPENING, SignalKind.CLOSING) and premises_id is not None:
            await subscribers.record_arming(
                session=session,
                premises_id=premises_id,
                kind=signal.kind,
                at=signal.panel_time or signal.received_at,
            )
        signal.processed_at = now
    await session.commit()
    return changed


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
                    changed = await process_pending(session=session)
            except Exception:
                log.exception("inbox processing failed; retrying")
                await asyncio.sleep(1)
                continue
            if changed:
                self._on_changed(changed)
                continue  # there may be more
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
