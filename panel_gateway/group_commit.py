"""Group commit for connection-oriented transports: many panels' frames, one commit, then each answer.

A connection submits its items and waits; the committer gathers what arrives within a few
milliseconds, stores it in one transaction and releases every waiter. A waiter is released only
after its items are committed, so an ACK never goes out for something not yet stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from control_center.core.tasks import stop_if_cancelled
from panel_gateway.ingest import Ingest, Received

log = logging.getLogger(__name__)
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class GroupCommitter:
    def __init__(self, ingest: Ingest, max_batch: int = 500, wait_ms: float = 2.0) -> None:
        self._ingest = ingest
        self._max = max_batch
        self._wait = wait_ms / 1000
        self._queue: asyncio.Queue[tuple[Sequence[Received], asyncio.Future[None]]] = asyncio.Queue()

    async def submit(self, items: Sequence[Received]) -> None:
        """Returns once the items are committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((items, done))
        await done

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            pending = [await self._queue.get()]
            deadline = loop.time() + self._wait
            size = len(pending[0][0])
            while size < self._max:
                if not self._queue.empty():
                    pending.append(self._queue.get_nowait())
                    size += len(pending[-1][0])
                elif loop.time() < deadline:
                    await asyncio.sleep(0.0005)
                else:
                    break
            await self._commit(pending)

    async def _commit(self, pending: list[tuple[Sequence[Received], asyncio.Future[None]]]) -> None:
        items = [item for batch, _ in pending for item in batch]
        attempt = 0
        while True:
            try:
                await self._ingest.store(items)
                break
            except Exception as exc:  # the database is away: hold the answers, keep the items
                stop_if_cancelled()
                delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                attempt += 1
                log.error("commit failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        for _, done in pending:
            if not done.done():
                done.set_result(None)
