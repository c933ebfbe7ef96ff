"""`control-center bench ingest`: signals per second through broker, gateway and durable commit to
the acknowledgement, against the raw ceiling of the same broker measured in the same run.

Ceiling: the same messages from the same simulated panels through the same broker to a bare
subscriber that stores nothing (QoS 1, acknowledged on receipt). Ours: through the gateway, which
commits each batch before it sends the PUBACKs. Ack latency: from the panel's clock in the message
(``sent_at``) to the gateway's PUBACK for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import statistics
import sys
import time
import uuid
from asyncio.subprocess import PIPE
from typing import Any

from control_center.core.settings import MqttTarget, Settings
from panel_gateway import mqtt_credentials
from panel_gateway.broker_guard import BrokerGuard
from panel_gateway.embedded_broker import start_embedded_broker
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.transports.mqtt import MqttGateway
from simulators.harness import identities
from simulators.harness.figures import percentile
from simulators.harness.identities import BenchIdentities
from simulators.harness.private_broker import free_port, private_mosquitto
from simulators.harness.processes import run_database, run_settings
from simulators.mqtt_clients import connect, forget_session


async def _publish(
    target: MqttTarget, root: str, panels: int, count: int, run: str, ids: BenchIdentities | None
) -> float:
    """Publish ``count`` messages from ``panels`` concurrent panels (QoS 1) in a process of their own
    (``simulators/bench/publisher.py``), connected before the clock starts; returns the start time."""
    accounts = [f"{n + 1:04d}" for n in range(panels)]
    spec = {
        "broker": f"mqtt://{target.host}:{target.port}",
        "root": root,
        "run": run,
        "per_panel": count // panels,
        "passwords": {a: ids.password(a) if ids else target.password for a in accounts},
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulators.bench.publisher", stdin=PIPE, stdout=PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(spec).encode() + b"\n")
        await process.stdin.drain()
        if (await process.stdout.readline()).strip() != b"ready":
            raise RuntimeError(f"the bench's panels could not connect (exit {await process.wait()})")
        start = time.perf_counter()
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        if (await process.stdout.readline()).strip() != b"sent":
            raise RuntimeError(f"the bench's panels stopped (exit {await process.wait()})")
        await process.wait()
        return start
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _raw_ceiling(settings: Settings, panels: int, count: int, ids: BenchIdentities | None) -> float:
    """The same panels to a bare subscriber that logs in as the gateway and stores nothing."""
    run = f"raw-{uuid.uuid4().hex[:8]}"
    root, target = settings.mqtt_topic_root, settings.broker
    received = 0
    done = asyncio.Event()
    expected = count // panels * panels
    async with connect(
        target, f"bench-{run}", target.username or "bench", target.password, clean_session=True
    ) as sub:
        await sub.subscribe(f"{root}/+/signals", qos=1)

        async def consume() -> None:
            nonlocal received
            async for _ in sub.messages:
                received += 1
                if received >= expected:
                    done.set()
                    return

        consumer = asyncio.create_task(consume())
        start = await _publish(target, root, panels, count, run, ids)
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - start
        consumer.cancel()
    return expected / elapsed


async def _ours(
    settings: Settings, sessions: Any, panels: int, count: int, ids: BenchIdentities | None
) -> tuple[float, list[float]]:
    run = uuid.uuid4().hex[:8]
    target = settings.broker
    latencies: list[float] = []
    expected = count // panels * panels
    done = asyncio.Event()

    def acked(items: list[Received]) -> None:
        now = dt.datetime.now(dt.UTC)
        for item in items:
            if isinstance(item.decoded, PanelSignal) and item.decoded.panel_time:
                latencies.append((now - item.decoded.panel_time).total_seconds() * 1000)
        if len(latencies) >= expected:
            done.set()

    gateway = MqttGateway(settings, Ingest(sessions), on_acked=acked)
    task = asyncio.create_task(gateway.run())
    try:
        await asyncio.wait_for(gateway.ready.wait(), 30)
        start = await _publish(target, settings.mqtt_topic_root, panels, count, run, ids)
        await asyncio.wait_for(done.wait(), 600)
        elapsed = time.perf_counter() - start
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await forget_session(target, settings.mqtt_client_id)
    return expected / elapsed, latencies


async def run(
    messages: int, panels: int, database_url: str | None, mqtt_url: str | None, batch: int
) -> dict[str, Any]:
    """``mqtt_url``: a broker URL, ``embedded``, or None for a private Mosquitto (see private_broker.py).
    On the embedded broker and the private Mosquitto the panels are commissioned and log in as themselves
    (simulators/harness/identities.py); a broker of your own must let the bench's panels in."""
    async with contextlib.AsyncExitStack() as stack:
        url, sessions = await stack.enter_async_context(run_database("bench", database_url))
        planned = run_settings("bench", uuid.uuid4().hex[:8], url, "mqtt://127.0.0.1", ingest_batch_max=batch)
        root = planned.mqtt_topic_root
        accounts = [f"{n + 1:04d}" for n in range(panels)]
        broker_name = mqtt_url or "private mosquitto"
        ids: BenchIdentities | None = None
        if mqtt_url == "embedded":
            ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
            port = free_port()
            lookup = mqtt_credentials.lookup(sessions, ids.gateway_logins)
            broker = await start_embedded_broker(
                "127.0.0.1", port, BrokerGuard(topic_root=root, lookup=lookup)
            )
            stack.push_async_callback(broker.shutdown)
            broker_url = f"mqtt://127.0.0.1:{port}"
        elif mqtt_url:
            broker_url = mqtt_url
        else:
            ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
            private = await stack.enter_async_context(
                private_mosquitto(persistence=False, access=ids.access(root))
            )
            broker_url = private.url
        settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker_url) if ids else broker_url})
        raw = await _raw_ceiling(settings, panels, messages, ids)
        ours, latencies = await _ours(settings, sessions, panels, messages, ids)
    return {
        "messages": messages // panels * panels,
        "panels": panels,
        "ours_per_s": round(ours),
        "raw_per_s": round(raw),
        "ratio": round(ours / raw, 3),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "database": url.split(":", 1)[0],
        "broker": broker_name,
    }


def report(r: dict[str, Any]) -> str:
    return (
        f"ingest bench: {r['messages']:,} messages from {r['panels']} panels, "
        f"{r['database']} + {r['broker']}\n"
        f"raw broker ceiling (bare subscriber): {r['raw_per_s']:,}/s\n"
        f"ours (store, commit, then PUBACK):    {r['ours_per_s']:,}/s  ratio {r['ratio']}\n"
        f"ack latency: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms"
    )
