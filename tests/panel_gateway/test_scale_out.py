"""Two gateway processes sharing the panels through an MQTT shared subscription (Mosquitto), and two
inbox workers on one PostgreSQL: every signal stored once, processed once, none lost."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from control_center.core.db import create_engine, session_factory
from control_center.core.settings import MqttTarget, Settings
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from simulators.harness.processes import run_settings
from simulators.panel import SimulatedPanel
from tests.conftest import MOSQUITTO_URL, require_server
from tests.helpers import at_least, count, eventually, forget_gateway_session
from tests.panel_gateway.transports.test_mqtt_ingest import start_gateway_process, wait_for_line


@pytest.fixture
def shared(postgres_url: str) -> Settings:
    """Several workers share one PostgreSQL (SQLite is the single-process demo)."""
    target = MqttTarget(MOSQUITTO_URL)
    require_server("Mosquitto", target.host, target.port)
    run = uuid.uuid4().hex[:8]
    return run_settings("scale", run, postgres_url, MOSQUITTO_URL, mqtt_shared_group=f"gw-{run}")


async def test_two_gateways_and_two_workers_lose_nothing_and_repeat_nothing(shared: Settings) -> None:
    engine = create_engine(shared.database_url)
    sessions = session_factory(engine)
    try:
        await _two_gateways_two_workers(shared, sessions)
    finally:
        await engine.dispose()


async def _two_gateways_two_workers(shared: Settings, sessions) -> None:
    gateways = []
    try:
        for name in ("a", "b"):
            settings = shared.model_copy(update={"mqtt_client_id": f"{shared.mqtt_shared_group}-{name}"})
            process, lines = await start_gateway_process(settings)
            await wait_for_line(lines, "gateway ready")
            gateways.append((settings, process, lines))

        async def panel(n: int) -> None:
            async with SimulatedPanel(
                shared, f"{7000 + n:04d}", client_id=f"{shared.mqtt_shared_group}-p{n}"
            ) as p:
                await p.alarm("burglary")
                for _ in range(9):
                    await p.send(602)

        await asyncio.gather(*(panel(n) for n in range(20)))
        await eventually(lambda: at_least(count(sessions), 200), timeout=60)
        await asyncio.sleep(1)
        assert await count(sessions) == 200  # the unique key would refuse a second copy; none is missing
        received = [sum(1 for line in _drain(lines) if "batch received" in line) for _, _, lines in gateways]
        assert all(n > 0 for n in received), f"the shared subscription must split the load: {received}"
    finally:
        for settings, process, _ in gateways:
            process.terminate()
            await process.wait()
            await forget_gateway_session(settings)

    # Two workers, each with its own connections, share the inbox with FOR UPDATE SKIP LOCKED.
    engines = [create_engine(shared.database_url) for _ in range(2)]
    try:

        async def work(engine) -> None:
            async with session_factory(engine)() as session:
                while await _pending(session):  # the other worker may hold some rows: take the rest
                    await process_pending(session=session, limit=7)

        await asyncio.gather(*(work(e) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    async with sessions() as session:
        unprocessed = await session.scalar(
            select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
        )
        incidents = list(await session.scalars(select(Incident)))
    assert unprocessed == 0
    assert len(incidents) == 20 and all(i.signal_count == 1 for i in incidents)


async def _pending(session) -> bool:
    return bool(
        await session.scalar(select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None)))
    )


def _drain(lines: asyncio.Queue[str]) -> list[str]:
    out = []
    while not lines.empty():
        out.append(lines.get_nowait())
    return out
