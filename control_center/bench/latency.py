"""`control-center bench latency`: from a panel's publish to the console's push, under load.

The whole path runs: private Mosquitto → gateway (store, commit, PUBACK) → inbox worker (classify,
open the incident) → hub → the console's server-sent events, read by an HTTP client signed in with an
API token. On PostgreSQL the center runs as deployed: ``control-center gateway`` and
``control-center serve`` in two processes (``--processes one``: all in this process, as the demo).
Probe alarms (burglary, each from its own premises, so each opens an incident) go out every
``interval`` seconds; the latency is from just before the publish to the arrival of the SSE event that
names the new incident. Measured twice in one run: with no other traffic (the baseline) and while
simulated panels in another process send a steady background of periodic tests (default 1,000/s).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
from control_center.bench import identities
from control_center.bench.identities import panel_password
from control_center.bench.ingest import percentile
from control_center.bench.private_broker import free_port, private_mosquitto
from control_center.bench.processes import CenterProcess, child_env, run_settings
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
KEY_VARIABLE = "CC_BENCH_PANEL_KEY"  # the run's panel key, for the background process
WARM_UP = 5  # probes before the baseline, not counted: the first alarms after a start compile statements


async def _background(target: MqttTarget, root: str, rate: float, key: str) -> None:
    """Periodic tests (602) from seeded panels 1001…, paced to ``rate`` signals/s in all, until cancelled.
    Run in its own process (``python -m control_center.bench.latency``), as real panels are elsewhere;
    each logs in with the password it derives from the run's ``key`` (control_center/bench/identities.py)."""
    per_panel = rate / BACKGROUND_PANELS

    async def panel(n: int) -> None:
        account = f"{1001 + n:04d}"
        async with aiomqtt.Client(
            target.host,
            target.port,
            identifier=f"lat-bg-{uuid.uuid4().hex[:6]}-{account}",
            username=account,
            password=panel_password(key, account),
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
    key: str,
) -> list[Probe]:
    probes: list[Probe] = []
    seen: set[int] = set()
    for account in accounts:  # each probe is its own panel, logged in as itself
        async with aiomqtt.Client(
            target.host, target.port, username=account, password=panel_password(key, account)
        ) as client:
            while not events.empty():  # anything before this probe is not its answer
                seen |= events.get_nowait()[1]
            sent, sent_wall = time.perf_counter(), time.time()
            await client.publish(
                f"{root}/{account}/signals", payload(account, f"p-{uuid.uuid4().hex[:10]}", 130), qos=1
            )
            while True:
                at, ids = await asyncio.wait_for(events.get(), 30)
                if ids - seen:
                    seen |= ids
                    probes.append(Probe(account, sent_wall, sent_wall + (at - sent), (at - sent) * 1000))
                    break
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent)))
    return probes


@dataclass(frozen=True, slots=True)
class Probe:
    account: str
    sent: float  # wall clock, comparable with the times the center's processes store
    arrived: float
    ms: float


async def _stages(sessions: Any, probes: list[Probe]) -> dict[str, float]:
    """Where the time went, from the times the center stored with each probe's signal: p50/p99 of
    publish → gateway (broker, batch wait), gateway → worker (commit, wake-up, the worker finishing what
    it holds) and worker → console (opening the incident, commit, push)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Signal.account, Signal.received_at, Signal.processed_at).where(
                Signal.account.in_([p.account for p in probes]), Signal.event_code == "130"
            )
        )
        stored = {account: (received, processed) for account, received, processed in rows.all()}
    parts: dict[str, list[float]] = {"gateway": [], "worker": [], "console": []}
    for probe in probes:
        received, processed = (t.timestamp() for t in stored[probe.account])
        parts["gateway"].append((received - probe.sent) * 1000)
        parts["worker"].append((processed - received) * 1000)
        parts["console"].append((probe.arrived - processed) * 1000)
    return {
        f"{name}_{q}_ms": round(percentile(values, 0.5 if q == "p50" else 0.99), 1)
        for name, values in parts.items()
        for q in ("p50", "p99")
    }


@contextlib.asynccontextmanager
async def _separate_processes(settings: Settings, tmp: Path) -> AsyncIterator[None]:
    """The documented deployment: ``control-center gateway`` and ``control-center serve`` (console, API,
    inbox worker) as two processes, the worker woken through PostgreSQL's NOTIFY."""
    env = child_env(settings, CC_SECRET_KEY=uuid.uuid4().hex * 2, CC_MAIL_OUTBOX_DIR=str(tmp / "outbox"))
    serve = CenterProcess("serve", env, tmp / "serve.log", None)
    gateway = CenterProcess("gateway", env, tmp / "gateway.log", "gateway ready")
    try:
        await serve.start()
        await gateway.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as client:
            deadline = time.monotonic() + 60
            while not await _healthy(client):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"control-center serve does not answer: {serve.log()[-2000:]}")
                await asyncio.sleep(0.1)
        yield
    finally:
        stuck = [p.command for p in (gateway, serve) if not await p.stop()]
        if stuck:  # systemd would have to kill it too: a bug, not a figure
            raise RuntimeError(f"control-center {' and '.join(stuck)} did not stop on SIGTERM")


