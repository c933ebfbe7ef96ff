"""A simulated panel reporting over SIA DC-09 (cellular/IP) to the receiver, on TCP or UDP."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

from panel_gateway.protocols import dc09
from panel_gateway.protocols.dc09 import Answer, Outgoing
from panel_gateway.protocols.errors import ParseError


class Dc09Panel:
    def __init__(
        self, host: str, port: int, account: str, *, key: bytes | None = None, line: str = "1",
        receiver: str | None = None, clock_skew: dt.timedelta = dt.timedelta(0),
    ) -> None:  # fmt: skip
        self.host, self.port, self.account, self.key = host, port, account, key
        self.line, self.receiver = line, receiver
        self.clock_skew = clock_skew
        self._sequence = itertools.count(1)

    def frame(
        self, data: str, token: str = "SIA-DCS", sequence: int | None = None, *, stamped: bool = True
    ) -> bytes:
        """One frame; ``stamped=False`` leaves the timestamp out (as a replayable frame would)."""
        seq = next(self._sequence) % 10000 if sequence is None else sequence
        message = Outgoing(token, seq, self.account, data, self.line, self.receiver)
        at = dt.datetime.now(dt.UTC) + self.clock_skew if stamped else None
        return dc09.encode(message, at=at, key=self.key)

    def event(self, code: str, zone: int = 1, area: int = 1) -> bytes:
        return self.frame(f"#{self.account}|Nri{area}/{code}{zone:03d}")

    def poll(self) -> bytes:
        return self.frame("", token="NULL")

    async def send_tcp(self, *frames: bytes) -> list[Answer | ParseError]:
        """Send frames on one connection, each waiting for its answer, as panels do."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            answers = []
            for frame in frames:
                writer.write(frame)
                await writer.drain()
                reply = await asyncio.wait_for(reader.readuntil(b"\r"), 10)
                answers.append(dc09.parse_answer(reply, key=self.key))
            return answers
        finally:
            writer.close()

    async def send_udp(self, frame: bytes) -> Answer | ParseError:
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[bytes] = loop.create_future()

        class _Protocol(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                if not reply.done():
                    reply.set_result(data)

        transport, _ = await loop.create_datagram_endpoint(_Protocol, remote_addr=(self.host, self.port))
        try:
            transport.sendto(frame)
            return dc09.parse_answer(await asyncio.wait_for(reply, 10), key=self.key)
        finally:
            transport.close()
