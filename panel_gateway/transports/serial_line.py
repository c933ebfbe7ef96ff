"""A Sur-Gard receiver's automation line (RS-232): read, store, then answer each message in time.

The receiver waits 4 s for ACK (0x06) or NAK (0x15) after each message, sends it again otherwise, and
after 4 unanswered attempts annunciates locally and sends only heartbeats until one is acknowledged
(panel_gateway/protocols/surgard.py has the vendor's document). So:

- every message is timestamped as it arrives (a reader task), and worked in order by another task:
  store (commit), then answer; an answer that would come later than the receiver's 4 s is not sent
  (it would be read as the answer to the next transmission), the receiver sends the message again
  and the stored copy makes that a duplicate, answered at once. While the database is away nothing
  is answered, so the receiver falls back to its own display and buzzer (UL 1981's degraded mode).
- a message that cannot be read gets NAK and a dead letter; if the receiver sends the very same
  bytes again, it is not line noise: it is kept as an "unknown signal" for the operators and
  acknowledged, so that the receiver goes on with the next message (issue 16: no well-formed
  alarm is lost).
- the receiver's own messages (account 0000, or SIA protocol 0) are signals of this line's name.
- silence longer than two heartbeat periods raises a receiver-failure signal for the operators: the
  receiver sends a heartbeat only when it has sent nothing else for a period, so any message counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Callable

import serial_asyncio_fast

from control_center.core.db import utcnow
from control_center.core.tasks import stop_if_cancelled
from control_center.signals import link_supervision as supervision
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest, received
from panel_gateway.protocols import panel_signal, surgard
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.panel_signal import PanelSignal, UnknownEvent
from panel_gateway.protocols.sia_codes import SiaEvent

log = logging.getLogger(__name__)
MAX_MESSAGE = 512
QUEUE = 256  # messages read ahead of the one being stored; the receiver sends one at a time anyway


class SerialReceiverLine:
    def __init__(
        self,
        committer: GroupCommitter,
        ingest: Ingest,
        port: str,
        baudrate: int = 9600,
        heartbeat_seconds: float = surgard.HEARTBEAT_SECONDS,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        bytesize: int = 8,
        parity: str = "N",  # MLR2000: 9600 8N1; MLR2-E defaults to 19200 7E1 (bytesize=7, parity="E")
        answer_window: float = surgard.ANSWER_WINDOW,
    ) -> None:
        self._committer = committer
        self._ingest = ingest
        self._port = port
        self._serial = {"baudrate": baudrate, "bytesize": bytesize, "parity": parity}
        self._silence_limit = 2 * heartbeat_seconds
        self._clock = clock
        self.name = f"receiver-{port.rsplit('/', 1)[-1]}"[:32]
        self._failed_at: dt.datetime | None = None
        self._refused: bytes | None = None  # the last message answered with NAK
        self._answer_window = answer_window
        self.ready = asyncio.Event()

    async def handle(self, message: bytes) -> bytes:
        """Store one message (or its dead letter), then the byte to answer with."""
        now = self._clock()
        await self._heard(now)
        result = surgard.parse(message)
        refused, self._refused = self._refused, None
        if isinstance(result, surgard.Heartbeat):
            return surgard.ACK
        if isinstance(result, ParseError):
            if message == refused:
                # Sent again unchanged after our NAK: what the receiver holds, not noise on the line.
                unknown = UnknownEvent(message.decode("ascii", errors="backslashreplace"), result.reason)
                signal = PanelSignal(self.name, self._message_id("unknown", message, now), None, unknown,
                                     details={"unreadable": result.reason})  # fmt: skip
                await self._committer.submit(received("serial", self._port, message, now, [signal]))
                return surgard.ACK
            self._refused = message
            await self._committer.submit(received("serial", self._port, message, now, result))
            return surgard.NAK
        account = self.name if result.internal else result.account
        signals = [self._signal(account, event, message, now, i) for i, event in enumerate(result.events)]
        await self._committer.submit(received("serial", f"{self._port}:{result.receiver}/{result.line}",
                                              message, now, signals))  # fmt: skip
        return surgard.ACK

    def _signal(
        self, account: str, event: ContactIdEvent | SiaEvent, message: bytes, now: dt.datetime, index: int
    ) -> PanelSignal:
        if isinstance(event, ContactIdEvent) and account == event.account:
            return panel_signal.from_contact_id(event, now)
        details = {"text": event.text} if isinstance(event, SiaEvent) and event.text else None
        return PanelSignal(
            account, f"{self._message_id('sg', message, now)}/{index}", None, event, details=details
        )

    @staticmethod
    def _message_id(prefix: str, message: bytes, now: dt.datetime) -> str:
        # The receiver's retransmission of a message (a lost answer) within the minute is one signal.
        return f"{prefix}-{hashlib.sha256(message).hexdigest()[:20]}-{now:%Y%m%d%H%M}"

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

    async def _read(
        self, reader: asyncio.StreamReader, queue: asyncio.Queue, last_heard: list[float]
    ) -> None:
        """Each message with the moment it arrived, whatever the storing task is doing."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                message = await reader.readuntil(surgard.DC4)
            except asyncio.LimitOverrunError:
                message = await reader.read(MAX_MESSAGE) + surgard.DC4  # too long: refused whole
            last_heard[0] = loop.time()
            await queue.put((message[:-1], last_heard[0]))

    async def _answer(self, queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        while True:
            message, heard_at = await queue.get()
            answer = await self.handle(message)
            if surgard.answered_in_time(heard_at, loop.time(), self._answer_window):
                writer.write(answer)
                await writer.drain()
            else:
                log.warning("%s: %r stored %.1f s after it came: not answered, the receiver sends it again",
                            self.name, message[:40], loop.time() - heard_at)  # fmt: skip

    async def run(self) -> None:
        """Read the line until cancelled; reopens the port after errors."""
        loop = asyncio.get_running_loop()
        last_heard = [loop.time()]
        watcher = asyncio.create_task(self._watch(last_heard))
        try:
            while True:
                try:
                    reader, writer = await serial_asyncio_fast.open_serial_connection(
                        url=self._port, limit=MAX_MESSAGE, **self._serial
                    )
                except Exception as exc:
                    stop_if_cancelled()
                    log.error("cannot open %s (%s); retrying", self._port, exc)
                    await asyncio.sleep(2)
                    continue
                self.ready.set()
                queue: asyncio.Queue = asyncio.Queue(QUEUE)
                tasks = [asyncio.create_task(self._read(reader, queue, last_heard)),
                         asyncio.create_task(self._answer(queue, writer))]  # fmt: skip
                try:
                    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                    for task in done:
                        task.result()
                except (asyncio.IncompleteReadError, OSError) as exc:
                    log.error("%s closed (%s); reopening", self._port, exc)
                    await asyncio.sleep(1)
                finally:
                    for task in tasks:
                        task.cancel()
                    for task in tasks:
                        with contextlib.suppress(
                            asyncio.CancelledError, asyncio.IncompleteReadError, OSError
                        ):
                            await task
                    writer.close()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
