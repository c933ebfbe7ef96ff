"""A private pg_auto_failover cluster on loopback: a monitor, a primary, a synchronous standby and an
optional second standby, each a ``pg_autoctl`` keeper with its own data directory and free port.

Debian's ``pg-auto-failover-cli`` and ``postgresql-15-auto-failover`` (``scripts/install-cluster``).
pg_autoctl refuses root, as PostgreSQL does: when we are root everything runs as ``postgres`` through
``runuser``, in a temporary directory it owns. The keepers' configuration and state (which pg_autoctl
keeps under XDG directories) live there too, so nothing of the machine's own PostgreSQL is touched.

The failover timings are shortened from the defaults (``MONITOR_SETTINGS``, ``KEEPER_SETTINGS``): the
monitor declares a silent primary failed after ~6 s instead of ~20 s, and the primary's demotion
timeout stays above the keeper's network-partition timeout, as pg_auto_failover requires to never
run two primaries. ``deploy/pg_auto_failover/`` carries the same values for three machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from simulators.harness.private_broker import free_port
from simulators.harness.private_postgres import pg_bin

log = logging.getLogger(__name__)

DATABASE = "control_center"
# The monitor's verdict: a health check every 2 s, a node silent for 5 s with a failed check is down,
# and a primary that cannot be reached counts as demoted after 8 s (above the keepers' 5 s below).
MONITOR_SETTINGS = {
    "pgautofailover.health_check_period": "2000",
    "pgautofailover.health_check_timeout": "1000",
    "pgautofailover.health_check_max_retries": "1",
    "pgautofailover.health_check_retry_delay": "1000",
    "pgautofailover.node_considered_unhealthy_timeout": "5000",
    "pgautofailover.primary_demote_timeout": "8000",
}
# A primary cut off from the monitor and every standby for 5 s demotes itself (no split brain).
KEEPER_SETTINGS = {"timeout.network_partition_timeout": "5"}


def installed() -> bool:
    """Whether pg_auto_failover (``pg_autoctl`` and the monitor's extension) is installed."""
    binaries = pg_bin()
    return (
        shutil.which("pg_autoctl") is not None
        and binaries is not None
        and any((binaries.parent / "lib").glob("pgautofailover*.so"))
    )


@dataclass
class Node:
    name: str
    port: int
    pgdata: Path
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


class PgCluster:
    """``start`` brings up the monitor and the nodes one by one (the first is the primary) and waits
    until every node is in a stable state; ``destroy`` stops them and removes every file."""

    def __init__(self, standbys: int = 2) -> None:
        if not installed():
            raise RuntimeError("pg_auto_failover is not installed (scripts/install-cluster)")
        binaries = pg_bin()
        assert binaries is not None
        self.pg_ctl = binaries / "pg_ctl"
        self.tmp = Path(tempfile.mkdtemp(prefix="cc-pgaf-"))
        self.monitor = Node("monitor", free_port(), self.tmp / "monitor", self.tmp / "monitor.log")
        self.nodes = [
            Node(f"node{n + 1}", free_port(), self.tmp / f"node{n + 1}", self.tmp / f"node{n + 1}.log")
            for n in range(1 + standbys)
        ]

    # -- addresses -------------------------------------------------------------------------------
    @property
    def monitor_uri(self) -> str:
        return f"postgres://autoctl_node@127.0.0.1:{self.monitor.port}/pg_auto_failover?sslmode=disable"

    @property
    def url(self) -> str:
        """The center's multi-host URL: every node, the writable one chosen at each connection."""
        hosts = "&".join(f"host={node.host}" for node in self.nodes)
        return f"postgresql+psycopg://postgres@/{DATABASE}?{hosts}&target_session_attrs=read-write"

    # -- processes -------------------------------------------------------------------------------
    def _command(self, *args: str) -> list[str]:
        env = [f"XDG_{kind}_HOME={self.tmp / 'xdg' / kind.lower()}" for kind in ("CONFIG", "DATA")]
        env += [
            f"XDG_RUNTIME_DIR={self.tmp / 'xdg' / 'run'}",
            f"PG_CONFIG={self.pg_ctl.parent / 'pg_config'}",
        ]
        command = ["env", *env, "pg_autoctl", *args]
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    async def _run(self, *args: str, within: float = 60) -> str:
        process = await asyncio.create_subprocess_exec(
            *self._command(*args), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(process.communicate(), within)
        if process.returncode != 0:
            raise RuntimeError(f"pg_autoctl {' '.join(args)} failed: {err.decode(errors='replace')[-800:]}")
        return out.decode()

    async def _spawn(self, node: Node, *args: str) -> None:
        """``pg_autoctl create … --run`` in a process group of its own, so a kill takes the whole node."""
        with node.log.open("ab") as log:
            node.process = await asyncio.create_subprocess_exec(
                *self._command(*args), stdout=log, stderr=log, start_new_session=True
            )

    async def start(self, within: float = 180) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres")
        common = ["--pgctl", str(self.pg_ctl), "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl"]
        monitor = self.monitor
        await self._spawn(
            monitor, "create", "monitor", "--pgdata", str(monitor.pgdata), "--pgport", str(monitor.port),
            *common, "--run",
        )  # fmt: skip
        await self._wait(lambda: self._monitor_query("select 1"), "the monitor", within)
        for setting, value in MONITOR_SETTINGS.items():
            await self._monitor_query(f"alter system set {setting} = '{value}'")
        await self._monitor_query("select pg_reload_conf()")
        # One at a time: the first becomes the primary, each next one a standby (its base backup
        # taken from the primary); pg_auto_failover stalls standbys that join at once.
        for index, node in enumerate(self.nodes):
            await self._spawn(
                node, "create", "postgres", "--pgdata", str(node.pgdata), "--pgport", str(node.port),
                "--name", node.name, "--listen", "127.0.0.1", "--dbname", DATABASE,
                "--username", "postgres", "--monitor", self.monitor_uri, *common, "--run",
            )  # fmt: skip
            if index == 0:
                await self.wait_stable(within, nodes=1)
            else:
                await self._joined(self.nodes[0], within, index + 1)
        for node in self.nodes:
            for option, value in KEEPER_SETTINGS.items():
                await self._run("config", "set", "--pgdata", str(node.pgdata), option, value)
        if len(self.nodes) > 2:
            await self._run(
                "set", "formation", "number-sync-standbys", "1", "--monitor", self.monitor_uri,
            )  # fmt: skip
        await self.wait_stable(within)

    async def _wait(self, check: Any, what: str, within: float) -> None:
        deadline = time.monotonic() + within
        while True:
            try:
                await check()
                return
            except Exception as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not come up: {exc}; logs in {self.tmp}") from exc
                await asyncio.sleep(0.5)

    async def _monitor_query(self, sql: str) -> list[tuple[Any, ...]]:
        conninfo = f"host=127.0.0.1 port={self.monitor.port} user=postgres dbname=pg_auto_failover"
        async with await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, connect_timeout=3
        ) as conn:
            cursor = await conn.execute(sql)  # type: ignore[arg-type]
            return await cursor.fetchall() if cursor.description else []

    async def _joined(self, primary: Node, within: float, nodes: int) -> None:
        """Until a new standby has joined. Its base backup waits for a checkpoint on the primary,
        which by default is spread over minutes: an immediate one is asked for while it waits."""
        joined = asyncio.create_task(self.wait_stable(within, nodes=nodes))
        conninfo = f"host=127.0.0.1 port={primary.port} user=postgres dbname={DATABASE}"
        while not joined.done():
            with contextlib.suppress(psycopg.Error):
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute("checkpoint")
            await asyncio.wait({joined}, timeout=2)
        await joined

    async def states(self) -> dict[str, tuple[str, str]]:
        """Each node's (reported state, goal state), as the monitor sees them."""
        rows = await self._monitor_query(
            "select nodename, reportedstate::text, goalstate::text from pgautofailover.node order by nodeid"
        )
        return {name: (reported, goal) for name, reported, goal in rows}

    async def wait_stable(self, within: float = 120, nodes: int | None = None) -> dict[str, tuple[str, str]]:
        """Until ``nodes`` nodes (all by default) are registered, have reached their goal, one is
        ``primary`` and the others ``secondary``: a cluster that can take a fault again."""
        expected = len(self.nodes) if nodes is None else nodes
        deadline = time.monotonic() + within
        states: dict[str, tuple[str, str]] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.Error):
                states = await self.states()
                reported = sorted(r for r, g in states.values() if r == g)
                wanted = ["primary"] + ["secondary"] * (expected - 1) if expected > 1 else ["single"]
                if len(states) >= expected and sorted(wanted) == reported:
                    return states
            await asyncio.sleep(0.5)
        stuck = [
            node
            for node in self.nodes
            if states.get(node.name, ("", "?"))[0] != states.get(node.name, ("", "?"))[1]
        ]
        logs = "".join(f"\n--- {node.name}:\n{_tail(node.log)}" for node in [*stuck, self.nodes[0]])
        raise RuntimeError(f"the cluster did not settle within {within} s: {states}{logs}")

    async def primary(self) -> Node:
        states = await self.states()
        for node in self.nodes:
            reported, goal = states.get(node.name, ("", ""))
            if reported == goal and goal in ("primary", "wait_primary", "single"):
                return node
        raise RuntimeError(f"no primary: {states}")

    async def kill(self, node: Node) -> None:
        """SIGKILL to the node's keeper and its PostgreSQL at once: the machine is gone. (Killing the
        postmaster alone is a restart: its keeper starts it again within a second, no failover.)"""
        postmaster = _postmaster_pid(node.pgdata)
        if node.process is not None and node.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.process.pid, signal.SIGKILL)
        if postmaster is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGKILL)
        if node.process is not None:
            await node.process.wait()

    async def restart(self, node: Node) -> None:
        """The killed node's keeper starts again; it rejoins as a standby (pg_rewind if needed)."""
        await self._spawn(node, "run", "--pgdata", str(node.pgdata))

    async def switchover(self, within: float = 120) -> None:
        """The monitor's controlled switchover: the primary hands over to a synchronous standby."""
        await self._run("perform", "switchover", "--monitor", self.monitor_uri, "--wait", str(int(within)),
                        within=within + 10)  # fmt: skip

    async def destroy(self) -> None:
        """Every keeper stopped (SIGTERM, then SIGKILL), every PostgreSQL gone, the directory removed."""
        for node in [*self.nodes, self.monitor]:
            if node.process is not None and node.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.process.pid, signal.SIGTERM)
                try:
                    await asyncio.wait_for(node.process.wait(), 20)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(node.process.pid, signal.SIGKILL)
                    await node.process.wait()
            postmaster = _postmaster_pid(node.pgdata)
            if postmaster is not None:  # a PostgreSQL its keeper left behind
                with contextlib.suppress(ProcessLookupError):
                    os.kill(postmaster, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _tail(log: Path, size: int = 2500) -> str:
    with contextlib.suppress(OSError):
        return log.read_text(errors="replace")[-size:]
    return ""


def _postmaster_pid(pgdata: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    return None


async def started(standbys: int = 2, attempts: int = 2) -> PgCluster:
    """A stable new cluster. A start that does not settle is logged and made again from scratch, once:
    on a loaded machine a standby's base backup has been seen stuck (1 start in 13), which is the
    harness's trouble, not what a drill measures."""
    for attempt in range(1, attempts + 1):
        cluster = PgCluster(standbys)
        try:
            await cluster.start()
            return cluster
        except (RuntimeError, TimeoutError, psycopg.Error) as exc:
            await cluster.destroy()
            if attempt == attempts:
                raise
            log.warning("the pg_auto_failover cluster did not start (%s); starting a new one", exc)
    raise AssertionError("unreachable")


@contextlib.asynccontextmanager
async def pg_cluster(standbys: int = 2) -> AsyncIterator[PgCluster]:
    cluster = await started(standbys)
    try:
        yield cluster
    finally:
        await cluster.destroy()
