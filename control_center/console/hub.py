"""In-process fan-out of "incidents changed" to every open console (one queue per SSE stream)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Hub:
    def __init__(self, backlog: int = 64) -> None:
        self._subscribers: set[asyncio.Queue[set[int]]] = set()
        self._backlog = backlog

    def publish(self, incident_ids: set[int]) -> None:
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
