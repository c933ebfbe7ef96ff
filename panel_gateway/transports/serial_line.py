"""A central-station receiver's automation line (RS-232): read, store, then ACK (0x06) each message.

Silence longer than two heartbeat periods raises a receiver-failure signal for the operators: while
the receiver is silent, alarms from the panels it serves may not be reaching the center. The next
heartbeat or message restores it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

import serial_asyncio_fast

from control_center.core.db import utcnow
from control_center.core.tasks import stop_if_cancelled
from control_center.signals import link_supervision as supervision
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest, received
from panel_gateway.protocols import panel_signal, surgard
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)
MAX_MESSAGE = 512


class SerialReceiverLine:
    def __init__(
        self,
        committer: GroupCommitter,
        ingest: Ingest,
        port: str,
        baudrate: int = 9600,
        heartbeat_seconds: float = 30.0,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._committer = committer
        self._ingest = ingest
        self._port = port
        self._baudrate = baudrate
        self._silence_limit = 2 * heartbeat_seconds
        self._clock = clock
        self.name = f"receiver-{port.rsplit('/', 1)[-1]}"[:32]
        self._failed_at: dt.datetime | None = None
        self.ready = asyncio.Event()

    async def handle(self, message: bytes) -> bytes:
        """Store one message (or its dead letter), then the byte to answer with."""
        now = self._clock()
        await self._heard(now)
        result = surgard.parse(message)
        if isinstance(result, surgard.Heartbeat):
            return surgard.ACK
        if isinstance(result, ParseError):
            await self._committer.submit(received("serial", self._port, message, now, result))
            return surgard.NAK
        signal = panel_signal.from_contact_id(result.event, now)
        await self._committer.submit(received("serial", f"{self._port}:{result.receiver}/{result.line}",
                                              message, now, [signal]))  # fmt: skip
        return surgard.ACK

    async def _heard(self, now: dt.datetime) -> None:
        if self._failed_at is not None:
            self._failed_at = None
            await self._ingest.store_rows([supervision.receiver_row(self.name, now, restored=True)])
            log.warning("%s is talking again", self.name)

    async def _watch(self, last_heard: list[float]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(1.0, self._silence_limit / 4))
            if self._failed_at is None and loop.time() - last_heard[0] > self._silence_limit:
                self._failed_at = self._clock()
                await self._ingest.store_rows(
                    [supervision.receiver_row(self.name, self._failed_at, restored=False)]
                )
                log.error("%s silent for more than %.0f s", self.name, self._silence_limit)

    async def run(self) -> None:
        """Read the line until cancelled; reopens the port after errors."""
        loop = asyncio.get_running_loop()
        last_heard = [loop.time()]
        watcher = asyncio.create_task(self._watch(last_heard))
        try:
            while True:
                try:
                    reader, writer = await serial_asyncio_fast.open_serial_connection(
                        url=self._port, baudrate=self._baudrate, limit=MAX_MESSAGE
                    )
                except Exception as exc:
                    stop_if_cancelled()
                    log.error("cannot open %s (%s); retrying", self._port, exc)
                    await asyncio.sleep(2)
                    continue
                self.ready.set()
                try:
                    while True:
                        try:
                            message = await reader.readuntil(surgard.DC4)
                        except asyncio.LimitOverrunError:
                            junk = await reader.read(MAX_MESSAGE)
                            message = junk + surgard.DC4
                        last_heard[0] = loop.time()
                        writer.write(await self.handle(message[:-1]))
                        await writer.drain()
                except (asyncio.IncompleteReadError, OSError) as exc:
                    log.error("%s closed (%s); reopening", self._port, exc)
                    await asyncio.sleep(1)
                finally:
                    writer.close()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
