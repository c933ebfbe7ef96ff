"""`control-center bench load`: thousands of panels connected at once, each checking in on schedule,
for a sustained period; the center's memory and CPU (and the broker's, and the load generators')
are reported beside the check-ins it acknowledged.

The panels run in separate processes (``python -m simulators.bench.load …``), each holding its
share of MQTT connections to a private Mosquitto; the center under test (gateway, inbox worker,
link supervision) runs in this process against a fresh database whose panel accounts are supervised
(a missed check-in would raise a line-cut).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid
from typing import Any

import psutil
from sqlalchemy import func, select

from control_center.alarms.sweeper import Sweeper
from control_center.core.db import utcnow
from control_center.core.settings import MqttTarget
from control_center.incidents.inbox import InboxWorker
from control_center.signals import link_supervision as supervision
from control_center.subscribers.models import PanelAccount
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.transports.mqtt import MqttGateway
from simulators.harness import identities
from simulators.harness.figures import percentile
from simulators.harness.identities import KEY_VARIABLE, panel_password
from simulators.harness.private_broker import private_mosquitto
from simulators.harness.processes import run_database, run_settings
from simulators.mqtt_clients import connect

FIRST_ACCOUNT = 100_000


def heartbeat(account: str) -> bytes:
    return json.dumps(
        {"msg_id": uuid.uuid4().hex[:16], "sent_at": dt.datetime.now(dt.UTC).isoformat(), "heartbeat": True}
    ).encode()


async def _panels(
    url: str, root: str, first: int, count: int, interval: float, seconds: float, key: str
) -> None:
    """This process's share of panels: connect them all, then each checks in every ``interval`` s.
    Each logs in as itself, with the password it derives from the run's ``key``."""
    target = MqttTarget(url)
    connected = 0
    done = asyncio.Event()

    async def panel(n: int) -> None:
        nonlocal connected
        account = str(first + n)
        await asyncio.sleep(n / 250)  # connect 250 a second, as panels do after a broker restart
        password = panel_password(key, account)
        async with connect(target, f"load-{account}", account, password, keepalive=120) as client:
            connected += 1
            if connected == count:
                print(f"connected {count}", flush=True)
            await asyncio.sleep(random.uniform(0, interval))
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await client.publish(f"{root}/{account}/signals", heartbeat(account), qos=1)
                await asyncio.sleep(interval)
            await done.wait()

    tasks = [asyncio.create_task(panel(n)) for n in range(count)]
    await asyncio.sleep(count / 250 + interval + seconds + 1)
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)


class _Meter:
    """CPU and memory of a set of processes, sampled every few seconds."""

    def __init__(self, processes: list[psutil.Process]) -> None:
        self.processes = processes
        self.cpu: list[float] = []
        self.rss: list[float] = []
        for p in processes:
            with contextlib.suppress(psutil.Error):
                p.cpu_percent(None)

    def sample(self) -> None:
        cpu = rss = 0.0
        for p in self.processes:
            with contextlib.suppress(psutil.Error):
                cpu += p.cpu_percent(None)
                rss += p.memory_info().rss
        self.cpu.append(cpu)
        self.rss.append(rss / 2**20)

    def report(self) -> dict[str, float]:
        return {
            "cpu_avg_pct": round(statistics.mean(self.cpu), 1) if self.cpu else 0.0,
            "cpu_max_pct": round(max(self.cpu), 1) if self.cpu else 0.0,
            "rss_max_mb": round(max(self.rss), 1) if self.rss else 0.0,
        }


