"""SIA DC-09 receiver over TCP and UDP: every frame is answered (ACK after commit, NAK or DUH).

A frame whose CRC, length, account, key and timestamp are sound is stored and acknowledged even when
its data cannot be understood: it becomes an unknown signal for the operators, never a DUH.

TCP is bounded so that nobody on the panel network can hold the receiver: at most
``max_connections_per_ip`` connections from one address (more are closed at once), a connection
that completes no frame for ``idle_seconds`` is closed (panels may keep their connection open
between messages, DC-09 2013 making the close optional, so this is longer than their poll), and a
stream that cannot be a frame is refused once and closed (``dc09_stream``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import socket
import time
from collections.abc import Callable

from control_center.core.db import utcnow
from panel_gateway.dc09_keys import KeyStore
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import received
from panel_gateway.protocols import dc09, panel_signal
from panel_gateway.protocols.dc09 import Frame, FrameError
from panel_gateway.protocols.dc09_stream import FrameSplitter, Overrun
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)
READ_CHUNK = 64 * 1024
UDP_RECEIVE_BUFFER = 8 * 2**20  # asked for; the kernel grants at most net.core.rmem_max (doubled)
CAP_NOTICE_SECONDS = 60.0  # one dead letter per address per minute while it is over its cap
_KEY_CODES = frozenset({"key", "decrypt", "plain"})  # refusals a key set a moment ago might undo


class Dc09Receiver:
    def __init__(
        self,
        committer: GroupCommitter,
        keys: KeyStore,
        clock: Callable[[], dt.datetime] = utcnow,
        *,
        max_connections_per_ip: int = 32,
        idle_seconds: float = 120.0,
        require_encryption: bool = False,
    ) -> None:
        self._committer = committer
        self._keys = keys
        self._require_encryption = require_encryption
        self._clock = clock
        self._max_per_ip = max_connections_per_ip
        self._idle = idle_seconds
        self._connections: collections.Counter[str] = collections.Counter()
        self._cap_noticed: dict[str, float] = {}

    async def handle(self, raw: bytes, transport: str, source: str) -> bytes:
        """Decode, store (signals, or the refused frame as a dead letter), then the answer to send."""
        now = self._clock()
        result = self._parse(raw, now)
        stale = self._may_be_stale(result)
        if stale and await self._keys.refresh(dc09.canonical_account(result.account or "")):
            result = self._parse(raw, now)  # the database knew better: judge the frame again
        if isinstance(result, Frame) and not result.encrypted and result.panel_account in self._keys.keys:
            log.warning(
                "plain DC-09 frame from keyed account %s accepted (transition until %s) from %s",
                result.panel_account, self._keys.plain_until.get(result.panel_account), source,
            )  # fmt: skip
        if isinstance(result, Frame) and result.unreadable is not None:
            # Sound envelope, data nobody here reads: stored as an unknown signal and acknowledged
            # (docs/architecture.md, "DUH or ACK"), so the operators see it.
            log.warning("DC-09 data from account %s not understood (%s): stored as an unknown signal",
                        result.account, result.unreadable)  # fmt: skip
        decoded = panel_signal.from_dc09(result, now) if isinstance(result, Frame) else result
        await self._committer.submit(received(transport, source, raw, now, decoded))
        return dc09.response(result, keys=self._keys.keys, now=now)

    def _parse(self, raw: bytes, now: dt.datetime) -> Frame | FrameError:
        return dc09.parse(
            raw,
            keys=self._keys.keys,
            now=now,
            plain_until=self._keys.plain_until,
            require_encryption=self._require_encryption,
        )

    def _may_be_stale(self, result: Frame | FrameError) -> bool:
        """Refused for its key, or let through only by a transition the database may have ended."""
        if isinstance(result, FrameError):
            return result.code in _KEY_CODES and result.account is not None
        return not result.encrypted and result.panel_account in self._keys.keys

    async def refuse(self, raw: bytes, transport: str, source: str, reason: str) -> bytes:
        now = self._clock()
        await self._committer.submit(received(transport, source, raw, now, ParseError(reason, "length")))
        return dc09.nak(now=now)

    async def serve_tcp(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self._tcp_connection, host, port)

    async def _tcp_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        ip = str(peer[0]) if peer else "?"
        source = f"tcp:{peer[0]}:{peer[1]}" if peer else "tcp"
        if self._connections[ip] >= self._max_per_ip:
            writer.transport.abort()  # before anything is read: a flood costs no more than this
            await self._notice_cap(ip, source)
            return
        self._connections[ip] += 1
        try:
            await self._serve(reader, writer, source)
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._connections[ip] -= 1
            if not self._connections[ip]:
                del self._connections[ip]
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, source: str) -> None:
        splitter = FrameSplitter()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._idle
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    data = await reader.read(READ_CHUNK)
            except TimeoutError:
                if splitter.pending:  # a frame begun and never ended: refuse what came of it
                    reason = f"incomplete frame: no CR within {self._idle:g} s"
                    writer.write(await self.refuse(splitter.pending, "dc09_tcp", source, reason))
                    await writer.drain()
                log.debug("DC-09 connection %s idle for %g s: closed", source, self._idle)
                return
            if not data:
                return
            for cut in splitter.feed(data):
                if isinstance(cut, Overrun):
                    writer.write(await self.refuse(cut.raw, "dc09_tcp", source, cut.reason))
                    await writer.drain()
                    log.warning("DC-09 connection %s refused and closed: %s", source, cut.reason)
                    return
                writer.write(await self.handle(cut, "dc09_tcp", source))
                await writer.drain()
                deadline = loop.time() + self._idle

    async def _notice_cap(self, ip: str, source: str) -> None:
        """One dead letter per address per CAP_NOTICE_SECONDS, so a flood does not become rows."""
        now = time.monotonic()
        for seen, at in list(self._cap_noticed.items()):
            if now - at >= CAP_NOTICE_SECONDS:
                del self._cap_noticed[seen]
        if ip in self._cap_noticed:
            return
        self._cap_noticed[ip] = now
        reason = f"{self._max_per_ip} DC-09 connections from {ip} already open: further ones closed"
        log.warning("%s (for %g s only this notice)", reason, CAP_NOTICE_SECONDS)
        decoded = ParseError(reason, "connections")
        await self._committer.submit(received("dc09_tcp", source, b"", self._clock(), decoded))

    async def serve_udp(self, host: str, port: int) -> asyncio.DatagramTransport:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self), local_addr=(host, port)
        )
        # Polls that arrive while the event loop commits wait in the socket's buffer: the default (~200 KB)
        # overflows under a fleet's polls and the kernel drops them unseen (the panels' retries, then false
        # silences). As large as the kernel allows (net.core.rmem_max; scripts/raise-limits raises it).
        with contextlib.suppress(OSError):
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        return transport


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, receiver: Dc09Receiver) -> None:
        self._receiver = receiver
        self._transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        task = asyncio.ensure_future(self._answer(data, addr))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, data: bytes, addr: tuple[str, int]) -> None:
        """Each frame of the datagram answered in order, one answer datagram per frame (as over TCP)."""
        source = f"udp:{addr[0]}:{addr[1]}"
        for frame in datagram_frames(data):
            if isinstance(frame, Overrun):
                reply = await self._receiver.refuse(frame.raw, "dc09_udp", source, frame.reason)
            else:
                reply = await self._receiver.handle(frame, "dc09_udp", source)
            if self._transport is not None and not self._transport.is_closing():
                self._transport.sendto(reply, addr)


def datagram_frames(data: bytes) -> list[bytes | Overrun]:
    """The frames of one UDP datagram. DC-09 puts one frame in a datagram, but a panel may put several
    complete frames in one (the same bytes over TCP are several frames). A datagram that does not cut
    into two or more frames is judged whole, as it came, so a damaged single frame is refused as such;
    what is left after the frames (a frame begun and not ended) is refused on its own."""
    splitter = FrameSplitter()
    cuts = splitter.feed(data)
    frames = [cut for cut in cuts if isinstance(cut, bytes)]
    if len(frames) < 2:
        return [data]
    if splitter.pending:
        cuts.append(Overrun(splitter.pending, "incomplete frame at the end of a datagram"))
    return cuts
