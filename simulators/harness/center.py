"""The center as the latency bench and the flood drill run it: seeded premises whose panels are
commissioned, a private Mosquitto enforcing their logins, the center in one process (the demo's
arrangement) or as ``gateway`` + ``serve`` processes (the deployment's), and an operator's view of the
console's event stream, to time when an alarm reaches the operators."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.access import service as access
from control_center.access.roles import Role
from control_center.app import create_app
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents.inbox import InboxWorker
from control_center.migrate import upgrade_async
from panel_gateway.ingest import Ingest
from panel_gateway.transports.mqtt import MqttGateway
from simulators.demo.subscribers import seed
from simulators.harness import identities
from simulators.harness.identities import BenchIdentities
from simulators.harness.private_broker import free_port, private_mosquitto
from simulators.harness.processes import CenterProcess, child_env, run_settings

# (perf_counter when it arrived, the incident ids it names): one per server-sent event of the console
ConsoleEvents = asyncio.Queue[tuple[float, set[int]]]


@dataclass(frozen=True)
class BenchCenter:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    broker_url: str  # where the panels publish (they log in as themselves)
    ids: BenchIdentities
    events: ConsoleEvents
    processes: str  # one | separate


@contextlib.asynccontextmanager
async def bench_center(
    name: str, database_url: str, panels: int, processes: str, tmp: Path
) -> AsyncIterator[BenchCenter]:
    """``panels`` seeded premises (accounts 1001…) with commissioned panels, the center running, and
    an operator signed in to the console's event stream."""
    await upgrade_async(database_url)
    planned = run_settings(
        name, uuid.uuid4().hex[:8], database_url, "mqtt://127.0.0.1", http_port=free_port()
    )
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            await seed(session=session, count=panels)
        accounts = [f"{1001 + i:04d}" for i in range(panels)]
        ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
        token = await _operator_token(sessions, name)
        async with private_mosquitto(persistence=False, access=ids.access(planned.mqtt_topic_root)) as broker:
            settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker.url)})
            running = (
                separate_processes(settings, tmp)
                if processes == "separate"
                else one_process(settings, sessions)
            )
            async with running, console_events(settings, token) as events:
                yield BenchCenter(settings, sessions, broker.url, ids, events, processes)
    finally:
        await engine.dispose()


async def _operator_token(sessions: async_sessionmaker[AsyncSession], name: str) -> str:
    async with sessions() as session:
        user = await access.create_user(
            session=session, login=f"{name}-{uuid.uuid4().hex[:8]}", name=name, role=Role.OPERATOR,
            password=uuid.uuid4().hex, actor=name, at=utcnow(),
        )  # fmt: skip
        token = await access.issue_token(session=session, user=user, label=name, actor=name, at=utcnow())
        await session.commit()
    return token


@contextlib.asynccontextmanager
async def console_events(settings: Settings, token: str) -> AsyncIterator[ConsoleEvents]:
    """What an operator's console hears, as it arrives: ``GET /console/events`` read by an HTTP client
    signed in with an API token."""
    events: ConsoleEvents = asyncio.Queue()
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
        try:
            yield events
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)


@contextlib.asynccontextmanager
async def separate_processes(settings: Settings, tmp: Path) -> AsyncIterator[None]:
    """The documented deployment: ``control-center gateway`` and ``control-center serve`` (console, API,
    inbox worker) as two processes, the worker woken through PostgreSQL's NOTIFY."""
    env = child_env(settings, CC_MAIL_OUTBOX_DIR=str(tmp / "outbox"))
    serve = CenterProcess("serve", env, tmp / "serve.log", None)
    gateway = CenterProcess("gateway", env, tmp / "gateway.log", "gateway ready")
    try:
        await serve.start()
        await gateway.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}") as client:
            deadline = time.monotonic() + 60
            while not await _ready(client):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"control-center serve does not answer: {serve.log()[-2000:]}")
                await asyncio.sleep(0.1)
        yield
    finally:
        stuck = [p.command for p in (gateway, serve) if not await p.stop()]
        if stuck:  # systemd would have to kill it too: a bug, not a figure
            raise RuntimeError(f"control-center {' and '.join(stuck)} did not stop on SIGTERM")


async def _ready(client: httpx.AsyncClient) -> bool:
    """``/readyz``: this process serves. (``/healthz`` judges the whole alarm path: on a database kept
    from an earlier run it rightly reports the panels that have since gone quiet.)"""
    try:
        return (await client.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


@contextlib.asynccontextmanager
async def one_process(settings: Settings, sessions: Any) -> AsyncIterator[None]:
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
