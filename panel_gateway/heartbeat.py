"""A gateway's heartbeat: its state written to ``gateway_status`` every few seconds, and at once on change.

The watchdog of every ``control-center serve`` reads these rows (``control_center/watchdog/``): the
gateway may be another process, or another machine, whose memory it cannot see.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.tasks import stop_if_cancelled
from panel_gateway.models import GatewayState, GatewayStatus

log = logging.getLogger(__name__)

STOP_WRITE_SECONDS = 2.0  # on the way out, the database gets this long to hear "stopped"


class Reporting(Protocol):
    """What a heartbeat reads from its gateway (``transports/mqtt.py``'s ``MqttGateway``): a protocol,
    so that the transports build on this package and not the other way round."""

    state: GatewayState
    changed: asyncio.Event  # set on every change of ``state``


class Heartbeat:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gateway: Reporting,
        name: str,
        every_seconds: float,
        clock: Callable[[], dt.datetime] = utcnow,
        progress: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``progress``: how far this gateway's intake has got (``IntakeProgress.as_of``), written with
        each beat for the serve processes' link supervision."""
        self._sessions, self._gateway, self._name = sessions, gateway, name
        self._every, self._clock, self._progress = every_seconds, clock, progress
        self._host = f"{socket.gethostname()}:{os.getpid()}"[:200]

    async def run(self) -> None:
        try:
            while True:
                self._gateway.changed.clear()
                try:
                    await self.write(self._gateway.state)
                except Exception as exc:  # the database is away: the row goes stale, which says so
                    stop_if_cancelled()
                    log.warning("gateway heartbeat not written (%s); retrying", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._gateway.changed.wait(), self._every)
        finally:
            # Stopped on purpose: say so now, rather than leave the consoles to wait for a stale row.
            stopped = self._gateway.state.then(subscribed=False, problem="stopped", at=self._clock())
            try:
                await asyncio.wait_for(self.write(stopped), STOP_WRITE_SECONDS)
            except (Exception, asyncio.CancelledError) as exc:
                log.warning("could not record that the gateway stopped (%r)", exc)

    async def write(self, state: GatewayState) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(GatewayStatus, self._name)
            if row is None:
                row = GatewayStatus(name=self._name)
                session.add(row)
            row.host = self._host
            row.subscribed = state.subscribed
            row.problem = state.problem
            row.since = state.since
            row.beat_at = self._clock()
            stopped = not state.subscribed and state.problem == "stopped"
            row.progress_at = None if stopped or self._progress is None else self._progress()


async def gateways_reached(
    session: AsyncSession, now: dt.datetime, stale_after: dt.timedelta
) -> list[dt.datetime]:
    """How far each live gateway's intake has got (their ``progress_at``). A gateway whose beat is stale
    is left out: it is dead, which the watchdog reports, and its frozen time would hold supervision for
    good; one stopped on purpose has no progress."""
    rows = await session.scalars(
        select(GatewayStatus.progress_at).where(
            GatewayStatus.beat_at >= now - stale_after, GatewayStatus.progress_at.is_not(None)
        )
    )
    return [t for t in rows if t is not None]
