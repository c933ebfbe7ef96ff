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
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from control_center.core.bus import INCIDENTS, decode
from control_center.core.settings import MqttTarget
from control_center.signals.models import Signal
from simulators.harness.center import bench_center
from simulators.harness.figures import latencies_ms, percentile
from simulators.harness.identities import KEY_VARIABLE, panel_password
from simulators.harness.schemas import fresh_schema
from simulators.mqtt_clients import connect
from simulators.panel import payload

BACKGROUND_PANELS = 50
# Messages a background panel may have sent and not yet had acknowledged; 1 is the closed loop of
# before issue 20 (each waits for its PUBACK), kept for comparison: CC_BENCH_IN_FLIGHT=1.
IN_FLIGHT = int(os.environ.get("CC_BENCH_IN_FLIGHT", "50"))
WARM_UP = 5  # probes before the baseline, not counted: the first alarms after a start compile statements


async def _background(target: MqttTarget, root: str, rate: float, key: str) -> None:
    """Periodic tests (602) from seeded panels 1001…, paced to ``rate`` signals/s in all, until cancelled.
    Run in its own process (``python -m simulators.bench.latency``), as real panels are elsewhere;
    each logs in with the password it derives from the run's ``key`` (simulators/harness/identities.py).

    Open loop: each message goes out on its schedule, without waiting for the one before to be
    acknowledged (up to ``IN_FLIGHT`` per panel), as a fleet of many panels sends; a closed loop of 50
    panels each waiting for its PUBACK offered at most 50 / ack time (907/s at 3,000/s asked)."""
    per_panel = rate / BACKGROUND_PANELS

    async def panel(n: int) -> None:
        account = f"{1001 + n:04d}"
        identifier, password = f"lat-bg-{uuid.uuid4().hex[:6]}-{account}", panel_password(key, account)
        async with connect(target, identifier, account, password, max_inflight_messages=IN_FLIGHT) as client:
            start, i = time.perf_counter(), 0
            sending: set[asyncio.Task[None]] = set()
            while True:
                i += 1
                body = payload(account, f"bg-{uuid.uuid4().hex[:10]}", 602)
                if len(sending) >= IN_FLIGHT:  # the center is that far behind: wait, as a panel would
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                task = asyncio.create_task(client.publish(f"{root}/{account}/signals", body, qos=1))
                sending.add(task)
                task.add_done_callback(sending.discard)
                delay = start + i / per_panel - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)

    await asyncio.gather(*(panel(n) for n in range(BACKGROUND_PANELS)))


async def _stored(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Signal)) or 0)


FLOWING_WITHIN_S = 120.0


async def _flowing(sessions: Any, signals: int) -> None:
    """Returns once the background has stored ``signals`` signals: its process needs several seconds
    to start on a loaded machine, and probes sent before it flows measure no load at all."""
    start, deadline = await _stored(sessions), time.perf_counter() + FLOWING_WITHIN_S
    while await _stored(sessions) - start < signals:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the background stored under {signals} signals in {FLOWING_WITHIN_S:.0f} s")
        await asyncio.sleep(0.2)


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
        async with connect(target, None, account, panel_password(key, account)) as client:
            while not events.empty():  # anything before this probe is not its answer
                seen |= events.get_nowait()[1]
            sent, sent_wall = time.perf_counter(), time.time()
            await client.publish(
                f"{root}/{account}/signals", payload(account, f"p-{uuid.uuid4().hex[:10]}", 130), qos=1
            )
            while True:
                at, ids = await asyncio.wait_for(events.get(), 30)
                if new := ids - seen:
                    seen |= ids
                    arrived = sent_wall + (at - sent)
                    probes.append(Probe(account, sent_wall, arrived, (at - sent) * 1000, frozenset(new)))
                    break
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent)))
    return probes


def _role(process: psutil.Process) -> str | None:
    """Which part of the bench a process is, by its command line."""
    try:
        words = " ".join(process.cmdline())
    except psutil.Error:
        return None
    for role, mark in (("background", "simulators.bench.latency"), ("broker", "mosquitto"),
                       ("gateway", " gateway"), ("serve", " serve")):  # fmt: skip
        if mark in words:
            return role
    return None


