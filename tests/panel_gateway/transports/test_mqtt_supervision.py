"""The gateway survives whatever ends or silences its session, on both brokers and databases.

Red team, issue 15: a client connecting with the gateway's client id for 5 s stopped MQTT intake for
good, and nothing was logged. The broker refusing that client is the door (test_panel_identity.py);
these are the walls behind it: a client that gets in anyway, a connection that goes silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from urllib.parse import quote

import aiomqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from panel_gateway.transports.mqtt_liveness import refused
from simulators.mqtt_clients import connect
from simulators.panel import SimulatedPanel
from tests.helpers import commissioned, count, eventually, forget_gateway_session, running_gateway
from tests.links import Link

PROBE_SECONDS = 0.3  # the gateway's probe period in these tests: silent after three of them
HIJACK_SECONDS = 2.0


@pytest.fixture
async def watched(settings: Settings) -> AsyncIterator[Settings]:
    yield settings.model_copy(update={"mqtt_probe_seconds": PROBE_SECONDS})
    await forget_gateway_session(settings)


async def hijack(settings: Settings, seconds: float, *, clean_session: bool) -> dt.datetime | None:
    """Hold the gateway's session for ``seconds`` with its client id and password, connecting again
    whenever the broker hands the session back; returns when it last got in (None: never)."""
    target, loop = settings.broker, asyncio.get_running_loop()
    end, last_in = loop.time() + seconds, None
    while loop.time() < end:
        client = connect(
            target, settings.mqtt_client_id, target.username, target.password, clean_session=clean_session
        )
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with client:
                last_in = utcnow()
                await asyncio.wait_for(anext(client.messages), end - loop.time())  # until thrown out
    return last_in


@pytest.mark.parametrize("clean_session", [False, True], ids=["persistent", "clean"])
async def test_a_client_with_the_gateways_id_and_password_cannot_stop_intake(
    watched: Settings, sessions, caplog, clean_session: bool
) -> None:
    settings = watched
    caplog.set_level(logging.WARNING, logger="panel_gateway.transports.mqtt")
    password = await commissioned(sessions, "4100")
    async with (
        running_gateway(settings, sessions) as gateway,
        SimulatedPanel(settings, "4100", password=password) as panel,
    ):
        before = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=before))
        last_in = await hijack(settings, HIJACK_SECONDS, clean_session=clean_session)
        assert last_in is not None
        if clean_session:
            # A clean session discards the gateway's subscription, and the broker drops what is
            # published before it subscribes again (MQTT's rule; keeping such clients out is the door's
            # job, test_panel_identity.py). So the gateway must be back first, as it is here.
            await eventually(
                lambda: asyncio.sleep(0, gateway.state.subscribed and gateway.state.since > last_in)
            )
        after = await panel.alarm("fire")  # the hijacker has left
        await eventually(lambda: count(sessions, message_id=after))
    assert any("MQTT intake stopped" in r.getMessage() for r in caplog.records)


def through(settings: Settings, link: Link) -> Settings:
    """The same settings, the gateway reaching its broker through ``link``."""
    target = settings.broker
    login = ""
    if target.username:
        login = f"{quote(target.username, safe='')}:{quote(target.password or '', safe='')}@"
    return settings.model_copy(update={"mqtt_url": f"mqtt://{login}127.0.0.1:{link.port}"})


async def test_a_connection_that_delivers_nothing_is_replaced_and_its_alarm_still_stored(
    watched: Settings, sessions, caplog
) -> None:
    settings = watched
    caplog.set_level(logging.WARNING, logger="panel_gateway.transports.mqtt")
    password = await commissioned(sessions, "4200")
    async with (
        Link(settings.broker.host, settings.broker.port).running() as link,
        running_gateway(through(settings, link), sessions),
        SimulatedPanel(settings, "4200", password=password) as panel,
    ):
        link.mute()  # the gateway's connection stays up; nothing the broker sends on it arrives
        fire = await panel.alarm("fire")  # accepted by the broker, its delivery swallowed
        await eventually(lambda: count(sessions, message_id=fire))
    assert any("not even the gateway's own probe" in r.getMessage() for r in caplog.records)


SUBSCRIBED = ["panels/+/signals", "panels/_gateway/probe"]


@pytest.mark.parametrize(
    ("granted", "verdict"),
    [
        ((1, 0), None),
        ([ReasonCode(PacketTypes.SUBACK, identifier=1), ReasonCode(PacketTypes.SUBACK, identifier=0)], None),
        ((0x80, 0), "broker refused the subscription to panels/+/signals (0x80)"),
        ([ReasonCode(PacketTypes.SUBACK, identifier=1), ReasonCode(PacketTypes.SUBACK, identifier=0x87)],
         "broker refused the subscription to panels/_gateway/probe (0x87)"),
        ((1,), "broker answered 1 of 2 subscriptions"),
    ],
    ids=["granted", "granted-v5-codes", "refused", "refused-v5-code", "short"],
)  # fmt: skip
def test_a_refused_subscription_is_noticed(granted, verdict) -> None:
    assert refused(SUBSCRIBED, granted) == verdict
