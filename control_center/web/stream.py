"""The live updates of the consoles and the responder's phone: server-sent events from the hub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi.responses import StreamingResponse

from control_center.core.hub import SYSTEM, Hub

HEARTBEAT_SECONDS = 15


def event_stream(
    hub: Hub, concerns: Callable[[set[int]], Awaitable[bool]] | None = None
) -> StreamingResponse:
    """``incidents`` events with the changed ids; ``concerns`` filters them (a responder's own only).
    ``system`` events when the system alarms changed."""

    async def stream() -> AsyncIterator[str]:
        with hub.subscription() as updates:
            yield ": connected\n\n"
            while True:
                try:
                    ids = await asyncio.wait_for(updates.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if SYSTEM in ids:  # the watchdog's system alarms changed: the banner re-fetches
                    ids = ids - {SYSTEM}
                    yield "event: system\ndata: changed\n\n"  # empty data would not be dispatched
                    if not ids:
                        continue
                if concerns is None or await concerns(ids):
                    yield f"event: incidents\ndata: {','.join(map(str, sorted(ids)))}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