async def _cpu(samples: dict[str, list[float]], every: float = 1.0) -> None:
    """CPU of each part (100 % = one core) every ``every`` s until cancelled: the bench's own process,
    the center's processes, the broker, the background's process, and PostgreSQL's processes (all of
    them: the server is shared with whatever else runs on the machine)."""
    me = psutil.Process()
    watched: dict[int, tuple[str, psutil.Process]] = {me.pid: ("bench", me)}
    for child in me.children(recursive=True):
        if (role := _role(child)) is not None:
            watched[child.pid] = (role, child)
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres":
            watched.setdefault(process.pid, ("postgresql", process))
    for _, process in watched.values():
        with contextlib.suppress(psutil.Error):
            process.cpu_percent(None)
    while True:
        await asyncio.sleep(every)
        totals: dict[str, float] = {}
        for role, process in watched.values():
            with contextlib.suppress(psutil.Error):
                totals[role] = totals.get(role, 0.0) + process.cpu_percent(None)
        for role, value in totals.items():
            samples.setdefault(role, []).append(value)


@dataclass(frozen=True, slots=True)
class Probe:
    account: str
    sent: float  # wall clock, comparable with the times the center's processes store
    arrived: float
    ms: float
    incidents: frozenset[int] = frozenset()  # what the push named


class Notices:
    """When the worker's commit of each incident was announced on PostgreSQL (the ``cc_incidents``
    NOTIFY that ``control_center/core/bus.py`` sends after each inbox transaction), heard by this
    process on a connection of its own: it splits the worker's part from the push's."""

    def __init__(self) -> None:
        self.heard: dict[int, float] = {}  # incident id → wall clock of the first notice naming it

    @contextlib.asynccontextmanager
    async def listening(self, database_url: str) -> AsyncIterator[None]:
        url = make_url(database_url)
        if url.get_backend_name() != "postgresql":
            yield
            return
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
            schema = (await (await connection.execute("SELECT current_schema()")).fetchone() or ["public"])[0]
            await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(f"{INCIDENTS}:{schema}")))

            async def hear() -> None:
                async for notice in connection.notifies():
                    at = time.time()
                    for incident in decode(notice.payload)[1]:
                        self.heard.setdefault(incident, at)

            task = asyncio.create_task(hear())
            try:
                yield
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


