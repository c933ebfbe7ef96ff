"""What one process of the center tells the others: "signals are waiting" and "these incidents changed".

In one process (the demo, SQLite) these are plain calls. On PostgreSQL they also travel as NOTIFY
on channels named after the schema, and every process LISTENs: a worker in ``control-center serve``
wakes the moment a separate ``control-center gateway`` commits, instead of at its next poll, and an
operator whose console is served by one web process sees what a worker or a colleague on another did.
A notification only says "look again": the rows are the truth, so a lost one costs a poll interval,
never a signal, and after the listening connection is re-established everybody looks again. The inbox's
says whether an alarm is among the signals (``urgent``): the workers' alarm lanes look only then, and
the periodic tests of a whole fleet do not wake them hundreds of times a second.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from control_center.core.hub import Hub
from control_center.core.tasks import stop_if_cancelled

log = logging.getLogger(__name__)

INBOX, INCIDENTS = "cc_inbox", "cc_incidents"
# After the origin in an inbox notification: "routine" when no alarm is among the signals. Anything else
# (nothing, as a gateway of before this marker sends) counts as urgent: a wrong guess costs a look.
ROUTINE = "routine"
CHUNK = 500  # incident ids per notification: PostgreSQL's payload limit is 8,000 bytes
RETRY_SECONDS = 2.0


def encode(origin: str, ids: Iterable[int]) -> list[str]:
    """``origin|1,2,3`` payloads, at most ``CHUNK`` ids each (at least one payload)."""
    ordered = sorted(ids)
    chunks = [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)] or [[]]
    return [f"{origin}|{','.join(map(str, chunk))}" for chunk in chunks]


def decode(payload: str) -> tuple[str, set[int]]:
    origin, _, ids = payload.partition("|")
    return origin, {int(x) for x in ids.split(",") if x.isdigit()}


class Bus:
    def __init__(self, database_url: str, hub: Hub) -> None:
        self.hub = hub
        self._origin = uuid.uuid4().hex[:12]
        url = make_url(database_url)
        self._conninfo = (
            url.set(drivername="postgresql").render_as_string(hide_password=False)
            if url.get_backend_name() == "postgresql"
            else None
        )
        self._inbox_listeners: list[Callable[[bool], None]] = []
        self._outgoing: asyncio.Queue[tuple[str, set[int] | bool]] = asyncio.Queue()
        self.listening = asyncio.Event()  # set while the LISTEN connection is up (PostgreSQL)
        if self.shared:
            hub.relay = self._incidents_changed  # every hub.publish here is heard everywhere

    @property
    def shared(self) -> bool:
        """True when other processes hear this one (PostgreSQL)."""
        return self._conninfo is not None

    def on_signals_stored(self, listener: Callable[[bool], None]) -> None:
        """``listener(urgent)`` hears of every commit of signals; ``urgent``: an alarm is among them."""
        self._inbox_listeners.append(listener)

    def signals_stored(self, urgent: bool = True) -> None:
        """A gateway committed signals: wake the inbox workers here and in every other process. ``urgent``:
        an alarm is among them (the default for those who cannot say, such as the center's own signals)."""
        for listener in self._inbox_listeners:
            listener(urgent)
        if self.shared:
            self._outgoing.put_nowait((INBOX, urgent))

    def _incidents_changed(self, ids: set[int]) -> None:
        self._outgoing.put_nowait((INCIDENTS, set(ids)))

    async def run(self) -> None:
        """Send and listen until cancelled (nothing to do on SQLite: one process has everything)."""
        if not self.shared:
            await asyncio.Event().wait()
        await asyncio.gather(self._send(), self._listen())

    async def _connect(self) -> tuple[psycopg.AsyncConnection, str]:
        assert self._conninfo is not None
        connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        cursor = await connection.execute("SELECT current_schema()")
        row = await cursor.fetchone()
        return connection, str(row[0] if row else "public")

    async def _send(self) -> None:
        connection: psycopg.AsyncConnection | None = None
        inbox: bool | None = None  # a wake-up to send (True: urgent)
        ids: set[int] | None = None
        try:
            while True:
                more = [await self._outgoing.get()]
                while not self._outgoing.empty():
                    more.append(self._outgoing.get_nowait())
                # Coalesced: a burst of commits is one wake-up (urgent if any was); what failed to go is
                # sent with the next.
                for channel, what in more:
                    if channel == INBOX:
                        inbox = bool(inbox) or bool(what)
                    elif isinstance(what, set):
                        ids = (ids or set()) | what
                try:
                    if connection is None or connection.closed:
                        connection, schema = await self._connect()
                    if inbox is not None:
                        payload = self._origin if inbox else f"{self._origin}|{ROUTINE}"
                        await connection.execute("SELECT pg_notify(%s, %s)", (f"{INBOX}:{schema}", payload))
                        inbox = None
                    if ids is not None:
                        for payload in encode(self._origin, ids):
                            await connection.execute(
                                "SELECT pg_notify(%s, %s)", (f"{INCIDENTS}:{schema}", payload)
                            )
                        ids = None
                except (psycopg.Error, OSError) as exc:
                    stop_if_cancelled()
                    log.warning("could not notify the other processes (%s); retrying", exc)
                    if connection is not None:
                        await connection.close()
                    connection = None
                    self._outgoing.put_nowait((INBOX, inbox) if inbox is not None else (INCIDENTS, set()))
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            if connection is not None:
                await connection.close()

    async def _listen(self) -> None:
        while True:
            try:
                connection, schema = await self._connect()
                async with connection:
                    for channel in (INBOX, INCIDENTS):
                        await connection.execute(
                            sql.SQL("LISTEN {}").format(sql.Identifier(f"{channel}:{schema}"))
                        )
                    self.listening.set()
                    self._catch_up()
                    async for notice in connection.notifies():
                        self._heard(notice.channel.partition(":")[0], notice.payload)
            except (psycopg.Error, OSError) as exc:
                stop_if_cancelled()
                log.warning("lost the notification connection (%s); reconnecting", exc)
            finally:
                self.listening.clear()
            await asyncio.sleep(RETRY_SECONDS)

    def _catch_up(self) -> None:
        """(Re)connected: whatever was said meanwhile went unheard, so look again at everything."""
        for listener in self._inbox_listeners:
            listener(True)
        self.hub.deliver(set())

    def _heard(self, channel: str, payload: str) -> None:
        if channel == INBOX:
            origin, _, what = payload.partition("|")
            if origin != self._origin:
                for listener in self._inbox_listeners:
                    listener(what != ROUTINE)
            return
        origin, ids = decode(payload)
        if origin != self._origin:  # our own changes were delivered here already
            self.hub.deliver(ids)
