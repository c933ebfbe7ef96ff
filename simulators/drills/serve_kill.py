"""The ``serve-kill`` drill: two web/worker sites behind HAProxy, and one is killed while a console is
connected through it.

A ``control-center gateway`` stores what the panels send through a private Mosquitto; two ``control-center
serve`` processes work the inbox and serve the consoles, behind a private HAProxy that checks ``/readyz``
(``simulators/harness/haproxy.py``). A console (an event-stream client, as the page's htmx SSE extension is)
listens on ``/console/events`` through HAProxy. A quarter into the stream the serve process that console
is connected to is killed with SIGKILL; the console reconnects through HAProxy, to the other one.

The figures: ``sent`` (confirmed by the broker), ``stored`` (once each), ``duplicates``, ``lost`` (sent but
never stored, or stored but never worked into an incident by the end: a worker that died mid-transaction
must leave its signals to the other), and ``takeover_s``: seconds from the kill until the console receives
incident events again. It passes with nothing lost or repeated and ``takeover_s`` under ``TAKEOVER_GOAL``.
The database must be PostgreSQL: the sessions and the bus (NOTIFY) are what the two sites share.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from control_center.access import service as access
from control_center.access.roles import Role
from control_center.core.db import utcnow
from control_center.core.settings import MqttTarget
from control_center.signals.models import Signal
from simulators.drills import streams
from simulators.harness import identities
from simulators.harness.haproxy import SERVER_HEADER, PrivateHAProxy
from simulators.harness.private_broker import free_port, private_mosquitto
from simulators.harness.private_postgres import PrivatePostgres
from simulators.harness.processes import CenterProcess, child_env, run_database, run_settings
from simulators.panel import payload

PANELS = 10
SERVES = ("serve1", "serve2")
TAKEOVER_GOAL = 30.0  # seconds: a Sur-Gard receiver's standby takes over in about this
RECONNECT_SECONDS = 0.5  # the console's wait before reconnecting (htmx's SSE extension starts near this)
BURGLARY = 130


@dataclass(frozen=True)
class ServeKillResult:
    drill: str
    sent: int
    stored: int
    duplicates: int
    lost: int
    takeover_s: float | None  # None: the console never heard of an incident again
    killed: str
    events_before: int
    events_after: int
    seconds: float

    @property
    def passed(self) -> bool:
        return (
            self.stored == self.sent
            and self.duplicates == 0
            and self.lost == 0
            and self.takeover_s is not None
            and self.takeover_s < TAKEOVER_GOAL
        )


class Console:
    """An operator's console as far as the live queue goes: the event stream, reconnected after a loss."""

    def __init__(self, base_url: str, token: str) -> None:
        self.url, self.headers = f"{base_url}/console/events", {"Authorization": f"Bearer {token}"}
        self.server: str | None = None  # which serve the current stream is on (HAProxy's header)
        self.events: list[tuple[float, str | None]] = []  # (monotonic time, serve) of each incidents event
        self.connected = asyncio.Event()
        self.resumed = asyncio.Event()  # an event heard from another serve after the fault
        self._fault: tuple[float, str] | None = None

    async def run(self) -> None:
        timeout = httpx.Timeout(5.0, read=40.0)  # the server's heartbeat comes every 15 s
        async with httpx.AsyncClient(timeout=timeout) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    async with client.stream("GET", self.url, headers=self.headers) as stream:
                        if stream.status_code == 200:
                            self.server = stream.headers.get(SERVER_HEADER)
                            self.connected.set()
                            async for line in stream.aiter_lines():
                                if line == "event: incidents":
                                    self._heard(time.monotonic())
                self.server = None
                self.connected.clear()
                await asyncio.sleep(RECONNECT_SECONDS)

    def fault(self, at: float, victim: str) -> None:
        self._fault = (at, victim)

    def _heard(self, at: float) -> None:
        self.events.append((at, self.server))
        if self._fault is not None and at > self._fault[0] and self.server != self._fault[1]:
            self.resumed.set()

    def takeover(self, fault_at: float, victim: str) -> float | None:
        after = [t for t, server in self.events if t > fault_at and server != victim]
        return round(after[0] - fault_at, 2) if after else None


async def _operator_token(sessions: Any, run: str) -> str:
    async with sessions() as session:
        user = await access.create_user(
            session=session,
            login=f"drill-operator-{run}",
            name="drill operator",
            role=Role("operator"),
            password=secrets.token_urlsafe(16),
            actor="drill",
            at=utcnow(),
        )
        token = await access.issue_token(
            session=session, user=user, label="serve-kill", actor="drill", at=utcnow()
        )
        await session.commit()
    return token


