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
    ) -> None:
        self.name = name
        self._sessions, self._sweep, self._on_raised = sessions, sweep, on_raised
        self._every, self._clock = every_seconds, clock

    async def run(self) -> None:
        while True:
            try:
                async with self._sessions() as session:
                    raised = await self._sweep(session=session, now=self._clock())
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
