"""`control-center bench storm`: a queue of low-priority signals, then a fire alarm.

Fills the inbox with N unprocessed trouble signals (as an earthquake's storm would), then sends a
fire alarm through ingest (classification, commit) and the inbox worker, and measures receipt to
its place in the operators' queue. The baseline is the same fire with an empty inbox, in the same run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

from sqlalchemy import select, update

from control_center.core.bulk import insert_new
from control_center.core.db import utcnow
from control_center.incidents import service as incidents
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.harness.processes import run_database
from simulators.panel import payload

CHUNK = 5000


def _trouble_row(i: int, at: dt.datetime) -> dict[str, Any]:
    return {
        "account": f"S{i:07d}",
        "message_id": f"storm-{i}",
        "transport": "mqtt",
        "received_at": at,
        "panel_time": None,
        "format": "contact_id",
        "event_code": "302",
        "qualifier": "1",
        "partition": 1,
        "zone": 1,
        "device": None,
        "kind": "alarm",
        "service_type": "G",
        "priority": 4,
        "description": "system trouble",
        "raw": "",
        "processed_at": None,
        "incident_id": None,
    }


async def _fire_latency(sessions: Any, account: str) -> tuple[float, int]:
    raw = payload(account, f"fire-{time.time_ns()}", 110)
    start = time.perf_counter()
    now = utcnow()
    await Ingest(sessions).store(
        [Received("mqtt", f"panels/{account}/signals", raw, now, mqtt_payload.parse_json(account, raw))]
    )
    while True:
        async with sessions() as session:
            await process_pending(session=session)
            fire = await session.scalar(select(Incident.id).where(Incident.account == account))
            if fire is not None:
                queue = await incidents.list_open(session=session, limit=1000)
                latency = (time.perf_counter() - start) * 1000
                position = next(i for i, incident in enumerate(queue, 1) if incident.id == fire)
                return latency, position


async def _close_all(sessions: Any) -> None:
    async with sessions() as session:
        await session.execute(update(Incident).values(closed_at=utcnow(), open_key=None))
        await session.commit()


async def run(signals: int, database_url: str | None) -> dict[str, Any]:
    async with run_database("storm", database_url) as (url, sessions):
        await _fire_latency(sessions, "F000")  # warm-up: connections, statement caches
        await _close_all(sessions)
        baseline_ms, _ = await _fire_latency(sessions, "F001")
        await _close_all(sessions)  # the baseline's incident is dealt with before the storm
        at = utcnow()
        fill_start = time.perf_counter()
        for first in range(0, signals, CHUNK):
            rows = [_trouble_row(i, at) for i in range(first, min(first + CHUNK, signals))]
            async with sessions() as session, session.begin():
                await insert_new(session, Signal, rows)
        fill_s = time.perf_counter() - fill_start
        latency_ms, position = await _fire_latency(sessions, "F002")
        async with sessions() as session:
            waiting = await session.scalar(
                select(Signal.id).where(Signal.processed_at.is_(None)).limit(1)
            )  # the storm is still queued behind the fire
    return {
        "queued_before": signals,
        "fire_queue_position": position,
        "fire_latency_ms": round(latency_ms, 1),
        "baseline_latency_ms": round(baseline_ms, 1),
        "storm_still_queued": waiting is not None,
        "fill_seconds": round(fill_s, 2),
        "database": url.split(":", 1)[0],
    }


def main(signals: int, database_url: str | None) -> dict[str, Any]:
    return asyncio.run(run(signals, database_url))


def report(r: dict[str, Any]) -> str:
    return (
        f"storm bench on {r['database']}: {r['queued_before']:,} trouble signals queued "
        f"(filled in {r['fill_seconds']} s), then a fire alarm\n"
        f"fire: position {r['fire_queue_position']} in the operators' queue, "
        f"{r['fire_latency_ms']} ms from receipt (baseline with an empty inbox: "
        f"{r['baseline_latency_ms']} ms); the storm still queued behind it: "
        f"{r['storm_still_queued']}"
    )
