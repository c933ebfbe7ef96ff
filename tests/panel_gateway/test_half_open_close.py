"""Closing a connection whose peer stopped reading (a half-open link after a NAT drop) takes at most
``CLOSE_DRAIN_SECONDS``: amqtt waited until everything written had been sent, and a panel reconnecting
over such a link waited 64 s for its take-over, with the center's intake stalled behind it."""

from __future__ import annotations

import asyncio
import socket

from amqtt.adapters import StreamWriterAdapter

from panel_gateway.embedded_broker import CLOSE_DRAIN_SECONDS


async def test_closing_towards_a_peer_that_reads_nothing_does_not_wait_for_it() -> None:
    ours, theirs = socket.socketpair()  # ``theirs`` never reads
    try:
        _, writer = await asyncio.open_connection(sock=ours)
        adapter = StreamWriterAdapter(writer)
        adapter.write(b"\x40\x02\x00\x01" * 2_000_000)  # 8 MB of PUBACKs: far more than the socket buffers
        await asyncio.wait_for(adapter.close(), CLOSE_DRAIN_SECONDS * 5)  # amqtt's own close never returned
        assert writer.transport.is_closing()
    finally:
        theirs.close()


async def test_a_peer_that_reads_gets_everything_before_the_close() -> None:
    ours, theirs = socket.socketpair()
    try:
        _, writer = await asyncio.open_connection(sock=ours)
        reader, _ = await asyncio.open_connection(sock=theirs)
        adapter = StreamWriterAdapter(writer)
        adapter.write(b"\x40\x02\x00\x01" * 100_000)
        reading = asyncio.create_task(reader.read())  # to the end of the stream
        await adapter.close()
        assert len(await reading) == 400_000
    finally:
        theirs.close()
