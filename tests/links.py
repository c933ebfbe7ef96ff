"""A TCP relay standing between a client and its server, for tests of a network that misbehaves.

``cut`` is the server gone (open connections closed, new ones refused) until ``restore``;
``mute`` keeps the open connections up but drops what the server sends on them: a connection that
looks alive and delivers nothing. Connections made after ``mute`` are relayed normally.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class _Connection:
    def __init__(self, client: asyncio.StreamWriter, server: asyncio.StreamWriter) -> None:
        self.client, self.server = client, server
        self.muted = False

    def close(self) -> None:
        for writer in (self.client, self.server):
            writer.transport.abort()


class Link:
    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._open: set[_Connection] = set()
        self._cut = False
        self._listener: asyncio.Server | None = None
        self.port = 0

    def cut(self) -> None:
        self._cut = True
        if self._listener is not None:
            self._listener.close()  # nothing listens on the port: connections are refused
        for connection in list(self._open):
            connection.close()

    async def restore(self) -> None:
        self._cut = False
        self._listener = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    def mute(self) -> None:
        for connection in self._open:
            connection.muted = True

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Link]:
        self._listener = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._listener.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            self.cut()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        connection = _Connection(writer, server_writer)
        self._open.add(connection)
        try:
            await asyncio.gather(
                self._pump(reader, server_writer, connection, from_server=False),
                self._pump(server_reader, writer, connection, from_server=True),
            )
        finally:
            self._open.discard(connection)
            connection.close()

    @staticmethod
    async def _pump(
        source: asyncio.StreamReader, sink: asyncio.StreamWriter, pair: _Connection, *, from_server: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                if from_server and pair.muted:
                    continue  # dropped on the floor: the client hears nothing, not even PINGRESP
                sink.write(data)
                await sink.drain()
        pair.close()
