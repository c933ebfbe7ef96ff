"""Fault drill: the broker restarts mid-stream. Every signal the panels sent is stored exactly once.

Runs against a private Mosquitto (persistence on, ``max_queued_messages 0``) so the system broker is
never touched; the drill is bounded in time and stays on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import uuid
from pathlib import Path

from control_center.core.settings import Settings
from simulators.harness import identities
from simulators.harness.private_broker import PrivateMosquitto, free_port
from simulators.panel import payload, send_until_confirmed
from tests.helpers import at_least, count, eventually, require_binaries, running_gateway
from tests.panel_gateway.transports.test_mqtt_ingest import database_write_lock


async def test_a_broker_restart_loses_nothing_and_repeats_nothing(database_url: str, sessions) -> None:
    require_binaries()
    # Not tmp_path: pytest's folders are private to root, and mosquitto (dropped to its own user) could
    # not save the queued messages there; that was the "lost on broker restart" of earlier runs.
    run = uuid.uuid4().hex[:8]
    bodies = {
        f"{8000 + n:04d}": [payload(f"{8000 + n:04d}", f"{run}-{i}", 602) for i in range(30)]
        for n in range(10)
    }
    # Commissioned panels and a broker that lets only them and the gateway in, as deployed.
    ids = await identities.commission(sessions, list(bodies), f"drill-gw-{run}")
    root = f"drill-{run}/panels"
    port = free_port()
    broker = PrivateMosquitto(Path(tempfile.mkdtemp(prefix="cc-drill-")), port, True, ids.access(root))
    await broker.start()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=ids.gateway_url(broker.url),
        ingest_batch_max=1,
        mqtt_topic_root=root,
        mqtt_client_id=f"drill-gw-{run}",
    )
    try:
        async with running_gateway(settings, sessions):
            # The panels send and the broker restarts while another writer holds the database's write
            # lock; whatever the gateway has not acknowledged by then must reach it after the restart.
            with database_write_lock(database_url):
                sent = await asyncio.gather(
                    *(
                        send_until_confirmed(
                            settings.broker, f"{root}/{a}/signals", a, b, password=ids.password(a)
                        )
                        for a, b in bodies.items()
                    )
                )
                await asyncio.sleep(1.0)
                await broker.stop()
                await asyncio.sleep(0.5)
                await broker.start()  # same port, same persistence directory
            total = sum(sent)
            assert total == 300
            with contextlib.suppress(AssertionError):
                await eventually(lambda: at_least(count(sessions), total), timeout=20)
    finally:
        await broker.stop()
    stored = await count(sessions)
    assert stored == total, (
        f"drill: sent {total}, stored {stored}, duplicates 0 (unique key), lost {total - stored}"
    )
