"""`control-center bench storm`: a regional power cut's storm of trouble signals, then a fire alarm.

Stores N trouble signals (AC loss from N premises) through the gateway's store path, as a storm would
arrive, then sends a fire alarm the same way while the inbox worker works through the storm. The fire
is timed from just before its store to the moment the worker's push naming its incident reaches a
console subscription of the hub — the moment `/console/events` tells the browsers — not to the end of
the worker's pass. The baseline is the same fire with an empty inbox, in the same run.

Also measured in the same run: ``ingest_per_s``, the storm's signals stored through ``Ingest.store`` in
batches of the gateway's group-commit size, and ``drain_per_s``, the inbox worker's rate through the
whole storm (from its start to the last signal processed). The inbox keeps up when
``drain_per_s ≥ ingest_per_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents import service as incidents
from control_center.incidents.inbox import InboxWorker
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.harness.processes import run_database
from simulators.panel import payload

AC_LOSS, FIRE = "AT", 110  # SIA AC trouble (100,000 premises), Contact ID fire
Sessions = async_sessionmaker[AsyncSession]


def _received(account: str, message_id: str, code: int | str) -> Received:
    """A Contact ID event (``code`` a number) or, for accounts Contact ID's 4 digits cannot name, SIA."""
    if isinstance(code, str):
        raw = json.dumps({"msg_id": message_id, "sia": {"code": code, "zone": 1}}).encode()
    else:
        raw = payload(account, message_id, code)
    return Received("mqtt", f"panels/{account}/signals", raw, utcnow(), mqtt_payload.parse_json(account, raw))


@contextlib.asynccontextmanager
async def _worker_running(sessions: Sessions, hub: Hub) -> AsyncIterator[InboxWorker]:
    """The inbox worker as `control-center serve` runs it: its pushes go to the hub."""
    worker = InboxWorker(sessions, hub.publish)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _fire_to_push(sessions: Sessions, hub: Hub, worker: InboxWorker, account: str) -> float:
    """Milliseconds from just before the fire's store to the first hub push that names its incident."""
    pushes: list[tuple[float, set[int]]] = []
    with hub.subscription() as console:
        start = time.perf_counter()
        fire_signal = _received(account, f"fire-{time.time_ns()}", FIRE)
        await Ingest(sessions, on_stored=worker.wake).store([fire_signal])
        fire: int | None = None
        while True:
            ids = await console.get()
            pushes.append((time.perf_counter(), ids))
            if fire is None:
                async with sessions() as session:
                    fire = await session.scalar(select(Incident.id).where(Incident.account == account))
            if fire is not None:
                for at, pushed in pushes:
                    if fire in pushed:
                        return (at - start) * 1000


async def _store_storm(sessions: Sessions, signals: int, batch: int) -> float:
    """Seconds to store ``signals`` AC-loss signals through the gateway's store path, a batch at a time."""
    ingest = Ingest(sessions)
    start = time.perf_counter()
    for first in range(0, signals, batch):
        last = min(first + batch, signals)
        items = [_received(f"S{i:07d}", f"storm-{i}", AC_LOSS) for i in range(first, last)]
        result = await ingest.store(items)
        assert result.stored == len(items), result  # a bench that lost signals would measure nothing
    return time.perf_counter() - start


async def _unprocessed(sessions: Sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).where(Signal.processed_at.is_(None))) or 0


async def _any_unprocessed(sessions: Sessions) -> bool:
    async with sessions() as session:
        waiting = select(Signal.id).where(Signal.processed_at.is_(None)).limit(1)
        return await session.scalar(waiting) is not None


async def _drained(sessions: Sessions, hub: Hub) -> None:
    """Returns once nothing is left unprocessed (looked at after each push, at least twice a second; one
    row looked for, not all counted: counting a storm after each push took a share of the machine the
    worker measured here needs)."""
    with hub.subscription() as console:
        while await _any_unprocessed(sessions):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(console.get(), 0.5)


async def _close_all(sessions: Sessions) -> None:
    async with sessions() as session:
        await session.execute(update(Incident).values(closed_at=utcnow(), open_key=None))
        await session.commit()


async def run(signals: int, database_url: str | None) -> dict[str, Any]:
    hub = Hub()
    async with run_database("storm", database_url) as (url, sessions):
        async with _worker_running(sessions, hub) as worker:
            await _fire_to_push(sessions, hub, worker, "F000")  # warm-up: connections, statement caches
            await _close_all(sessions)
            baseline_ms = await _fire_to_push(sessions, hub, worker, "F001")
            await _close_all(sessions)  # the baseline's incident is dealt with before the storm
        store_s = await _store_storm(sessions, signals, Settings().ingest_batch_max)
        async with _worker_running(sessions, hub) as worker:
            drain_start = time.perf_counter()
            latency_ms = await _fire_to_push(sessions, hub, worker, "F002")
            queued_behind = await _unprocessed(sessions)  # the storm still waiting when the fire was out
            async with sessions() as session:
                queue = await incidents.list_open(session=session, limit=10)
            position = next((i for i, incident in enumerate(queue, 1) if incident.account == "F002"), None)
            await _drained(sessions, hub)
            drain_s = time.perf_counter() - drain_start
    return {
        "queued_before": signals,
        "fire_queue_position": position,
        "fire_latency_ms": round(latency_ms, 1),
        "baseline_latency_ms": round(baseline_ms, 1),
        "queued_behind_fire": queued_behind,
        "ingest_per_s": round(signals / store_s),
        "drain_per_s": round((signals + 1) / drain_s),
        "drain_seconds": round(drain_s, 1),
        "database": url.split(":", 1)[0],
    }


def main(signals: int, database_url: str | None) -> dict[str, Any]:
    return asyncio.run(run(signals, database_url))


def report(r: dict[str, Any]) -> str:
    keeps_up = "keeps up" if r["drain_per_s"] >= r["ingest_per_s"] else "falls behind"
    return (
        f"storm bench on {r['database']}: {r['queued_before']:,} trouble signals stored through the "
        f"gateway's path at {r['ingest_per_s']:,}/s, then a fire alarm\n"
        f"fire: on the console {r['fire_latency_ms']} ms after receipt (baseline with an empty inbox: "
        f"{r['baseline_latency_ms']} ms), position {r['fire_queue_position']} in the operators' queue, "
        f"{r['queued_behind_fire']:,} signals still queued behind it\n"
        f"inbox: the storm worked at {r['drain_per_s']:,}/s ({r['drain_seconds']} s): it {keeps_up} "
        f"with the gateway"
    )
