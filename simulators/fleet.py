"""A fleet of panels sending everyday traffic: arming, disarming, periodic tests, the odd trouble."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping

import aiomqtt

from control_center.core.settings import Settings
from panel_gateway.protocols.contact_id import Qualifier
from simulators.panel import SimulatedPanel

log = logging.getLogger(__name__)

# (weight, Contact ID code, qualifier): 401 open/close by user, 602 periodic test, 302/384 low battery.
TRAFFIC = [
    (40, 401, Qualifier.RESTORE),  # closing: armed on leaving
    (40, 401, Qualifier.NEW),  # opening: disarmed on return
    (15, 602, Qualifier.NEW),
    (3, 302, Qualifier.NEW),
    (2, 384, Qualifier.NEW),
]


async def run_panel(
    settings: Settings, account: str, password: str | None, mean_interval: float, rng: random.Random
) -> None:
    weights = [w for w, *_ in TRAFFIC]
    while True:
        try:
            async with SimulatedPanel(settings, account, password=password) as panel:
                while True:
                    await asyncio.sleep(rng.expovariate(1 / mean_interval))
                    _, code, qualifier = rng.choices(TRAFFIC, weights)[0]
                    await panel.send(code, qualifier, zone=rng.randrange(1, 9))
        except aiomqtt.MqttError as exc:
            log.debug("panel %s lost its broker (%s); reconnecting", account, exc)
            await asyncio.sleep(1 + rng.random())


async def run_fleet(
    settings: Settings, panels: Mapping[str, str | None], mean_interval: float = 30.0, seed: int = 1
) -> None:
    """``panels``: account → the MQTT password issued to it (simulators/credentials.py)."""
    rng = random.Random(seed)
    tasks = [
        asyncio.create_task(run_panel(settings, a, pw, mean_interval, random.Random(rng.random())))
        for a, pw in panels.items()
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