async def _ready(port: int, process: CenterProcess, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            if time.monotonic() > deadline or (process.process and process.process.returncode is not None):
                raise RuntimeError(
                    f"control-center serve on {port} did not get ready: {process.log()[-2000:]}"
                )
            await asyncio.sleep(0.2)


async def _unprocessed(sessions: Any, run: str, within: float = 60) -> int:
    """This run's stored signals the workers have not worked, once none are left or ``within`` passed."""
    ours = Signal.message_id.like(f"{run}-%") & Signal.processed_at.is_(None)
    deadline = time.perf_counter() + within
    while True:
        async with sessions() as session:
            left = await session.scalar(select(func.count()).select_from(Signal).where(ours)) or 0
        if left == 0 or time.perf_counter() > deadline:
            return left
        await asyncio.sleep(0.5)


async def run(
    messages: int = 300, per_second: float = 20.0, database_url: str | None = None
) -> ServeKillResult:
    """The drill on ``database_url`` (PostgreSQL), or on a private PostgreSQL made for it."""
    if database_url is not None:
        if make_url(database_url).get_backend_name() != "postgresql":
            raise ValueError("serve-kill needs PostgreSQL: the two sites share sessions and the bus there")
        return await _drill(messages, per_second, database_url)
    database = PrivatePostgres()
    await database.create()
    await database.start()
    try:
        return await _drill(messages, per_second, database.url)
    finally:
        await database.destroy()


async def _drill(messages: int, per_second: float, database_url: str) -> ServeKillResult:
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:8]
    accounts = [f"{9101 + n:04d}" for n in range(PANELS)]
    sent: list[str] = []
    async with run_database("serve-kill", database_url) as (url, sessions):
        planned = run_settings("serve-kill", run_id, url, "mqtt://127.0.0.1")
        ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
        token = await _operator_token(sessions, run_id)
        with tempfile.TemporaryDirectory() as tmp:
            async with private_mosquitto(
                persistence=True, access=ids.access(planned.mqtt_topic_root)
            ) as broker:
                settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker.url)})
                folder = Path(tmp)
                gateway = CenterProcess(
                    "gateway", child_env(settings), folder / "gateway.log", "gateway ready"
                )
                ports = {name: free_port() for name in SERVES}
                serves = {
                    name: CenterProcess(
                        "serve",
                        # child_env: one center key, so a session or CSRF token holds on either serve
                        child_env(settings.model_copy(update={"http_port": port})),
                        folder / f"{name}.log",
                        None,
                    )
                    for name, port in ports.items()
                }
                haproxy = PrivateHAProxy(free_port(), ports)
                console: Console | None = None
                tasks: list[asyncio.Future[Any]] = []
                try:
                    await gateway.start()
                    for name, process in serves.items():  # one after the other: each runs the migrations
                        await process.start()
                        await _ready(ports[name], process)
                    await haproxy.start()
                    console = Console(haproxy.url, token)  # the port is known once it listens
                    tasks.append(asyncio.create_task(console.run()))
                    await asyncio.wait_for(console.connected.wait(), 30)
                    target = MqttTarget(broker.url)
                    panels = streams.stream(
                        streams.numbered(run_id, accounts, messages),
                        targets=lambda _: target,
                        root=settings.mqtt_topic_root,
                        ids=ids,
                        per_second=per_second,
                        confirmed=sent.append,
                        # Burglary alarms, a zone each: the console hears of them, and no zone is a
                        # runaway device whose alarms the inbox would hold.
                        payloads=lambda account, msg_ids: [
                            payload(account, m, BURGLARY, zone=i + 1) for i, m in enumerate(msg_ids)
                        ],
                    )
                    tasks.append(panels)
                    await asyncio.sleep(messages / per_second / 4)  # a quarter goes through first
                    await asyncio.wait_for(console.connected.wait(), 30)
                    victim = console.server
                    if victim not in serves:  # HAProxy names the site in a header (harness/haproxy.py)
                        raise RuntimeError(f"the console's stream names no serve: {victim}")
                    fault_at = time.monotonic()
                    console.fault(fault_at, victim)
                    await serves[victim].kill()
                    await panels
                    stored = await streams.stored_ids(sessions, run_id, len(sent))
                    unprocessed = await _unprocessed(sessions, run_id)
                    # The console may still be reconnecting when the last signal is worked: wait a little.
                    left = fault_at + TAKEOVER_GOAL * 2 - time.monotonic()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(console.resumed.wait(), max(left, 0.1))
                finally:
                    for task in tasks:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await task
                    await haproxy.stop()
                    for process in serves.values():
                        await process.stop()
                    await gateway.stop()
    assert console is not None  # made before the stream began, or the drill raised
    distinct = set(stored)
    return ServeKillResult(
        drill="serve-kill",
        sent=len(sent),
        stored=len(distinct),
        duplicates=len(stored) - len(distinct),
        lost=len(set(sent) - distinct) + unprocessed,
        takeover_s=console.takeover(fault_at, victim),
        killed=victim,
        events_before=sum(1 for t, _ in console.events if t <= fault_at),
        events_after=sum(1 for t, _ in console.events if t > fault_at),
        seconds=round(time.perf_counter() - started, 1),
    )


def as_json(result: ServeKillResult) -> dict[str, Any]:
    return asdict(result) | {"passed": result.passed}


def report(result: ServeKillResult) -> str:
    takeover = f"{result.takeover_s} s" if result.takeover_s is not None else "never"
    return (
        f"serve-kill: sent {result.sent}, stored {result.stored}, duplicates {result.duplicates}, "
        f"lost {result.lost}; {result.killed} killed, the console heard incidents again after {takeover} "
        f"({result.events_before} events before, {result.events_after} after; "
        f"{'passed' if result.passed else 'FAILED'}, {result.seconds} s)"
    )
