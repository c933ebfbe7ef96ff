"""`control-center bench latency`: from a panel's publish to the console's push, under load.

The whole path runs: private Mosquitto → gateway (store, commit, PUBACK) → inbox worker (classify,
open the incident) → hub → the console's server-sent events, read by an HTTP client signed in with an
API token. Probe alarms (burglary, each from its own premises, so each opens an incident) go out every
``interval`` seconds; the latency is from just before the publish to the arrival of the SSE event that
names the new incident. Measured twice in one run: with no other traffic (the baseline) and while
simulated panels send a steady background of periodic tests (default 1,000 signals/s).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import uvicorn
from sqlalchemy import func, select

from control_center.access import service as access
from control_center.access.roles import Role
from control_center.alarms.inbox import InboxWorker
from control_center.app import create_app
from control_center.bench.ingest import percentile
from control_center.bench.private_broker import free_port, private_mosquitto
from control_center.console.hub import Hub
from control_center.db import create_engine, session_factory, utcnow
from control_center.migrate import upgrade_async
from control_center.settings import MqttTarget, Settings
from control_center.subscribers.seed import seed
from panel_gateway.ingest import Ingest
from panel_gateway.models import Signal
from panel_gateway.transports.mqtt import MqttGateway
from simulators.panel import payload

BACKGROUND_PANELS = 50


async def _background(target: MqttTarget, root: str, rate: float) -> None:
    """Periodic tests (602) from seeded panels 1001…, paced to ``rate`` signals/s in all, until cancelled.
    Run in its own process (``python -m control_center.bench.latency``), as real panels are elsewhere."""
    per_panel = rate / BACKGROUND_PANELS

    async def panel(n: int) -> None:
        account = f"{1001 + n:04d}"
        async with aiomqtt.Client(
            target.host,
            target.port,
            identifier=f"lat-bg-{uuid.uuid4().hex[:6]}-{account}",
            username=account,
            max_inflight_messages=50,
        ) as client:
            start, i = time.perf_counter(), 0
            while True:
                i += 1
                body = payload(account, f"bg-{uuid.uuid4().hex[:10]}", 602)
                await client.publish(f"{root}/{account}/signals", body, qos=1)
                delay = start + i / per_panel - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)

    await asyncio.gather(*(panel(n) for n in range(BACKGROUND_PANELS)))


async def _stored(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Signal)) or 0)


async def _probes(
    target: MqttTarget,
    root: str,
    accounts: list[str],
    interval: float,
    events: asyncio.Queue[tuple[float, set[int]]],
) -> list[float]:
    latencies: list[float] = []
    seen: set[int] = set()
    async with aiomqtt.Client(
        target.host, target.port, identifier=f"lat-probe-{uuid.uuid4().hex[:8]}", username="probe"
    ) as client:
        for account in accounts:
            while not events.empty():  # anything before this probe is not its answer
                seen |= events.get_nowait()[1]
            sent = time.perf_counter()
            await client.publish(
                f"{root}/{account}/signals", payload(account, f"p-{uuid.uuid4().hex[:10]}", 130), qos=1
            )
            while True:
                at, ids = await asyncio.wait_for(events.get(), 30)
                if ids - seen:
                    seen |= ids
                    latencies.append((at - sent) * 1000)
                    break
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent)))
    return latencies


async def run(rate: float, probes: int, interval: float, database_url: str | None) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'latency.sqlite3'}"
        await upgrade_async(url)
        broker = await stack.enter_async_context(private_mosquitto(persistence=False))
        target = MqttTarget(broker.url)
        run_id = uuid.uuid4().hex[:8]
        port = free_port()
        settings = Settings(
            _env_file=None,
            database_url=url,
            mqtt_url=broker.url,
            mqtt_topic_root=f"lat-{run_id}/panels",
            mqtt_client_id=f"lat-gw-{run_id}",
            http_port=port,
        )
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        async with sessions() as session:
            await seed(session=session, count=BACKGROUND_PANELS + 2 * probes)
            user = await access.create_user(
                session=session,
                login=f"bench-{run_id}",
                name="bench",
                role=Role.OPERATOR,
                password=uuid.uuid4().hex,
                actor="bench",
                at=utcnow(),
            )
            token = await access.issue_token(
                session=session, user=user, label="bench", actor="bench", at=utcnow()
            )
            await session.commit()
        hub = Hub()
        worker = InboxWorker(sessions, hub.publish)
        gateway = MqttGateway(settings, Ingest(sessions, on_stored=worker.wake))
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, sessions, hub), port=port, log_level="warning")
        )
        tasks = [asyncio.create_task(t) for t in (server.serve(), worker.run(), gateway.run())]
        try:
            await asyncio.wait_for(gateway.ready.wait(), 30)
            while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag)
                await asyncio.sleep(0.05)
            events: asyncio.Queue[tuple[float, set[int]]] = asyncio.Queue()
            async with (
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}",
                    timeout=None,
                    headers={"Authorization": f"Bearer {token}"},
                ) as client,
                client.stream("GET", "/console/events") as stream,
            ):

                async def listen() -> None:
                    async for line in stream.aiter_lines():
                        if line.startswith("data: "):
                            events.put_nowait(
                                (time.perf_counter(), {int(x) for x in line[6:].split(",") if x})
                            )

                listener = asyncio.create_task(listen())
                accounts = [f"{1001 + BACKGROUND_PANELS + i:04d}" for i in range(2 * probes)]
                root = settings.mqtt_topic_root
                baseline = await _probes(target, root, accounts[:probes], interval, events)
                load = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "control_center.bench.latency",
                    broker.url,
                    root,
                    str(rate),
                )
                try:
                    await asyncio.sleep(3)  # let the load settle
                    started, before = time.perf_counter(), await _stored(sessions)
                    loaded = await _probes(target, root, accounts[probes:], interval, events)
                    achieved = (await _stored(sessions) - before - probes) / (time.perf_counter() - started)
                finally:
                    load.terminate()
                    await load.wait()
                listener.cancel()
        finally:
            server.should_exit = True
            for task in tasks[1:]:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "probes": probes,
        "background_target_per_s": rate,
        "background_per_s": round(achieved),  # stored by the gateway while the probes ran
        "p50_ms": round(statistics.median(loaded), 1),
        "p99_ms": round(percentile(loaded, 0.99), 1),
        "max_ms": round(max(loaded), 1),
        "baseline_p50_ms": round(statistics.median(baseline), 1),
        "baseline_p99_ms": round(percentile(baseline, 0.99), 1),
        "database": url.split(":", 1)[0],
        "broker": "private mosquitto",
    }


if __name__ == "__main__":  # the background load's own process: broker URL, topic root, rate
    asyncio.run(_background(MqttTarget(sys.argv[1]), sys.argv[2], float(sys.argv[3])))
