"""Panels flooding the embedded broker faster than the gateway stores (an outside tester's attack: 180
panels at 2,300 messages/s against a center storing 200/s). amqtt acknowledged each message as it read
it and queued it in memory: the queue grew without bound, a fire waited minutes behind it, and what was
queued at a stop was lost though the panels had their PUBACK. Now a panel is acknowledged only once the
gateway has stored its message, and at most the relay's bound is on the way at once
(panel_gateway/broker_relay.py)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import aiomqtt
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from control_center.core.settings import MqttTarget, Settings
from control_center.signals.models import Signal
from panel_gateway.broker_relay import URGENT_RESERVE, Relay
from panel_gateway.embedded_broker import EmbeddedBroker, alarm_rank
from simulators.panel import payload
from tests.conftest import EMBEDDED_GATEWAY, embedded_broker
from tests.helpers import (
    background,
    commissioned,
    eventually,
    mqtt_packet,
    mqtt_text,
    raw_mqtt_login,
    running_gateway,
)
from tests.panel_gateway.transports.test_mqtt_ingest import database_write_lock

BOUND = 16
PANELS = 8
EACH = 25  # messages per panel, all sent at once (more in flight than the bound)
FIRE = 110
TROUBLE = 302


async def stored_ids(sessions) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(Signal.message_id)))


class Flood:
    """Panels (commissioned first) each sending ``n`` troubles at once, and fires; a message's id joins
    ``acknowledged`` once its panel has the PUBACK (the moment a real panel forgets the message)."""

    def __init__(self, url: str, topic_root: str, passwords: dict[str, str]) -> None:
        self.target = MqttTarget(url)
        self.topic_root = topic_root
        self.passwords = passwords
        self.acknowledged: set[str] = set()
        self.in_order: list[str] = []  # the acknowledgements as they came

    async def panel(self, account: str, n: int, fires: tuple[str, ...]) -> None:
        async with aiomqtt.Client(
            self.target.host, self.target.port, username=account, password=self.passwords[account],
            identifier=f"flood-{account}", clean_session=False, timeout=120,
            max_inflight_messages=n + len(fires),
        ) as client:  # fmt: skip

            async def send(message_id: str, code: int) -> None:
                body = payload(account, message_id, code)
                await client.publish(f"{self.topic_root}/{account}/signals", body, qos=1)
                self.acknowledged.add(message_id)
                self.in_order.append(message_id)

            sends = [send(f"{account}-{k}", TROUBLE) for k in range(n)]
            await asyncio.gather(*sends, *(send(fire, FIRE) for fire in fires))

    @contextlib.asynccontextmanager
    async def sending(self, n: int, fires: dict[str, tuple[str, ...]] | None = None) -> AsyncIterator[list]:
        """Every panel flooding for the length of the block (cut off at its end if still sending)."""
        fires = fires or {}  # a panel with fires is a quiet one: it sends only them
        tasks = [
            asyncio.create_task(self.panel(a, 0 if a in fires else n, fires.get(a, ())))
            for a in self.passwords
        ]
        try:
            yield tasks
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def center(database_url: str, sessions, topic_root: str, first: int) -> AsyncIterator[tuple]:
    """An embedded broker with a small relay bound, a gateway storing from it, and ``PANELS`` + 1 panels."""
    passwords = {a: await commissioned(sessions, a) for a in map(str, range(first, first + PANELS + 1))}
    relay = Relay(bound=BOUND, rank=alarm_rank(topic_root))
    async with embedded_broker(database_url, topic_root, relay) as (broker, url):
        settings = Settings(
            _env_file=None, database_url=database_url, mqtt_url=url, mqtt_topic_root=topic_root,
            mqtt_client_id=EMBEDDED_GATEWAY, ingest_batch_wait_ms=2,
        )  # fmt: skip
        async with running_gateway(settings, sessions):
            yield broker, Flood(url, topic_root, passwords)


async def test_a_flood_waits_in_the_panels_and_every_acknowledged_message_is_stored(
    database_url: str, sessions, topic_root: str
) -> None:
    fire = f"fire-{uuid.uuid4().hex[:8]}"
    peak = {"on_the_way": 0, "queued": 0}

    async def watch(broker: EmbeddedBroker) -> None:
        while True:
            peak["on_the_way"] = max(peak["on_the_way"], broker.relay.on_the_way)
            peak["queued"] = max(peak["queued"], broker._broadcast_queue.qsize())
            await asyncio.sleep(0.005)

    async with center(database_url, sessions, topic_root, 7200) as (broker, flood), background(watch(broker)):
        with contextlib.ExitStack() as locked:
            locked.enter_context(database_write_lock(database_url))  # the gateway cannot store (a slow disk)
            async with flood.sending(EACH, {"7208": (fire,)}) as panels:
                await eventually(lambda: asyncio.sleep(0, broker.relay.on_the_way >= BOUND))  # sent, held
                await asyncio.sleep(1.0)
                assert flood.acknowledged == set(), "a panel was acknowledged a message that is not stored"
                locked.close()  # storing again: each panel is acknowledged as its messages are stored
                await asyncio.wait_for(asyncio.gather(*panels), 60)

    assert len(flood.acknowledged) == PANELS * EACH + 1 and fire in flood.acknowledged
    assert flood.acknowledged <= await stored_ids(sessions)
    assert peak["on_the_way"] <= BOUND + URGENT_RESERVE and peak["queued"] <= BOUND + URGENT_RESERVE, peak
    assert peak["on_the_way"] >= BOUND, peak  # the flood did fill the way: the bound held it, not the panels
    # The fire, sent by a quiet panel behind the others' 200 troubles, waited for none of the troubles
    # held back: only for those already on their way when it came.
    assert flood.in_order.index(fire) <= BOUND, flood.in_order.index(fire)


async def test_a_stop_mid_flood_loses_nothing_a_panel_was_told_was_received(
    database_url: str, sessions, topic_root: str
) -> None:
    """The broker stopped while messages are on their way: every message acknowledged to a panel is
    stored; the rest the panels still hold (they send them again on their next connection)."""
    async with center(database_url, sessions, topic_root, 7300) as (broker, flood), flood.sending(EACH * 4):
        await eventually(lambda: asyncio.sleep(0, len(flood.acknowledged) >= PANELS * EACH), timeout=60)
        await broker.shutdown()  # mid-flood: messages read from the panels and not yet stored
    stored = await stored_ids(sessions)
    lost = flood.acknowledged - stored
    assert not lost, f"{len(lost)} acknowledged messages were never stored"
    assert len(flood.acknowledged) < PANELS * EACH * 4  # the stop did come mid-flood


async def test_with_no_gateway_to_store_it_a_panel_is_not_acknowledged_and_is_asked_to_come_back(
    database_url: str, sessions, topic_root: str
) -> None:
    """Nobody subscribed (the gateway not yet there, or gone): the message is not acknowledged; after
    the relay's timeout the panel's connection is closed, so it sends the message again on its next one,
    and its place on the way is free again."""
    password = await commissioned(sessions, "7400")
    given_up_before = REGISTRY.get_sample_value("cc_broker_relay_given_up_total") or 0.0
    async with embedded_broker(database_url, topic_root, Relay(bound=BOUND, timeout=0.5)) as (broker, url):
        target = MqttTarget(url)
        client = aiomqtt.Client(
            target.host, target.port, username="7400", password=password, identifier="alone-7400",
            clean_session=False, timeout=2,
        )  # fmt: skip
        with pytest.raises(aiomqtt.MqttError):
            async with client:
                sending = asyncio.create_task(
                    client.publish(f"{topic_root}/7400/signals", payload("7400", "m1", FIRE), qos=1)
                )
                session = broker._sessions["7400"][0]  # the client id is the user name
                await eventually(lambda: asyncio.sleep(0, session.transitions.state == "disconnected"))
                await sending  # never acknowledged: aiomqtt gives up waiting
        assert broker.relay.given_up == 1 and broker.relay.on_the_way == 0
        assert REGISTRY.get_sample_value("cc_broker_relay_given_up_total") == given_up_before + 1  # /metrics
        async with aiomqtt.Client(
            target.host, target.port, username="7400", password=password, identifier="alone-7400",
            clean_session=False, timeout=10,
        ):  # fmt: skip
            pass  # the panel is let in again
    assert await stored_ids(sessions) == set()


async def test_a_panel_publishing_to_another_panels_topic_is_not_acknowledged_and_is_hung_up(
    database_url: str, sessions, topic_root: str
) -> None:
    """MQTT 3.1.1 cannot refuse a PUBLISH. amqtt acknowledged it and dropped it, so a panel set up with
    another account's topic believed each alarm delivered; now it gets no PUBACK and its connection is
    closed (its link shows as down), and it cannot fill the log with one warning per message."""
    async with center(database_url, sessions, topic_root, 7500) as (broker, flood):
        target = flood.target
        client = aiomqtt.Client(
            target.host, target.port, username="7500", password=flood.passwords["7500"],
            identifier="wrong-topic", clean_session=False, timeout=2,
        )  # fmt: skip
        with pytest.raises(aiomqtt.MqttError):
            async with client:
                body = payload("7500", "forged-1", FIRE)
                sending = asyncio.create_task(client.publish(f"{topic_root}/7501/signals", body, qos=1))
                session = broker._sessions["7500"][0]
                await eventually(lambda: asyncio.sleep(0, session.transitions.state == "disconnected"))
                await sending  # never acknowledged
        await flood.panel("7501", 1, ())  # the rightful panel is unaffected
    assert flood.acknowledged == {"7501-0"}
    assert await stored_ids(sessions) == {"7501-0"}


async def test_a_panel_that_keeps_sending_past_its_limit_is_really_disconnected(
    database_url: str, sessions, topic_root: str
) -> None:
    """Past ``max_unacknowledged`` the connection is closed, even for a client that never stops writing
    and never reads: the broker stops reading (and buffering) it, and the socket is gone."""
    password = await commissioned(sessions, "7600")
    async with embedded_broker(database_url, topic_root, Relay(bound=4, max_unacknowledged=10)) as (_, url):
        target = MqttTarget(url)
        with database_write_lock(database_url):  # nothing is stored, so nothing is acknowledged
            reader, writer = await raw_mqtt_login(
                target.host, target.port, "raw-7600", "7600", password, clean=False
            )
            topic = f"{topic_root}/7600/signals"

            async def keep_sending() -> None:
                for n in range(1, 60_000):
                    body = (
                        mqtt_text(topic)
                        + (n % 65535 + 1).to_bytes(2, "big")
                        + payload("7600", f"m{n}", TROUBLE)
                    )
                    writer.write(mqtt_packet(0x32, body))
                    await writer.drain()

            sender = asyncio.create_task(keep_sending())
            try:
                # The broker hangs up: the client reads the end of the stream (or a reset), and can no
                # longer write.
                with contextlib.suppress(ConnectionError):
                    assert await asyncio.wait_for(reader.read(), 30) == b""
                with pytest.raises((ConnectionError, OSError)):
                    await asyncio.wait_for(sender, 30)
            finally:
                sender.cancel()
                writer.close()
    assert await stored_ids(sessions) == set()
