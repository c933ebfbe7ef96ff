"""SIA DC-09 receiver over TCP and UDP: every frame is answered (ACK after commit, NAK or DUH)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping

from control_center.db import utcnow
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import received
from panel_gateway.protocols import dc09, panel_signal
from panel_gateway.protocols.dc09 import Frame
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)
MAX_FRAME = 4096


class Dc09Receiver:
    def __init__(
        self,
        committer: GroupCommitter,
        keys: Callable[[], Mapping[str, bytes]] = dict,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._committer = committer
        self._keys = keys
        self._clock = clock

    async def handle(self, raw: bytes, transport: str, source: str) -> bytes:
        """Decode, store (signals, or the refused frame as a dead letter), then the answer to send."""
        now = self._clock()
        keys = self._keys()
        result = dc09.parse(raw, keys=keys, now=now)
        decoded = panel_signal.from_dc09(result, now) if isinstance(result, Frame) else result
        await self._committer.submit(received(transport, source, raw, now, decoded))
        return dc09.response(result, keys=keys, now=now)

    async def refuse(self, raw: bytes, transport: str, source: str, reason: str) -> bytes:
        now = self._clock()
        await self._committer.submit(received(transport, source, raw, now, ParseError(reason, "length")))
        return dc09.nak(now=now)

    async def serve_tcp(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self._tcp_connection, host, port, limit=MAX_FRAME)

    async def _tcp_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        source = f"tcp:{peer[0]}:{peer[1]}" if peer else "tcp"
        try:
            while True:
                try:
                    frame = await reader.readuntil(b"\r")
                except asyncio.LimitOverrunError:
                    # No CR within the limit: not a DC-09 frame. Keep it, answer NAK, start afresh.
                    junk = await reader.read(MAX_FRAME)
                    writer.write(
                        await self.refuse(junk, "dc09_tcp", source, f"no frame end within {MAX_FRAME} bytes")
                    )
                    await writer.drain()
                    continue
                except asyncio.IncompleteReadError:
                    return
                writer.write(await self.handle(frame.lstrip(b"\x00 \t"), "dc09_tcp", source))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def serve_udp(self, host: str, port: int) -> asyncio.DatagramTransport:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpProtocol(self), local_addr=(host, port)
        )
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
        reply = await self._receiver.handle(data, "dc09_udp", f"udp:{addr[0]}:{addr[1]}")
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(reply, addr)
