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
    ) -> None:
        self._sessions, self._gateway, self._name = sessions, gateway, name
        self._every, self._clock = every_seconds, clock
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
