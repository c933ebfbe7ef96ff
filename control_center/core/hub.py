"""Fan-out of "incidents changed" to every open console of this process (one queue per SSE stream).

``relay``, when set (``control_center.core.bus`` on PostgreSQL), carries each publish to the other processes,
whose bus ``deliver``s it to their own consoles.

``announce_system`` tells this process's consoles that the system alarms changed (the watchdog of
``control_center/watchdog/``). It travels in the same queues as the id ``SYSTEM``, which no incident
has, so a console that falls behind merges it like any other update and loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SYSTEM = -1  # not an incident: "the system alarms changed"


class Hub:
    def __init__(self, backlog: int = 64) -> None:
        self._subscribers: set[asyncio.Queue[set[int]]] = set()
        self._backlog = backlog
        self.relay: Callable[[set[int]], None] | None = None

    def publish(self, incident_ids: set[int]) -> None:
        self.deliver(incident_ids)
        if self.relay is not None:
            self.relay(incident_ids)

    def announce_system(self) -> None:
        """To this process's consoles only: every process has its own watchdog."""
        self.deliver({SYSTEM})

    def deliver(self, incident_ids: set[int]) -> None:
        """To this process's consoles only."""
        for queue in self._subscribers:
            if queue.full():
                # Events only tell the page to refresh from the database: merging them loses nothing.
                queue.put_nowait(queue.get_nowait() | incident_ids)
            else:
                queue.put_nowait(set(incident_ids))

    @contextmanager
    def subscription(self) -> Iterator[asyncio.Queue[set[int]]]:
        queue: asyncio.Queue[set[int]] = asyncio.Queue(self._backlog)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
