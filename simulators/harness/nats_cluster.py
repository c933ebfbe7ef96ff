"""A private three-node NATS cluster (JetStream, MQTT listener, replicas ×3) for drills and tests.

Each node gets free loopback ports and a store directory of its own under a temporary directory, and
runs on the configuration ``control-center broker nats-config`` writes (``panel_gateway/nats_config.py``),
with the run's panels and gateway as its users; the machine's own NATS server is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
import signal
import socket
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

from panel_gateway import nats_config
from panel_gateway.broker_access import Login

SIZE = 3
# Listening ports below Linux's ephemeral range (32768-60999): there, the nodes' own outgoing route
# connections could take a port another node is about to listen on.
PORTS = range(20000, 32000)
ATTEMPTS = 3  # starts with fresh ports when a node could not listen on one


def listening_port() -> int:
    while True:
        port = random.choice(PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def nats_binary() -> str | None:
    return shutil.which("nats-server") or (
        "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
    )


class NodeExited(RuntimeError):
    """A node stopped on its own while the cluster formed (e.g. its port was taken meanwhile)."""


class NatsCluster:
    def __init__(self, directory: Path, logins: list[Login], topic_root: str) -> None:
        self.directory = directory
        self.nodes = self._new_nodes()
        self.logins, self.topic_root = logins, topic_root
        self.processes: dict[str, asyncio.subprocess.Process] = {}

    def _new_nodes(self) -> list[nats_config.Node]:
        return [
            nats_config.Node(
                name=f"n{i + 1}",
                host="127.0.0.1",
                client_port=listening_port(),
                mqtt_port=listening_port(),
                cluster_port=listening_port(),
                store_dir=self.directory / f"n{i + 1}" / "jetstream",
                monitor_port=listening_port(),
            )
            for i in range(SIZE)
        ]

    def url(self, node: nats_config.Node) -> str:
        return f"mqtt://127.0.0.1:{node.mqtt_port}"

    @property
    def urls(self) -> list[str]:
        return [self.url(node) for node in self.nodes]

    def _conf(self, node: nats_config.Node) -> Path:
        return self.directory / node.name / "nats-server.conf"

    def write(self) -> None:
        users = nats_config.render_users(self.logins, self.topic_root)
        secret = nats_config.route_secret(self.directory)
        for node in self.nodes:
            nats_config.write(
                self.directory / node.name,
                {
                    "nats-server.conf": nats_config.render_node(
                        node,
                        self.nodes,
                        route_secret=secret,
                        log_file=self.directory / node.name / "nats.log",
                    ),
                    nats_config.USERS_FILE: users,
                },
            )

    async def start(self, within: float = 60) -> None:
        """All nodes, then wait until the cluster has a JetStream meta leader and every MQTT listener
        answers."""
        if nats_binary() is None:
            raise RuntimeError("nats-server is not installed")
        for attempt in range(ATTEMPTS):
            self.write()
            for node in self.nodes:
                await self.start_node(node)
            try:
                await self.wait_ready(within)
                return
            except NodeExited:
                if attempt == ATTEMPTS - 1:
                    raise
                await self.stop()  # a port was taken meanwhile: all again on new ports
                for node in self.nodes:
                    shutil.rmtree(self.directory / node.name, ignore_errors=True)
                self.nodes = self._new_nodes()

    async def start_node(self, node: nats_config.Node) -> None:
        binary = nats_binary()
        assert binary is not None
        self.processes[node.name] = await asyncio.create_subprocess_exec(
            binary, "-c", str(self._conf(node)),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    def _jsz(self, node: nats_config.Node) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{node.monitor_port}/jsz", timeout=1) as answer:
                return json.loads(answer.read())
        except (OSError, ValueError):
            return None

    def meta_leader(self) -> str | None:
        """The JetStream meta leader as the running nodes see it, once they agree on one."""
        for node in self.alive:
            jsz = self._jsz(node)
            meta = jsz.get("meta_cluster") if jsz else None
            if isinstance(meta, dict) and meta.get("leader"):
                return str(meta["leader"])
        return None

    def stream_leader(self, stream: str) -> str | None:
        """The node leading a JetStream stream (e.g. ``$MQTT_msgs``), as a running node reports it."""
        for node in self.alive:
            try:
                url = f"http://127.0.0.1:{node.monitor_port}/jsz?accounts=true&streams=true"
                with urllib.request.urlopen(url, timeout=1) as answer:
                    jsz = json.loads(answer.read())
            except (OSError, ValueError):
                continue
            for account in jsz.get("account_details") or []:
                for detail in account.get("stream_detail") or []:
                    if detail.get("name") == stream and (detail.get("cluster") or {}).get("leader"):
                        return str(detail["cluster"]["leader"])
        return None

    def node(self, name: str) -> nats_config.Node:
        return next(node for node in self.nodes if node.name == name)

    @property
    def alive(self) -> list[nats_config.Node]:
        return [
            node
            for node in self.nodes
            if (p := self.processes.get(node.name)) is not None and p.returncode is None
        ]

    async def wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while True:
            if len(self.alive) < len(self.nodes):
                raise NodeExited(f"a NATS node exited while starting: {self.log_tail()}")
            if self.meta_leader() and all([await _answers(n.mqtt_port) for n in self.alive]):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"NATS cluster did not form: {self.log_tail()}")
            await asyncio.sleep(0.2)

    def log_tail(self) -> str:
        tails = []
        for node in self.nodes:
            log = self.directory / node.name / "nats.log"
            if log.exists():
                tails.append(f"{node.name}: {log.read_text(errors='replace')[-800:]}")
        return "\n".join(tails)

    async def kill(self, node: nats_config.Node) -> None:
        """SIGKILL: no shutdown, no flush, as a machine that loses power."""
        process = self.processes.get(node.name)
        if process and process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()

    async def stop(self) -> None:
        for node in self.nodes:
            process = self.processes.get(node.name)
            if process and process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10)
                except TimeoutError:
                    await self.kill(node)


async def _answers(port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 0.5)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


@contextlib.asynccontextmanager
async def nats_cluster(logins: list[Login], topic_root: str) -> AsyncIterator[NatsCluster]:
    with tempfile.TemporaryDirectory(prefix="cc-nats-") as tmp:
        cluster = NatsCluster(Path(tmp), logins, topic_root)
        try:
            await cluster.start()
            yield cluster
        finally:
            await cluster.stop()