async def _stages(sessions: Any, probes: list[Probe], notices: Notices) -> dict[str, float]:
    """Where the time went, from the times the center stored with each probe's signal: p50/p99 of
    publish → gateway (broker, batch wait), gateway → worker (commit, wake-up, the worker finishing what
    it holds) and worker → console (opening the incident, commit, push). On PostgreSQL the last is
    split at the worker's announcement of the incident (``committed``: the worker's transaction and
    its NOTIFY; ``push``: from the NOTIFY to the console's event, i.e. the hub and the SSE stream)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Signal.account, Signal.received_at, Signal.processed_at).where(
                Signal.account.in_([p.account for p in probes]), Signal.event_code == "130"
            )
        )
        stored = {account: (received, processed) for account, received, processed in rows.all()}
    parts: dict[str, list[float]] = {"gateway": [], "worker": [], "console": [], "committed": [], "push": []}
    for probe in probes:
        received, processed = (t.timestamp() for t in stored[probe.account])
        parts["gateway"].append((received - probe.sent) * 1000)
        parts["worker"].append((processed - received) * 1000)
        parts["console"].append((probe.arrived - processed) * 1000)
        announced = [notices.heard[i] for i in probe.incidents if i in notices.heard]
        if announced:
            parts["committed"].append((min(announced) - processed) * 1000)
            parts["push"].append((probe.arrived - min(announced)) * 1000)
    return {
        f"{name}_{q}_ms": round(percentile(values, 0.5 if q == "p50" else 0.99), 1)
        for name, values in parts.items()
        if values
        for q in ("p50", "p99")
    }


async def run(
    rate: float, probes: int, interval: float, database_url: str | None, processes: str | None = None
) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = (
            stack.enter_context(fresh_schema(database_url, "latency"))
            or f"sqlite+aiosqlite:///{tmp / 'latency.sqlite3'}"
        )
        # Separate processes need PostgreSQL's NOTIFY to wake the worker; SQLite is the one-process demo.
        processes = processes or ("separate" if url.startswith("postgresql") else "one")
        if processes == "separate" and not url.startswith("postgresql"):
            raise ValueError("--processes separate needs PostgreSQL (--database-url postgresql+psycopg://…)")
        center = await stack.enter_async_context(
            bench_center("lat", url, BACKGROUND_PANELS + WARM_UP + 2 * probes, processes, tmp)
        )
        notices = Notices()
        await stack.enter_async_context(notices.listening(url))
        settings, sessions, target, ids, events = (
            center.settings, center.sessions, MqttTarget(center.broker_url), center.ids, center.events
        )  # fmt: skip
        accounts = [f"{1001 + BACKGROUND_PANELS + i:04d}" for i in range(WARM_UP + 2 * probes)]
        root = settings.mqtt_topic_root
        await _probes(target, root, accounts[:WARM_UP], interval, events, ids.key)
        accounts = accounts[WARM_UP:]
        baseline = await _probes(target, root, accounts[:probes], interval, events, ids.key)
        load = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "simulators.bench.latency", center.broker_url, root, str(rate),
            env=os.environ | {KEY_VARIABLE: ids.key},  # not in argv: ps shows argv to everyone
        )  # fmt: skip
        try:
            await _flowing(sessions, max(1, int(rate / 2)))
            await asyncio.sleep(3)  # let the load settle
            started, before = time.perf_counter(), await _stored(sessions)
            samples: dict[str, list[float]] = {}
            meter = asyncio.create_task(_cpu(samples))
            try:
                loaded = await _probes(target, root, accounts[probes:], interval, events, ids.key)
            finally:
                meter.cancel()
                await asyncio.gather(meter, return_exceptions=True)
            achieved = (await _stored(sessions) - before - probes) / (time.perf_counter() - started)
        finally:
            load.terminate()
            await load.wait()
        stages = await _stages(sessions, loaded, notices)
        baseline_stages = await _stages(sessions, baseline, notices)
    base = latencies_ms([p.ms for p in baseline])
    return {
        "probes": probes,
        "processes": processes,
        "background_target_per_s": rate,
        "background_per_s": round(achieved),  # stored by the gateway while the probes ran
        **latencies_ms([p.ms for p in loaded]),
        "baseline_p50_ms": base["p50_ms"],
        "baseline_p99_ms": base["p99_ms"],
        "stages_under_load": stages,
        "stages_baseline": baseline_stages,
        # CPU of each part while the loaded probes ran (average, 100 % = one core), and the machine's load
        "cpu_pct_under_load": {role: round(sum(v) / len(v), 1) for role, v in sorted(samples.items()) if v},
        "load_average": round(os.getloadavg()[0], 1),
        "database": url.split(":", 1)[0],
        "broker": "private mosquitto",
    }


def report(r: dict[str, Any]) -> str:
    st = r["stages_under_load"]
    return (
        f"latency bench: panel publish → console push, {r['probes']} probe alarms each, "
        f"{r['database']} + {r['broker']}, center in {r['processes']} process(es)\n"
        f"baseline (no other traffic): p50 {r['baseline_p50_ms']} ms, "
        f"p99 {r['baseline_p99_ms']} ms\n"
        f"under {r['background_per_s']:,} signals/s of background: p50 {r['p50_ms']} ms, "
        f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms\n"
        "  of which (p50/p99): publish → stored by the gateway "
        f"{st['gateway_p50_ms']}/{st['gateway_p99_ms']} ms, → taken by the worker "
        f"{st['worker_p50_ms']}/{st['worker_p99_ms']} ms, → on the console "
        f"{st['console_p50_ms']}/{st['console_p99_ms']} ms" + _split(st) + "\n"
        "  without traffic (p50/p99): " + _stage_line(r["stages_baseline"]) + "\n"
        "  CPU under load (% of a core): "
        + ", ".join(f"{role} {pct}" for role, pct in r.get("cpu_pct_under_load", {}).items())
        + f"; load average {r.get('load_average')}"
    )


def _split(st: dict[str, float]) -> str:
    if "committed_p50_ms" not in st:
        return ""
    return (
        f" (worker's transaction and NOTIFY {st['committed_p50_ms']}/{st['committed_p99_ms']} ms, "
        f"then hub and SSE {st['push_p50_ms']}/{st['push_p99_ms']} ms)"
    )


def _stage_line(st: dict[str, float]) -> str:
    return (
        f"gateway {st['gateway_p50_ms']}/{st['gateway_p99_ms']} ms, worker {st['worker_p50_ms']}/"
        f"{st['worker_p99_ms']} ms, console {st['console_p50_ms']}/{st['console_p99_ms']} ms" + _split(st)
    )


if __name__ == "__main__":  # the background load's own process: broker URL, topic root, rate
    asyncio.run(
        _background(MqttTarget(sys.argv[1]), sys.argv[2], float(sys.argv[3]), os.environ[KEY_VARIABLE])
    )
