"""``db-failover``: the PostgreSQL primary is killed (SIGKILL, its keeper with it: the machine is gone)
mid-stream; pg_auto_failover promotes the synchronous standby and the gateway, connected through the
multi-host URL (``target_session_attrs=read-write``), carries on by itself. At the end every signal
the panels sent is stored exactly once on the new primary.

``takeover_s`` is measured from the kill until the drill sees new signals committed on the new
primary: the first increase between two successful counts after the fault. That can only come late
(by one poll), never early.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.settings import MqttTarget
from control_center.signals.models import Signal
from simulators.drills import streams
from simulators.harness import identities
from simulators.harness.pg_cluster import PgCluster, started
from simulators.harness.private_broker import private_mosquitto
from simulators.harness.processes import CenterProcess, child_env, run_database, run_settings

PANELS = 10
TAKEOVER_GOAL_S = 30.0  # a Sur-Gard receiver's standby takes over in about 30 s
POLL_S = 0.1


@dataclass
class Takeover:
    """Counts of the drill's stored signals, read every POLL_S through the cluster's URL."""

    fault_at: float | None = None
    seconds: float | None = None
    _previous: int | None = field(default=None, repr=False)

    def saw(self, at: float, count: int) -> None:
        if self.fault_at is None or self.seconds is not None:
            return
        if self._previous is not None and count > self._previous:
            self.seconds = round(at - self.fault_at, 1)
        self._previous = count


async def _count(sessions: async_sessionmaker[AsyncSession], run: str) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(Signal).where(Signal.message_id.like(f"{run}-%"))
        return int(await session.scalar(query) or 0)


async def _watch(sessions: async_sessionmaker[AsyncSession], run: str, takeover: Takeover) -> None:
    while True:
        with contextlib.suppress(Exception):  # the primary is gone: no count until a new one is up
            count = await asyncio.wait_for(_count(sessions, run), 5)
            takeover.saw(time.monotonic(), count)
        await asyncio.sleep(POLL_S)


async def run(
    messages: int = 900, per_second: float = 20.0, standbys: int = 2, cluster: PgCluster | None = None
) -> dict[str, Any]:
    """The drill on ``cluster`` (a stable one, left running) or on a private cluster of a primary and
    ``standbys`` standbys made for the run. The fault strikes at a quarter of the stream."""
    own = cluster is None
    cluster = cluster or await started(standbys)
    try:
        return await _drill(cluster, messages, per_second)
    finally:
        if own:
            await cluster.destroy()


async def _drill(cluster: PgCluster, messages: int, per_second: float) -> dict[str, Any]:
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    accounts = [f"{9101 + n:04d}" for n in range(PANELS)]
    sent: list[str] = []
    takeover = Takeover()
    before = await cluster.primary()
    async with run_database("db-failover", cluster.url) as (url, sessions):
        planned = run_settings("dbfail", run_id, url, "mqtt://127.0.0.1")
        ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
        with tempfile.TemporaryDirectory() as tmp:
            async with private_mosquitto(
                persistence=True, access=ids.access(planned.mqtt_topic_root)
            ) as broker:
                settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker.url)})
                gateway = CenterProcess(
                    "gateway", child_env(settings), Path(tmp) / "gateway.log", "gateway ready"
                )
                watcher = asyncio.create_task(_watch(sessions, run_id, takeover))
                try:
                    await gateway.start()
                    target = MqttTarget(broker.url)
                    panels = streams.stream(
                        streams.numbered(run_id, accounts, messages),
                        targets=lambda _: target,
                        root=settings.mqtt_topic_root,
                        ids=ids,
                        per_second=per_second,
                        confirmed=sent.append,
                    )
                    await asyncio.sleep(messages / per_second / 4)  # a quarter goes through first
                    takeover.fault_at = time.monotonic()
                    await cluster.kill(before)
                    await panels
                    stored = await streams.stored_ids(sessions, run_id, len(sent))
                    after = await cluster.primary()
                finally:
                    watcher.cancel()
                    await asyncio.gather(watcher, return_exceptions=True)
                    await gateway.stop()
    distinct = set(stored)
    result: dict[str, Any] = {
        "drill": "db-failover",
        "sent": len(sent),
        "stored": len(distinct),
        "duplicates": len(stored) - len(distinct),
        "lost": len(set(sent) - distinct),
        "takeover_s": takeover.seconds,
        "primary_before": before.name,
        "primary_after": after.name,
        "standbys": len(cluster.nodes) - 1,
        "seconds": round(time.monotonic() - started, 1),
    }
    return result | {"passed": passed(result)}


def passed(result: dict[str, Any]) -> bool:
    takeover = result["takeover_s"]
    return (
        result["lost"] == 0
        and result["duplicates"] == 0
        and result["stored"] == result["sent"]
        and takeover is not None
        and takeover < TAKEOVER_GOAL_S
    )


def report(result: dict[str, Any]) -> str:
    return (
        f"db-failover: sent {result['sent']}, stored {result['stored']}, duplicates {result['duplicates']}, "
        f"lost {result['lost']}, takeover {result['takeover_s']} s "
        f"({result['primary_before']} killed, {result['primary_after']} promoted; "
        f"{'passed' if result['passed'] else 'FAILED'}, {result['seconds']} s)"
    )
