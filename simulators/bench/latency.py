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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from control_center.core.settings import MqttTarget
from control_center.signals.models import Signal
from simulators.harness.center import bench_center
from simulators.harness.figures import latencies_ms, percentile
from simulators.harness.identities import KEY_VARIABLE, panel_password
from simulators.mqtt_clients import connect
from simulators.panel import payload

BACKGROUND_PANELS = 50
WARM_UP = 5  # probes before the baseline, not counted: the first alarms after a start compile statements


async def _background(target: MqttTarget, root: str, rate: float, key: str) -> None:
    """Periodic tests (602) from seeded panels 1001…, paced to ``rate`` signals/s in all, until cancelled.
    Run in its own process (``python -m simulators.bench.latency``), as real panels are elsewhere;
    each logs in with the password it derives from the run's ``key`` (simulators/harness/identities.py)."""
    per_panel = rate / BACKGROUND_PANELS

    async def panel(n: int) -> None:
        account = f"{1001 + n:04d}"
        identifier, password = f"lat-bg-{uuid.uuid4().hex[:6]}-{account}", panel_password(key, account)
        async with connect(target, identifier, account, password, max_inflight_messages=50) as client:
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
        async with connect(target, None, account, panel_password(key, account)) as client:
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
        center = await stack.enter_async_context(
            bench_center("lat", url, BACKGROUND_PANELS + WARM_UP + 2 * probes, processes, tmp)
        )
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
            await asyncio.sleep(3)  # let the load settle
            started, before = time.perf_counter(), await _stored(sessions)
            loaded = await _probes(target, root, accounts[probes:], interval, events, ids.key)
            achieved = (await _stored(sessions) - before - probes) / (time.perf_counter() - started)
        finally:
            load.terminate()
            await load.wait()
        stages = await _stages(sessions, loaded)
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
        f"{st['console_p50_ms']}/{st['console_p99_ms']} ms"
    )


if __name__ == "__main__":  # the background load's own process: broker URL, topic root, rate
    asyncio.run(
        _background(MqttTarget(sys.argv[1]), sys.argv[2], float(sys.argv[3]), os.environ[KEY_VARIABLE])
    )
