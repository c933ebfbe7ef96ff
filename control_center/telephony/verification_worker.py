"""Sends the digital-verification links within seconds and continues with calls when one expires.

A loop over ``verification.sweep``: woken when incidents change (the hub, which the inbox worker
publishes to once a new incident is committed, here or, through the bus, in another process), else every
``every_seconds`` (expiry is a matter of the clock). Not woken by stored signals: a new incident is always
published after its commit, and a flood of periodic tests (thousands of commits, no incident) made it
sweep three times a second for nothing. A burst of changes is one sweep (``COALESCE_SECONDS``); the
watchdog's system alarms do not wake it, its own publishes do (once more: a sweep takes 50 incidents at
most). Rows, not timers: a restart or another process picks up where this one stopped, and the unique
link per incident keeps two sweeping processes from texting twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.hub import SYSTEM, Hub
from control_center.core.settings import Settings
from control_center.core.tasks import stop_if_cancelled
from control_center.telephony import verification
from control_center.telephony.adapters import Telephony

log = logging.getLogger(__name__)
COALESCE_SECONDS = 0.3  # after a wake-up: the changes of a storm's next groups join the same sweep


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
        self.sweeps = 0  # how many it has made (for the tests and a look with py-spy)
        self.listening = asyncio.Event()  # set once it hears the hub (what was published before is missed)

    def wake(self) -> None:
        self._wake.set()

    async def sweep_once(self) -> list[int]:
        self.sweeps += 1
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
        """Any incident changed (a new one among them): look again. An empty set is the bus's "look
        again at everything" after a reconnect; ``{SYSTEM}`` alone is the watchdog's, no incident."""
        with self.hub.subscription() as updates:
            self.listening.set()
            while True:
                if await updates.get() != {SYSTEM}:
                    self._wake.set()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.every)
                if self._wake.is_set():
                    await asyncio.sleep(COALESCE_SECONDS)
                    self._wake.clear()  # after the pause: what changed meanwhile is in this sweep
                try:
                    await self.sweep_once()
                except Exception:
                    stop_if_cancelled()
                    log.exception("verification links sweep failed; retrying")
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