async def _healthy(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/healthz")).status_code == 200
    except httpx.TransportError:
        return False


@contextlib.asynccontextmanager
async def _one_process(settings: Settings, sessions: Any) -> AsyncIterator[None]:
    """Gateway, inbox worker and web server in this process, as ``control-center demo`` runs them."""
    hub = Hub()
    worker = InboxWorker(sessions, hub.publish)
    gateway = MqttGateway(settings, Ingest(sessions, on_stored=worker.wake))
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, sessions, hub), port=settings.http_port, log_level="warning")
    )
    tasks = [asyncio.create_task(t) for t in (server.serve(), worker.run(), gateway.run())]
    try:
        await asyncio.wait_for(gateway.ready.wait(), 30)
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag)
            await asyncio.sleep(0.05)
        yield
    finally:
        server.should_exit = True
        for task in tasks[1:]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run(
    rate: float, probes: int, interval: float, database_url: str | None, processes: str | None = None
) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = database_url or f"sqlite+aiosqlite:///{tmp / 'latency.sqlite3'}"
        # Separate processes need PostgreSQL's NOTIFY to wake the worker; SQLite is the one-process demo.
        processes = processes or ("separate" if url.startswith("postgresql") else "one")
        if processes == "separate" and not url.startswith("postgresql"):
            raise ValueError("--processes separate needs PostgreSQL (--database-url postgresql+psycopg://…)")
        await upgrade_async(url)
        run_id = uuid.uuid4().hex[:8]
        planned = run_settings("lat", run_id, url, "mqtt://127.0.0.1", http_port=free_port())
        engine = create_engine(url)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        async with sessions() as session:
            await seed(session=session, count=BACKGROUND_PANELS + WARM_UP + 2 * probes)
        panels = [f"{1001 + i:04d}" for i in range(BACKGROUND_PANELS + WARM_UP + 2 * probes)]
        ids = await identities.commission(sessions, panels, planned.mqtt_client_id)
        broker = await stack.enter_async_context(
            private_mosquitto(persistence=False, access=ids.access(planned.mqtt_topic_root))
        )
        target = MqttTarget(broker.url)
        settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker.url)})
        async with sessions() as session:
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
        if processes == "separate":
            await stack.enter_async_context(_separate_processes(settings, tmp))
        else:
            await stack.enter_async_context(_one_process(settings, sessions))
        events: asyncio.Queue[tuple[float, set[int]]] = asyncio.Queue()
        async with (
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{settings.http_port}",
                timeout=None,
                headers={"Authorization": f"Bearer {token}"},
            ) as client,
            client.stream("GET", "/console/events") as stream,
        ):

            async def listen() -> None:
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        events.put_nowait((time.perf_counter(), {int(x) for x in line[6:].split(",") if x}))

            listener = asyncio.create_task(listen())
            accounts = [f"{1001 + BACKGROUND_PANELS + i:04d}" for i in range(WARM_UP + 2 * probes)]
            root = settings.mqtt_topic_root
            await _probes(target, root, accounts[:WARM_UP], interval, events, ids.key)
            accounts = accounts[WARM_UP:]
            baseline = await _probes(target, root, accounts[:probes], interval, events, ids.key)
            load = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "control_center.bench.latency", broker.url, root, str(rate),
                env=os.environ | {KEY_VARIABLE: ids.key},  # not in argv: ps shows argv to everyone
            )  # fmt: skip
            try:
                await asyncio.sleep(3)  # let the load settle
                started, before = time.perf_counter(), await _stored(sessions)
                loaded = await _probes(target, root, accounts[probes:], interval, events, ids.key)
                achieved = (await _stored(sessions) - before - probes) / (time.perf_counter() - started)
            finally:
                load.terminate()
                await load.wait()
            listener.cancel()
        stages = await _stages(sessions, loaded)
    latencies, base = [p.ms for p in loaded], [p.ms for p in baseline]
    return {
        "probes": probes,
        "processes": processes,
        "background_target_per_s": rate,
        "background_per_s": round(achieved),  # stored by the gateway while the probes ran
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "baseline_p50_ms": round(statistics.median(base), 1),
        "baseline_p99_ms": round(percentile(base, 0.99), 1),
        "stages_under_load": stages,
        "database": url.split(":", 1)[0],
        "broker": "private mosquitto",
    }


if __name__ == "__main__":  # the background load's own process: broker URL, topic root, rate
    asyncio.run(
        _background(MqttTarget(sys.argv[1]), sys.argv[2], float(sys.argv[3]), os.environ[KEY_VARIABLE])
    )
