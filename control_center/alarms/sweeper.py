"""A worker sweeping deadline rows every few seconds (supervision, timers): rows, not in-memory timers."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.tasks import stop_if_cancelled

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        sweep: Callable[..., Awaitable[Any]],
        on_raised: Callable[[], None],
        every_seconds: float = 5.0,
        clock: Callable[[], dt.datetime] = utcnow,
        as_of: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``as_of``: the time deadlines are judged at, when it is not the clock's (link supervision
        judges at the intake's progress, ``signals/link_supervision.IntakeProgress``)."""
        self.name = name
        self._sessions, self._sweep, self._on_raised = sessions, sweep, on_raised
        self._every, self._clock, self._as_of = every_seconds, clock, as_of
        self.held_max_s = 0.0  # the most the intake's progress held this sweep behind the clock

    async def once(self, session: AsyncSession) -> Any:
        """One sweep: what it raised."""
        now = self._clock()
        if self._as_of is None:
            return await self._sweep(session=session, now=now)
        as_of = self._as_of()
        self._held((now - as_of).total_seconds())
        return await self._sweep(session=session, now=now, as_of=as_of)

    async def run(self) -> None:
        while True:
            try:
                async with self._sessions() as session:
                    raised = await self.once(session)
                if raised:
                    log.warning(
                        "%s raised: %s", self.name, raised if isinstance(raised, int) else raised[:20]
                    )
                    self._on_raised()
                    continue  # there may be more due
            except Exception:
                stop_if_cancelled()
                log.exception("%s sweep failed; retrying", self.name)
            await asyncio.sleep(self._every)

    def _held(self, seconds: float) -> None:
        if seconds > 2 * self._every:  # the intake is behind: the center's fault, not the panels'
            log.warning("%s held %.0f s behind the clock: the intake is behind", self.name, seconds)
        self.held_max_s = max(self.held_max_s, seconds)
