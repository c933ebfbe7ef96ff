"""The embedded broker's promise to a panel: its PUBACK means the gateway has stored the message.

amqtt acknowledges a QoS 1 PUBLISH as soon as it has read it and queues it in memory on the way to the
subscribers. A panel flooding faster than the gateway stores then filled that queue without bound: an
outside tester's 180 panels left a fire five minutes behind 150,000 queued messages, and on shutdown
137,895 messages the panels had been told were received were never stored (the panels, acknowledged,
never sent them again). ``panel_gateway/embedded_broker.py`` now holds each panel's PUBACK until every
QoS 1 subscriber that was sent the message (the gateway, which acknowledges after its commit) has
acknowledged it, through a ``Handover`` per message; and ``Relay`` admits at most ``bound`` messages
at once on that way, so a flood waits in the panels (each holding what it has not been acknowledged)
instead of in the broker's memory; an alarm is admitted before any routine message waiting there, so a
fire waits only for what is already on its way.

Each connection has its own ``Line``: at most ``PER_CONNECTION`` of its messages on the way, so one
panel cannot take every place (an outside tester's reconnecting panel held all 1,000 and stalled the
center's intake for 53 s), and past ``MAX_UNACKNOWLEDGED`` it is closed, so it cannot fill memory.

A handover not settled within ``timeout`` (the gateway gone, its session deleted) is given up: the
panel gets no PUBACK and its connection is closed, so it sends the message again on its next
connection (at least once; the gateway stores a repeated message once).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable

BOUND = 200  # messages on their way from panels to the subscribers at once: one gateway batch (a fire
# waits behind at most these: 1,000 kept it 12-16 s behind a flood at the demo's 60-100 stored/s)
TIMEOUT_SECONDS = 60.0
URGENT_RESERVE = 100  # places past the bound that only alarms may take
PER_CONNECTION = 20  # one connection's messages on their way at once (paho's default window): the rest
# wait in that connection's own line, so one panel cannot take every place
MAX_UNACKNOWLEDGED = 1000  # one connection's messages read and not yet acknowledged: past it, closed
Rank = Callable[[str, bytes], bool]  # (topic, payload) -> whether it carries an alarm


class Handover:
    """One panel message on its way to the subscribers that must acknowledge it."""

    def __init__(self) -> None:
        self.settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._expected = 0
        self._open = 0
        self._routed = False
        self.queued = False  # passed to the broker's broadcast (a refused topic never is)
        self.refused = False

    def expect(self) -> None:
        """A subscriber was (or, offline, will be) sent the message and must acknowledge it."""
        self._expected += 1
        self._open += 1

    def delivered(self) -> None:
        """One of those subscribers acknowledged it."""
        self._open -= 1
        self._settle()

    def routed(self) -> None:
        """Every subscriber that wants the message has been counted. None at all (no gateway subscribed,
        as while the broker starts or stops): nobody stores it, so it stays unsettled and the panel
        sends it again later."""
        self._routed = True
        self._settle()

    def refuse(self) -> None:
        """The broker refuses the message (a topic the panel may not use). MQTT 3.1.1 has no refusal of a
        PUBLISH: the panel gets no PUBACK and its connection is closed, so a panel set up with another
        account's topic never believes its alarms were delivered (and its link shows as down)."""
        self.refused = True
        if not self.settled.done():
            self.settled.set_result(None)

    def _settle(self) -> None:
        if self._routed and self._expected and self._open <= 0 and not self.settled.done():
            self.settled.set_result(None)


class Overflowing(Exception):
    """A connection sent more than ``MAX_UNACKNOWLEDGED`` messages without waiting for their PUBACKs."""


class Line:
    """One connection's messages: at most ``per_connection`` on their way, the rest waiting here."""

    def __init__(self, per_connection: int = PER_CONNECTION) -> None:
        self.turn = asyncio.Semaphore(per_connection)
        self.unacknowledged = 0


class Relay:
    """How many panel messages may be on their way at once, and how long one may take.

    An alarm (``rank`` says which) waits only for other alarms: it is admitted before any waiting
    routine message, and up to ``URGENT_RESERVE`` places past the bound, so a fire is not held behind a
    flood of troubles in the panels' queue here either (the gateway then commits it first,
    ``panel_gateway/intake_order.py``)."""

    def __init__(
        self,
        bound: int = BOUND,
        timeout: float = TIMEOUT_SECONDS,
        rank: Rank = lambda topic, data: False,
        max_unacknowledged: int = MAX_UNACKNOWLEDGED,
    ) -> None:
        self.bound = bound
        self.max_unacknowledged = max_unacknowledged
        self.timeout = timeout
        self.rank = rank
        self.on_the_way = 0
        self.given_up = 0
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {True: deque(), False: deque()}

    def _room(self, urgent: bool) -> bool:
        return self.on_the_way < self.bound + (URGENT_RESERVE if urgent else 0)

    def _admit_waiting(self) -> None:
        for urgent in (True, False):
            queue = self._waiting[urgent]
            while queue and self._room(urgent):
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    self.on_the_way += 1

    async def _enter(self, urgent: bool) -> None:
        ahead = self._waiting[True] or (not urgent and self._waiting[False])  # never past a waiting turn
        if self._room(urgent) and not ahead:
            self.on_the_way += 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[urgent].append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # admitted just as the panel went away
                self._leave()
            raise

    def _leave(self) -> None:
        self.on_the_way -= 1
        self._admit_waiting()

    @contextlib.asynccontextmanager
    async def admitted(self, urgent: bool = False, line: Line | None = None) -> AsyncIterator[Handover]:
        """A handover, once the message's turn in its connection's ``line`` has come and there is room for
        one more on the way; both are given back on leaving. Raises ``Overflowing`` at once for a
        connection past ``max_unacknowledged``."""
        line = line or Line()
        if line.unacknowledged >= self.max_unacknowledged:
            raise Overflowing
        line.unacknowledged += 1
        try:
            async with line.turn:
                await self._enter(urgent)
                try:
                    yield Handover()
                finally:
                    self._leave()
        finally:
            line.unacknowledged -= 1

    async def settled(self, handover: Handover) -> bool:
        """Wait until ``handover`` is settled; False if it was given up after ``timeout``."""
        try:
            await asyncio.wait_for(asyncio.shield(handover.settled), self.timeout)
        except TimeoutError:
            self.given_up += 1
            return False
        return True
