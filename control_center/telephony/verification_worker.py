"""Sends the digital-verification links within seconds and continues with calls when one expires.

A loop over ``verification.sweep``: woken when signals are stored (``Bus.on_signals_stored``) and when
incidents change (the hub, which the inbox worker publishes to once a new incident is committed), else
every ``every_seconds``. Rows, not timers: a restart or another process picks up where this one stopped,
and the unique link per incident keeps two sweeping processes from texting twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.core.tasks import stop_if_cancelled
from control_center.telephony import verification
from control_center.telephony.adapters import Telephony

log = logging.getLogger(__name__)
SETTLE_SECONDS = 0.3  # after "signals stored", the inbox worker commits the incident a moment later


class LinkWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        telephony: Telephony,
        key: bytes,
        hub: Hub,
        every_seconds: float = 2.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.sessions, self.settings, self.telephony = sessions, settings, telephony
        self.key, self.hub = key, hub
        self.every, self.clock = every_seconds, clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def sweep_once(self) -> list[int]:
        async with self.sessions() as session:
            changed = await verification.sweep(
                session=session,
                now=self.clock(),
                telephony=self.telephony,
                settings=self.settings,
                key=self.key,
            )
        if changed:
            self.hub.publish(set(changed))
        return changed

    async def _listen(self) -> None:
        """Any incident changed (a new one among them): look again. Own publishes wake it once more,
        which finds nothing to do."""
        with self.hub.subscription() as updates:
            while True:
                await updates.get()
                self._wake.set()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.every)
                if self._wake.is_set():
                    self._wake.clear()
                    await asyncio.sleep(SETTLE_SECONDS)
                try:
                    await self.sweep_once()
                except Exception:
                    stop_if_cancelled()
                    log.exception("verification links sweep failed; retrying")
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
