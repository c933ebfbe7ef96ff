"""Fault drill ``broker-node-kill``: one node of a three-node NATS cluster (JetStream, MQTT, replicas ×3)
is killed with SIGKILL mid-stream. Every signal the panels had confirmed must be stored exactly once,
and signals must be stored again within 30 s of the fault (``takeover_s``).

The panels are spread over the three nodes, each with the list of all three to move on to; the gateway
runs as its own ``control-center gateway`` process with ``CC_MQTT_URL`` listing the three nodes. The
node killed leads the stream of QoS 1 messages (``$MQTT_msgs``) and is the one the gateway is
connected to (and a third of the panels): the worst single loss.
The broker enforces the panels' and gateway's logins and permissions as deployed.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from control_center.core.settings import MqttTarget
from control_center.signals.models import Signal
from panel_gateway.broker_access import Login, Role
from panel_gateway.nats_config import bcrypt_hash
from simulators.drills import streams
from simulators.harness import identities
from simulators.harness.identities import BenchIdentities
from simulators.harness.nats_cluster import NatsCluster, nats_cluster
from simulators.harness.processes import CenterProcess, child_env, run_database, run_settings
from simulators.mqtt_clients import connect

NAME = "broker-node-kill"
PANELS = 9
TAKEOVER_GOAL_S = 30.0  # a Sur-Gard receiver's standby takes over in about this


@dataclass(frozen=True)
class NodeKillResult:
    drill: str
    sent: int
    stored: int
    duplicates: int
    lost: int
    takeover_s: float | None  # None: nothing stored after the fault
    killed: str  # the node killed
    seconds: float

    @property
    def passed(self) -> bool:
        return (
            self.stored == self.sent
            and self.duplicates == 0
            and self.lost == 0
            and self.takeover_s is not None
            and self.takeover_s < TAKEOVER_GOAL_S
        )


def nats_logins(ids: BenchIdentities) -> list[Login]:
    """The run's logins with bcrypt hashes, which NATS checks (the center's are ``$7$``)."""
    return [
        Login(
            login.username,
            login.role,
            bcrypt_hash(
                ids.gateway.password or "" if login.role is Role.GATEWAY else ids.password(login.username)
            ),
            login.account,
        )
        for login in ids.logins
    ]


async def run(
    messages: int = 600, per_second: float = 20.0, database_url: str | None = None
) -> NodeKillResult:
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:8]
    accounts = [f"{9101 + n:04d}" for n in range(PANELS)]
    sent: list[str] = []
    after_fault: list[str] = []  # confirmed by the cluster after the fault
    fault_at: float | None = None
    async with run_database("drill", database_url) as (url, sessions):
        planned = run_settings("drill", run_id, url, "mqtt://127.0.0.1")
        ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
        root = planned.mqtt_topic_root
        async with nats_cluster(nats_logins(ids), root) as cluster:
            nodes = [MqttTarget(u) for u in cluster.urls]
            victim = cluster.node(await _messages_leader(cluster, ids, accounts[0]))
            # The gateway starts on the victim, then moves on to the others in order.
            first = [victim] + [node for node in cluster.nodes if node != victim]
            settings = planned.model_copy(
                update={"mqtt_url": ",".join(ids.gateway_url(cluster.url(node)) for node in first)}
            )
            with tempfile.TemporaryDirectory() as tmp:
                gateway = CenterProcess(
                    "gateway", child_env(settings), Path(tmp) / "gateway.log", "gateway ready"
                )
                try:
                    await gateway.start()

                    def confirmed(msg_id: str) -> None:
                        sent.append(msg_id)
                        if fault_at is not None:
                            after_fault.append(msg_id)

                    panels = streams.stream(
                        streams.numbered(run_id, accounts, messages),
                        targets=lambda n: nodes[n % len(nodes) :] + nodes[: n % len(nodes)],  # spread out
                        root=root,
                        ids=ids,
                        per_second=per_second,
                        confirmed=confirmed,
                    )
                    await asyncio.sleep(messages / per_second / 4)  # a quarter goes through first
                    await cluster.kill(victim)
                    fault_at = time.perf_counter()
                    takeover = await _takeover(sessions, after_fault, fault_at, panels)
                    await panels
                    stored = await streams.stored_ids(sessions, run_id, len(sent))
                finally:
                    await gateway.stop()
    distinct = set(stored)
    return NodeKillResult(
        NAME,
        len(sent),
        len(distinct),
        len(stored) - len(distinct),
        len(set(sent) - distinct),
        takeover,
        victim.name,
        round(time.perf_counter() - started, 1),
    )


async def _messages_leader(cluster: NatsCluster, ids: BenchIdentities, account: str) -> str:
    """The node leading ``$MQTT_msgs``: NATS makes the MQTT streams at the first MQTT connection, so a
    panel connects once, then the cluster is asked until it names the leader."""
    async with connect(MqttTarget(cluster.urls[0]), f"warm-{account}", account, ids.password(account)):
        pass
    deadline = time.perf_counter() + 30
    while (leader := cluster.stream_leader("$MQTT_msgs")) is None:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no leader for $MQTT_msgs: {cluster.log_tail()}")
        await asyncio.sleep(0.2)
    return leader


async def _takeover(sessions: Any, after_fault: list[str], fault_at: float, panels: Any) -> float | None:
    """Seconds from the fault until a signal the cluster confirmed after it is stored; None if none is
    by the time the panels are done and 60 s more have passed."""
    deadline: float | None = None
    while deadline is None or time.perf_counter() < deadline:
        if after_fault:
            with contextlib.suppress(Exception):
                async with sessions() as session:
                    found = await session.scalar(
                        select(func.count())
                        .select_from(Signal)
                        .where(Signal.message_id.in_(after_fault[:100]))
                    )
                if found:
                    return round(time.perf_counter() - fault_at, 1)
        if deadline is None and panels.done():
            deadline = time.perf_counter() + 60
        await asyncio.sleep(0.1)
    return None


def as_json(result: NodeKillResult) -> dict[str, Any]:
    return asdict(result) | {"passed": result.passed}


def report(result: NodeKillResult) -> str:
    takeover = "never" if result.takeover_s is None else f"{result.takeover_s} s"
    return (
        f"{result.drill}: sent {result.sent}, stored {result.stored}, duplicates {result.duplicates}, "
        f"lost {result.lost}, takeover {takeover} after killing node {result.killed} "
        f"({'passed' if result.passed else 'FAILED'}, {result.seconds} s)"
    )
