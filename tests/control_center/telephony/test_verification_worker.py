"""The link worker as ``control-center serve`` wires it (runtime.py), on both databases: woken by incident
changes, not by every stored signal, and still texting the links of a new alarm within seconds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import func, select

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.runtime import Runtime
from control_center.signals.models import Signal
from control_center.telephony.adapters import SimulatedTelephony
from control_center.telephony.models import VerificationLink
from control_center.telephony.verification_worker import COALESCE_SECONDS
from panel_gateway.ingest import Received
from panel_gateway.protocols import mqtt_payload
from simulators.panel import payload
from tests.control_center.factories import premises
from tests.helpers import eventually

ACCOUNT = "2001"
PERIODIC_TEST, BURGLARY = 602, 130


@contextlib.asynccontextmanager
async def running(database_url: str) -> AsyncIterator[Runtime]:
    """The runtime's inbox worker and link worker; the link worker never sweeps on its own clock, so
    every sweep it makes was a wake-up."""
    runtime = Runtime(Settings(_env_file=None, database_url=database_url))
    runtime.links.every = 3600.0
    tasks = [asyncio.create_task(c) for c in (runtime.worker.run(), runtime.links.run())]
    try:
        await asyncio.wait_for(runtime.links.listening.wait(), 15)
        yield runtime
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await runtime.close()


async def send(runtime: Runtime, code: int, count: int = 1) -> None:
    """``count`` messages of the panel, stored as the gateway stores them (its "signals stored" call)."""
    now = utcnow()
    for n in range(count):
        raw = payload(ACCOUNT, f"w{code}-{n}-{now.timestamp()}", code, sent_at=now)
        decoded = mqtt_payload.parse_json(ACCOUNT, raw)
        await runtime.ingest.store([Received("mqtt", f"panels/{ACCOUNT}/signals", raw, now, decoded)])


async def worked(sessions) -> bool:
    async with sessions() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(Signal).where(Signal.processed_at.is_(None))
        )
    return waiting == 0


async def link_count(sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(VerificationLink)) or 0)


async def test_a_flood_of_periodic_tests_and_system_alarms_make_no_link_sweep(database_url, sessions) -> None:
    await premises(sessions, ACCOUNT)
    async with running(database_url) as runtime:
        await send(runtime, PERIODIC_TEST, count=30)
        await eventually(lambda: worked(sessions))
        for _ in range(5):
            runtime.hub.announce_system()  # the watchdog's banner: no incident
        await asyncio.sleep(2 * COALESCE_SECONDS)
        assert runtime.links.sweeps == 0
        assert await link_count(sessions) == 0


async def test_the_link_still_goes_out_after_a_burst_of_unrelated_incident_changes(
    database_url, sessions
) -> None:
    await premises(sessions, ACCOUNT)
    async with running(database_url) as runtime:
        for n in range(300):  # other incidents changing (a trouble storm), heard as one wake-up
            runtime.hub.publish({100_000 + n})
        await eventually(lambda: asyncio.sleep(0, runtime.links.sweeps >= 1))
        await asyncio.sleep(2 * COALESCE_SECONDS)
        assert runtime.links.sweeps == 1
        assert await link_count(sessions) == 0

        await send(runtime, BURGLARY)
        await eventually(lambda: link_count(sessions))
        telephony = runtime.telephony
        assert isinstance(telephony, SimulatedTelephony)
        await eventually(lambda: asyncio.sleep(0, len(telephony.texts) == 3))
        contacts = ["+819000000001", "+819000000002", "+819000000003"]  # the premises' three, at once
        assert sorted(sms.to for sms in telephony.texts) == contacts
        assert all("/v/" in sms.body for sms in telephony.texts)