async def run(
    panels: int, minutes: float, interval: float, processes: int, database_url: str | None
) -> dict[str, Any]:
    seconds = minutes * 60
    async with contextlib.AsyncExitStack() as stack:
        url, sessions = await stack.enter_async_context(run_database("load", database_url))
        run_id = uuid.uuid4().hex[:8]
        planned = run_settings("load", run_id, url, "mqtt://127.0.0.1")
        accounts = [str(FIRST_ACCOUNT + n) for n in range(panels)]
        ids = await identities.commission(
            sessions, accounts, planned.mqtt_client_id, check_in_seconds=int(interval * 3)
        )
        broker = await stack.enter_async_context(
            private_mosquitto(persistence=False, access=ids.access(planned.mqtt_topic_root))
        )
        settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker.url)})
        acked, latencies = [0], []

        def on_acked(items: list[Received]) -> None:
            now = dt.datetime.now(dt.UTC)
            acked[0] += len(items)
            for item in items:
                if isinstance(item.decoded, PanelSignal) and item.decoded.panel_time:
                    latencies.append((now - item.decoded.panel_time).total_seconds() * 1000)

        worker = InboxWorker(sessions, lambda ids: None)
        gateway = MqttGateway(settings, Ingest(sessions, on_stored=worker.wake), on_acked=on_acked)
        sweeper = Sweeper("check-in overdue", sessions, supervision.sweep, worker.wake, 5)
        tasks = [asyncio.create_task(t) for t in (gateway.run(), worker.run(), sweeper.run())]
        generators = []
        try:
            await asyncio.wait_for(gateway.ready.wait(), 30)
            share = -(-panels // processes)
            for i in range(processes):
                first, count = FIRST_ACCOUNT + i * share, min(share, panels - i * share)
                generators.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "simulators.bench.load",
                        broker.url,
                        settings.mqtt_topic_root,
                        str(first),
                        str(count),
                        str(interval),
                        str(seconds),
                        stdout=asyncio.subprocess.PIPE,
                        env=os.environ | {KEY_VARIABLE: ids.key},  # not in argv, which ps shows
                    )
                )
            center = _Meter([psutil.Process()])
            mosquitto = _Meter([psutil.Process(broker.process.pid)])  # type: ignore[union-attr]
            load = _Meter([psutil.Process(g.pid) for g in generators])
            ready = await asyncio.gather(*(asyncio.wait_for(g.stdout.readline(), 600) for g in generators))  # type: ignore[union-attr]
            connected = sum(int(line.split()[1]) for line in ready if line.startswith(b"connected"))
            started, before = time.perf_counter(), acked[0]
            while time.perf_counter() - started < seconds:
                await asyncio.sleep(5)
                for meter in (center, mosquitto, load):
                    meter.sample()
            elapsed = time.perf_counter() - started
            during = acked[0] - before
            async with sessions() as session:
                lost_links = await session.scalar(
                    select(func.count())
                    .select_from(PanelAccount)
                    .where(PanelAccount.link_lost_at.is_not(None))
                )
        finally:
            for g in generators:
                with contextlib.suppress(ProcessLookupError):
                    g.terminate()
                await g.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "panels": panels,
        "connected": connected,
        "minutes": minutes,
        "check_in_interval_s": interval,
        "acked": during,
        "acked_per_s": round(during / elapsed, 1),
        "expected_per_s": round(panels / interval, 1),
        "ack_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "ack_p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "links_lost": lost_links,
        "center": center.report(),
        "broker": mosquitto.report(),
        "generators": load.report(),
        "database": url.split(":", 1)[0],
        "at": utcnow().isoformat(),
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"load bench: {r['connected']:,} of {r['panels']:,} panels connected, checking in "
        f"every {r['check_in_interval_s']:.0f} s for {r['minutes']} min ({r['database']})",
        f"check-ins acknowledged: {r['acked']:,} ({r['acked_per_s']}/s, expected "
        f"{r['expected_per_s']}/s), ack p50 {r['ack_p50_ms']} ms, "
        f"p99 {r['ack_p99_ms']} ms; links lost: {r['links_lost']}",
    ]
    for name in ("center", "broker", "generators"):
        usage = r[name]
        lines.append(
            f"{name:<10} CPU avg {usage['cpu_avg_pct']}% (max {usage['cpu_max_pct']}%), "
            f"RSS max {usage['rss_max_mb']} MB"
        )
    return "\n".join(lines)


if (
    __name__ == "__main__"
):  # one load-generating process: broker URL, root, first account, count, interval, seconds
    broker_url, root, first, count, interval, seconds = sys.argv[1:7]
    key = os.environ[KEY_VARIABLE]
    asyncio.run(_panels(broker_url, root, int(first), int(count), float(interval), float(seconds), key))
