"""Fault drills: signals keep coming while something fails; at the end every signal the simulated
panels sent must be stored exactly once. Each drill prints sent / stored / duplicates / lost.

- ``postgres-stop``: the database stops (as in a crash) for N seconds mid-stream and comes back.
- ``gateway-kill``: the gateway process is killed with SIGKILL mid-stream and started again.
- ``broker-restart``: the broker stops mid-stream and starts again with its persistence.

The gateway runs as its own ``control-center gateway`` process, as deployed; the broker is a private
Mosquitto (persistence on, no queue limit), so the machine's own services are never touched.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from control_center.core.settings import MqttTarget
from simulators.drills import streams
from simulators.harness import identities
from simulators.harness.private_broker import PrivateMosquitto, private_mosquitto
from simulators.harness.private_postgres import PrivatePostgres
from simulators.harness.processes import CenterProcess, child_env, run_database, run_settings

PANELS = 10


@dataclass(frozen=True)
class DrillResult:
    drill: str
    sent: int
    stored: int
    duplicates: int
    lost: int
    seconds: float

    @property
    def passed(self) -> bool:
        return self.stored == self.sent and self.duplicates == 0 and self.lost == 0


Fault = Callable[[PrivateMosquitto, CenterProcess], Awaitable[None]]


async def _drill(
    name: str, database_url: str | None, fault: Fault, messages: int, per_second: float
) -> DrillResult:
    """Panels stream through a private Mosquitto to a ``control-center gateway`` process; at a quarter
    of the stream ``fault`` strikes; at the end every confirmed message must be stored exactly once.
    The database is ``database_url``, or a temporary SQLite file."""
    started = time.perf_counter()
    run = uuid.uuid4().hex[:8]
    accounts = [f"{9001 + n:04d}" for n in range(PANELS)]
    sent: list[str] = []
    async with run_database("drill", database_url) as (url, sessions):
        planned = run_settings("drill", run, url, "mqtt://127.0.0.1")
        # Commissioned panels; the broker lets in only them and the gateway, as in production.
        ids = await identities.commission(sessions, accounts, planned.mqtt_client_id)
        access = ids.access(planned.mqtt_topic_root)
        with tempfile.TemporaryDirectory() as tmp:
            async with private_mosquitto(persistence=True, access=access) as broker:
                settings = planned.model_copy(update={"mqtt_url": ids.gateway_url(broker.url)})
                gateway = CenterProcess(
                    "gateway", child_env(settings), Path(tmp) / "gateway.log", "gateway ready"
                )
                try:
                    await gateway.start()
                    target = MqttTarget(broker.url)
                    panels = streams.stream(
                        streams.numbered(run, accounts, messages),
                        targets=lambda _: target,
                        root=settings.mqtt_topic_root,
                        ids=ids,
                        per_second=per_second,
                        confirmed=sent.append,
                    )
                    await asyncio.sleep(messages / per_second / 4)  # a quarter goes through first
                    await fault(broker, gateway)
                    await panels
                    stored = await streams.stored_ids(sessions, run, len(sent))
                finally:
                    await gateway.stop()
    distinct = set(stored)
    return DrillResult(
        name,
        len(sent),
        len(distinct),
        len(stored) - len(distinct),
        len(set(sent) - distinct),
        round(time.perf_counter() - started, 1),
    )


async def postgres_stop(
    outage_seconds: float = 10.0, messages: int = 300, per_second: float = 20.0
) -> DrillResult:
    """The database stops (``pg_ctl stop -m immediate``, as in a crash) for ``outage_seconds``."""
    database = PrivatePostgres()
    await database.create()
    await database.start()

    async def fault(_broker: PrivateMosquitto, _gateway: CenterProcess) -> None:
        await database.stop("immediate")
        await asyncio.sleep(outage_seconds)
        await database.start()

    try:
        return await _drill("postgres-stop", database.url, fault, messages, per_second)
    finally:
        await database.destroy()


async def _kill_gateway(_broker: PrivateMosquitto, gateway: CenterProcess) -> None:
    """The gateway process is killed with SIGKILL mid-stream and started again a second later."""
    await gateway.kill()
    await asyncio.sleep(1)
    await gateway.start()


async def _restart_broker(broker: PrivateMosquitto, _gateway: CenterProcess) -> None:
    """The broker stops mid-stream and starts again a second later (same port, same persistence)."""
    await broker.stop()
    await asyncio.sleep(1)
    await broker.start()


def _on_any_database(name: str, fault: Fault) -> Callable[..., Awaitable[DrillResult]]:
    """The drill of ``fault`` on ``database_url``, or on a temporary SQLite file."""

    async def drill(
        messages: int = 300, per_second: float = 20.0, database_url: str | None = None
    ) -> DrillResult:
        return await _drill(name, database_url, fault, messages, per_second)

    drill.__doc__ = fault.__doc__
    return drill


gateway_kill = _on_any_database("gateway-kill", _kill_gateway)
broker_restart = _on_any_database("broker-restart", _restart_broker)
DRILLS = {"postgres-stop": postgres_stop, "gateway-kill": gateway_kill, "broker-restart": broker_restart}


def as_json(result: DrillResult) -> dict[str, Any]:
    return asdict(result) | {"passed": result.passed}


def report(result: DrillResult) -> str:
    return (
        f"{result.drill}: sent {result.sent}, stored {result.stored}, "
        f"duplicates {result.duplicates}, lost {result.lost} "
        f"({'passed' if result.passed else 'FAILED'}, {result.seconds} s)"
    )
