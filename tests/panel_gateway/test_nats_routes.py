"""A server that reaches the cluster port without the route secret is not let in as a fourth node (it
would receive every panel's signals and vote in JetStream); with the secret it is, which shows the check
is what keeps the first one out. Real nats-server processes (scripts/install-nats)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

from panel_gateway.broker_access import Login, Role
from panel_gateway.nats_config import ROUTE_USER, bcrypt_hash
from simulators.harness.nats_cluster import listening_port, nats_binary, nats_cluster
from tests.panel_gateway.transports.test_mqtt_cluster import require_nats

ROOT = "panels"


def routes_of(monitor_port: int) -> int:
    """How many routes a server holds (its /routez); 0 while its monitor is not up yet."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{monitor_port}/routez", timeout=2) as answer:
            return len(json.loads(answer.read()).get("routes") or [])
    except OSError:
        return 0


async def outsider(cluster_port: int, route: str, monitor: int) -> asyncio.subprocess.Process:
    binary = nats_binary()
    assert binary is not None
    return await asyncio.create_subprocess_exec(
        binary, "--name", "intruder", "-p", str(listening_port()), "-m", str(monitor),
        "--cluster_name", "cc-mqtt", "--cluster", f"nats://127.0.0.1:{listening_port()}", "--routes", route,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def joined(outsider_monitor: int, within: float) -> bool:
    """Whether the outsider got a route into the cluster (the nodes' own lists name no server in 2.9)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if routes_of(outsider_monitor) > 0:
            return True
        await asyncio.sleep(0.25)
    return False


async def test_a_route_without_the_secret_is_refused_and_with_it_admitted() -> None:
    require_nats()
    gateway = Login("cc-gateway", Role.GATEWAY, bcrypt_hash("pw"))
    async with nats_cluster([gateway], ROOT) as cluster:
        n1 = cluster.nodes[0]
        assert routes_of(n1.monitor_port) >= 2  # the cluster itself is routed
        secret = (cluster.directory / "route.secret").read_text().strip()
        for route, admitted in (
            (f"nats-route://127.0.0.1:{n1.cluster_port}", False),
            (f"nats-route://{ROUTE_USER}:wrong-{secret}@127.0.0.1:{n1.cluster_port}", False),
            (f"nats-route://{ROUTE_USER}:{secret}@127.0.0.1:{n1.cluster_port}", True),
        ):
            monitor = listening_port()
            process = await outsider(n1.cluster_port, route, monitor)
            try:
                assert await joined(monitor, within=6 if not admitted else 20) is admitted, route
            finally:
                process.terminate()
                await process.wait()
