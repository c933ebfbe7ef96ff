"""Fan-out of "incidents changed" to every open console of this process (one queue per SSE stream).

``relay``, when set (``control_center.bus`` on PostgreSQL), carries each publish to the other processes,
whose bus ``deliver``s it to their own consoles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Hub:
    def __init__(self, backlog: int = 64) -> None:
        self._subscribers: set[asyncio.Queue[set[int]]] = set()
        self._backlog = backlog
        self.relay: Callable[[set[int]], None] | None = None

    def publish(self, incident_ids: set[int]) -> None:
        self.deliver(incident_ids)
        if self.relay is not None:
            self.relay(incident_ids)

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
