"""The gateway and the panels on a three-node NATS cluster (``simulators/harness/nats_cluster.py``):
the per-panel logins and permissions hold there too, and a gateway given the nodes' list moves on
when its node dies. Skips where nats-server is missing; fails instead under CI=true."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiomqtt
import pytest

from control_center.core.settings import MqttTarget, Settings
from simulators.drills.broker_node_kill import nats_logins
from simulators.harness import identities
from simulators.harness.identities import BenchIdentities
from simulators.harness.nats_cluster import NatsCluster, nats_binary, nats_cluster
from simulators.harness.private_broker import free_port
from simulators.panel import payload, send_until_confirmed
from tests.conftest import CI
from tests.helpers import count, eventually, running_gateway

ACCOUNTS = ["7101", "7102"]


def require_nats() -> None:
    if nats_binary() is None:
        if CI:
            pytest.fail("needs nats-server (CI=true: a missing server is a failure)")
        pytest.skip("needs nats-server")


@pytest.fixture
async def cluster(sessions) -> AsyncIterator[tuple[NatsCluster, BenchIdentities, str]]:
    require_nats()
    run = uuid.uuid4().hex[:8]
    ids = await identities.commission(sessions, ACCOUNTS, f"cluster-gw-{run}")
    root = f"cluster-{run}/panels"
    async with nats_cluster(nats_logins(ids), root) as running:
        yield running, ids, root


def panel(cluster: NatsCluster, ids: BenchIdentities, account: str, node: int = 0, **kw) -> aiomqtt.Client:
    return aiomqtt.Client(
        "127.0.0.1",
        cluster.nodes[node].mqtt_port,
        username=account,
        password=kw.pop("password", ids.password(account)),
        identifier=kw.pop("identifier", f"panel-{account}-{uuid.uuid4().hex[:6]}"),
        **kw,
    )


async def test_a_panel_cannot_forge_another_panels_signal_nor_listen(cluster) -> None:
    nodes, ids, root = cluster
    heard: list[tuple[str, bytes]] = []
    async with aiomqtt.Client(
        "127.0.0.1", nodes.nodes[1].mqtt_port, username=ids.gateway.username,
        password=ids.gateway.password, identifier=ids.gateway.username,
    ) as gateway:  # fmt: skip
        await gateway.subscribe(f"{root}/+/signals", qos=1)

        async def listen() -> None:
            async for message in gateway.messages:
                heard.append((str(message.topic), bytes(message.payload)))  # type: ignore[arg-type]

        listener = asyncio.create_task(listen())
        try:
            async with panel(nodes, ids, "7101") as attacker:
                # NATS drops the forged message (and logs a publish violation); it never reaches a gateway.
                await attacker.publish(f"{root}/7102/signals", b"forged", qos=1)
                refused = await attacker.subscribe(f"{root}/+/signals", qos=1)
                assert [code.value for code in refused] == [0x80]
                await attacker.publish(f"{root}/7101/signals", b"own", qos=1)
            await eventually(lambda: asyncio.sleep(0, result=len(heard) >= 1))
            await asyncio.sleep(0.5)  # anything forged would have come before "own"
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
    assert heard == [(f"{root}/7101/signals", b"own")]


async def test_a_wrong_password_and_an_unknown_user_are_refused_on_every_node(cluster) -> None:
    nodes, ids, _ = cluster
    for node in range(3):
        with pytest.raises(aiomqtt.MqttError):
            async with panel(nodes, ids, "7101", node, password="not-the-password"):
                pass
        with pytest.raises(aiomqtt.MqttError):
            async with panel(nodes, ids, "9999", node, password=ids.password("7101")):
                pass


async def test_the_gateway_moves_on_to_the_next_node_when_its_node_dies(
    cluster, database_url: str, sessions
) -> None:
    nodes, ids, root = cluster
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there: the first node in the list is down
    urls = [ids.gateway_url(u) for u in nodes.urls]
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=",".join([ids.gateway_url(f"mqtt://{dead}"), *urls]),
        mqtt_topic_root=root,
        mqtt_client_id=ids.gateway.username,
    )
    async with running_gateway(settings, sessions) as gateway:
        assert gateway.node.port == nodes.nodes[0].mqtt_port  # it left the dead one behind
        async with panel(nodes, ids, "7101", 2) as sender:
            await sender.publish(f"{root}/7101/signals", payload("7101", "before", 602), qos=1)
        await eventually(lambda: count(sessions), timeout=20)
        await nodes.kill(nodes.nodes[0])
        # As a real panel: sent again until confirmed, while the cluster elects new stream leaders.
        survivors = [MqttTarget(url) for url in nodes.urls[1:]]
        after = [payload("7101", "after", 602)]
        await send_until_confirmed(
            survivors, f"{root}/7101/signals", "7101", after, password=ids.password("7101")
        )
        await eventually(lambda: _at(count(sessions), 2), timeout=60)
        assert gateway.node.port != nodes.nodes[0].mqtt_port


async def _at(value, n: int) -> bool:
    return (await value) >= n
