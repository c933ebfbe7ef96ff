"""Fault drills: signals keep coming while something fails; at the end every signal the simulated
panels sent must be stored exactly once. Each drill prints sent / stored / duplicates / lost.

- ``postgres-stop``: the database stops (as in a crash) for N seconds mid-stream and comes back.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import aiomqtt
from sqlalchemy import func, select

from control_center.bench.private_broker import private_mosquitto
from control_center.bench.private_postgres import PrivatePostgres
from control_center.db import create_engine, session_factory
from control_center.migrate import upgrade_async
from control_center.settings import MqttTarget, Settings
from panel_gateway.ingest import Ingest
from panel_gateway.models import Signal
from panel_gateway.transports.mqtt import MqttGateway
from simulators.panel import payload


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


async def _send(target: MqttTarget, root: str, count: int, per_second: float, run: str) -> list[str]:
    """One panel sends ``count`` signals at a steady pace (QoS 1); returns their message ids."""
    ids = []
    async with aiomqtt.Client(target.host, target.port, identifier=f"drill-{run}", username="9001") as client:
        for i in range(count):
            msg_id = f"{run}-{i}"
            await client.publish(f"{root}/9001/signals", payload("9001", msg_id, 602), qos=1)
            ids.append(msg_id)
            await asyncio.sleep(1 / per_second)
    return ids


async def postgres_stop(
    outage_seconds: float = 10.0, messages: int = 300, per_second: float = 20.0
) -> DrillResult:
    started = time.perf_counter()
    database = PrivatePostgres()
    await database.create()
    await database.start()
    try:
        await upgrade_async(database.url)
        async with private_mosquitto(persistence=True) as broker:
            run = uuid.uuid4().hex[:8]
            settings = Settings(
                _env_file=None,
                database_url=database.url,
                mqtt_url=broker.url,
                mqtt_topic_root=f"drill-{run}/panels",
                mqtt_client_id=f"drill-gw-{run}",
            )
            engine = create_engine(database.url)
            sessions = session_factory(engine)
            gateway = MqttGateway(settings, Ingest(sessions))
            task = asyncio.create_task(gateway.run())
            try:
                await asyncio.wait_for(gateway.ready.wait(), 30)
                sending = asyncio.create_task(
                    _send(MqttTarget(broker.url), settings.mqtt_topic_root, messages, per_second, run)
                )
                await asyncio.sleep(messages / per_second / 4)  # a quarter of the stream goes through first
                await database.stop("immediate")
                await asyncio.sleep(outage_seconds)
                await database.start()
                sent = await sending
                deadline = time.perf_counter() + 120
                stored = 0
                while time.perf_counter() < deadline:
                    try:
                        async with sessions() as session:
                            stored = await session.scalar(select(func.count()).select_from(Signal)) or 0
                    except Exception:  # the pool may still hold connections from before the outage
                        stored = 0
                    if stored >= len(sent):
                        break
                    await asyncio.sleep(0.5)
                async with sessions() as session:
                    ids = list(await session.scalars(select(Signal.message_id)))
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await engine.dispose()
    finally:
        await database.destroy()
    distinct = set(ids)
    return DrillResult(
        "postgres-stop",
        len(sent),
        len(distinct),
        len(ids) - len(distinct),
        len(set(sent) - distinct),
        round(time.perf_counter() - started, 1),
    )


def report(result: DrillResult) -> dict[str, Any]:
    return asdict(result) | {"passed": result.passed}
