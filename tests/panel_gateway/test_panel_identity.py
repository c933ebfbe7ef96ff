"""Nobody on the panel network can speak for a panel, read the panels, or take the gateway's place.

Each test is an attack, run on SQLite and PostgreSQL, against the embedded broker (as the demo runs
it) and against a private Mosquitto started with the files the project generates
(``panel_gateway/mosquitto_config.py``). Credentials are issued as at commissioning; on Mosquitto,
issuing is followed by writing the files again and SIGHUP, as docs/deployment.md says.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import create_engine, session_factory
from control_center.core.settings import Settings
from control_center.signals.models import DeadLetter, Signal
from control_center.subscribers.models import PanelAccount
from panel_gateway import mqtt_credentials
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_guard import BrokerGuard
from panel_gateway.broker_password import hash_password, new_password, verify_password
from panel_gateway.embedded_broker import start_embedded_broker
from simulators.harness.private_broker import Access, PrivateMosquitto, free_port, mosquitto_binary
from simulators.mqtt_clients import connect
from simulators.panel import SimulatedPanel, payload
from tests.conftest import CI
from tests.helpers import commissioned, count, eventually, mqtt_packet, mqtt_text, running_gateway

GATEWAY = "cc-gateway"


@dataclass
class Guarded:
    """A broker that enforces the panels' identities, and the gateway's settings for it."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    refresh: Callable[[], Awaitable[None]]  # after credentials were issued

    async def commission(self, account: str) -> str:
        """Issue credentials, as an installer would, and wait until the broker knows them."""
        password = await commissioned(self.sessions, account)
        await self.refresh()
        await eventually(lambda: logs_in(self.settings, account, password))
        return password


async def logs_in(
    settings: Settings,
    username: str | None,
    password: str | None,
    identifier: str = "",
    clean_session: bool | None = None,
) -> bool:
    identifier = identifier or f"probe-{os.urandom(4).hex()}"
    try:
        async with connect(
            settings.broker, identifier, username, password, clean_session=clean_session, timeout=5
        ):
            return True
    except aiomqtt.MqttError:
        return False


def client(settings: Settings, username: str, password: str, **options: object) -> aiomqtt.Client:
    target = settings.broker
    return aiomqtt.Client(target.host, target.port, username=username, password=password, **options)  # type: ignore[arg-type]


@pytest.fixture(params=["embedded", "mosquitto"])
async def guarded(
    request: pytest.FixtureRequest, database_url: str, topic_root: str
) -> AsyncIterator[Guarded]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    password = new_password()
    gateway = Login(GATEWAY, Role.GATEWAY, hash_password(password))
    port = free_port()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=f"mqtt://{GATEWAY}:{password}@127.0.0.1:{port}",
        mqtt_topic_root=topic_root,
        mqtt_client_id=GATEWAY,
        ingest_batch_wait_ms=2,
    )
    try:
        if request.param == "embedded":
            guard = BrokerGuard(topic_root=topic_root, lookup=mqtt_credentials.lookup(sessions, [gateway]))
            broker = await start_embedded_broker("127.0.0.1", port, guard)

            async def nothing_to_do() -> None:
                return None

            try:
                yield Guarded(settings, sessions, nothing_to_do)
            finally:
                await broker.shutdown()
            return
        if mosquitto_binary() is None:
            if CI:
                pytest.fail("mosquitto is not installed")
            pytest.skip("mosquitto is not installed")

        async def access() -> Access:
            async with sessions() as session:
                panels = await mqtt_credentials.panel_logins(session=session)
            return Access([gateway, *panels], topic_root)

        # Not tmp_path: mosquitto, dropped to its own user, must enter the folder.
        directory = Path(tempfile.mkdtemp(prefix="cc-ids-"))
        private = PrivateMosquitto(directory, port, False, await access())

        async def reload() -> None:
            private.reload(await access())

        try:
            await private.start()
            yield Guarded(settings, sessions, reload)
        finally:
            await private.stop()
            shutil.rmtree(directory, ignore_errors=True)
    finally:
        await engine.dispose()


async def test_made_up_clients_are_refused_and_alarms_still_arrive(guarded: Guarded) -> None:
    settings, sessions = guarded.settings, guarded.sessions
    password = await guarded.commission("1001")
    async with running_gateway(settings, sessions):
        assert not await logs_in(settings, "1001", "guessed-" + password[8:]), "a wrong password"
        assert not await logs_in(settings, "1001", None), "no password"
        assert not await logs_in(settings, "7777", password), "a user name nobody issued"
        assert not await logs_in(settings, None, None), "anonymous"
        assert not await logs_in(settings, GATEWAY, password), "the gateway's name with a panel's password"

        async with SimulatedPanel(settings, "1001", password=password) as panel:
            message_id = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=message_id))


async def test_a_panel_cannot_send_an_alarm_for_another_account(guarded: Guarded) -> None:
    settings, sessions = guarded.settings, guarded.sessions
    attacker = await guarded.commission("1001")
    victim = await guarded.commission("1002")
    root = settings.mqtt_topic_root
    forged = payload("1002", "forged-fire", 110)
    async with running_gateway(settings, sessions):
        for topic in (f"{root}/1002/signals", f"{root}/1001/../1002/signals", f"{root}/1002/signals/x"):
            # Mosquitto acknowledges and drops it, or closes the connection; amqtt drops it.
            with contextlib.suppress(aiomqtt.MqttError):
                async with client(settings, "1001", attacker) as a:
                    await a.publish(topic, forged, qos=1)
        async with SimulatedPanel(settings, "1001", password=attacker) as a:
            own = await a.alarm("burglary")  # the attacker's own channel still works
        async with SimulatedPanel(settings, "1002", password=victim) as v:
            theirs = await v.alarm("fire")
        await eventually(lambda: count(sessions, message_id=own))
        await eventually(lambda: count(sessions, message_id=theirs))
    assert await count(sessions, message_id="forged-fire") == 0
    assert await count(sessions, Signal, account="1002") == 1
    assert await count(sessions, DeadLetter) == 0


async def test_a_panel_reads_nothing_of_the_other_panels(guarded: Guarded) -> None:
    settings, sessions = guarded.settings, guarded.sessions
    spy_password = await guarded.commission("1001")
    victim = await guarded.commission("1002")
    root = settings.mqtt_topic_root
    heard: list[str] = []
    async with (
        running_gateway(settings, sessions),
        aiomqtt.Client(
            settings.broker.host,
            settings.broker.port,
            username="1001",
            password=spy_password,
            identifier="1001",
        ) as spy,
    ):
        for stolen in ("#", f"{root}/+/signals", f"{root}/1002/signals", f"$share/gw/{root}/+/signals"):
            with contextlib.suppress(aiomqtt.MqttError):
                await spy.subscribe(stolen, qos=1)

        async def listen() -> None:
            async for message in spy.messages:
                heard.append(message.topic.value)

        listener = asyncio.create_task(listen())
        async with SimulatedPanel(settings, "1002", password=victim) as v:
            first = await v.alarm("fire")
            second = await v.alarm("burglary")
        await eventually(lambda: count(sessions, message_id=first))
        await eventually(lambda: count(sessions, message_id=second))
        listener.cancel()
    assert heard == []


async def test_nobody_takes_the_gateways_session_and_intake_goes_on(guarded: Guarded, caplog) -> None:
    settings, sessions = guarded.settings, guarded.sessions
    caplog.set_level(logging.INFO, logger="panel_gateway.transports.mqtt")
    panel_password = await guarded.commission("1001")
    victim = await guarded.commission("1002")
    async with running_gateway(settings, sessions):
        for clean in (True, False):  # a clean session would delete the gateway's, a persistent one take it
            assert not await logs_in(settings, GATEWAY, "not-its-password", GATEWAY, clean)
            assert not await logs_in(settings, None, None, GATEWAY, clean)
        # A real panel asking for the gateway's client id gets its own session, not the gateway's.
        async with client(
            settings, "1001", panel_password, identifier=GATEWAY, clean_session=True
        ) as borrower:
            async with SimulatedPanel(settings, "1002", password=victim) as v:
                fire = await v.alarm("fire")
            await eventually(lambda: count(sessions, message_id=fire))
            await borrower.publish(
                f"{settings.mqtt_topic_root}/1001/signals", payload("1001", "mine", 602), qos=1
            )
    ready = [r for r in caplog.records if r.getMessage().startswith("gateway ready")]
    assert len(ready) == 1, "the gateway's session was never interrupted"


async def test_rotated_credentials_refuse_the_old_password(guarded: Guarded) -> None:
    settings, sessions = guarded.settings, guarded.sessions
    old = await guarded.commission("1001")
    new = await guarded.commission("1001")  # issued again: rotated
    assert old != new
    assert not await logs_in(settings, "1001", old)
    async with (
        running_gateway(settings, sessions),
        SimulatedPanel(settings, "1001", password=new) as panel,
    ):
        message_id = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=message_id))


def connect_with_will(username: str, password: str, will_topic: str, will: bytes) -> bytes:
    """An MQTT 3.1.1 CONNECT carrying a last will (QoS 1), as an attacker's own client would send it."""
    flags = 0x80 | 0x40 | 0x08 | 0x04 | 0x02  # user name, password, will QoS 1, will, clean session
    body = mqtt_text("MQTT") + bytes([4, flags]) + (60).to_bytes(2, "big")
    body += mqtt_text("1001-will") + mqtt_text(will_topic) + mqtt_text(will)
    body += mqtt_text(username) + mqtt_text(password)
    return mqtt_packet(0x10, body)


async def test_a_last_will_for_another_account_is_never_stored(guarded: Guarded) -> None:
    """The broker publishes a last will itself when a client vanishes: it must not be a way round."""
    settings, sessions = guarded.settings, guarded.sessions
    attacker = await guarded.commission("1001")
    victim = await guarded.commission("1002")
    topic = f"{settings.mqtt_topic_root}/1002/signals"
    async with running_gateway(settings, sessions):
        reader, writer = await asyncio.open_connection(settings.broker.host, settings.broker.port)
        writer.write(connect_with_will("1001", attacker, topic, payload("1002", "will-fire", 110)))
        await writer.drain()
        await reader.read(4)  # CONNACK: refused by the embedded broker, accepted by Mosquitto
        writer.transport.abort()  # vanish without DISCONNECT: the broker sends the will
        async with SimulatedPanel(settings, "1002", password=victim) as v:
            marker = await v.alarm("burglary")
        await eventually(lambda: count(sessions, message_id=marker))
    assert await count(sessions, message_id="will-fire") == 0


# --- the commands: credentials printed once, stored hashed; Mosquitto's files from the database -----------


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "control_center.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_issued_credentials_are_shown_once_kept_hashed_and_let_the_panel_into_mosquitto(
    database_url: str, sessions, tmp_path
) -> None:
    if mosquitto_binary() is None:
        if CI:
            pytest.fail("mosquitto is not installed")
        pytest.skip("mosquitto is not installed")
    await commissioned(sessions, "1001")  # installed (and given credentials once already)
    gateway_password = new_password()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")} | {
        "CC_DATABASE_URL": database_url,
        "CC_MQTT_URL": f"mqtt://{GATEWAY}:{gateway_password}@127.0.0.1:{port}",
    }
    code, out, err = await run_cli("panels", "credentials", "1001", "--json", env=env)
    assert code == 0, err
    issued = json.loads(out)
    assert issued["account"] == issued["username"] == "1001"
    assert len(issued["password"]) >= 22  # ≥ 128 random bits
    async with sessions() as session:
        stored = await session.scalar(select(PanelAccount).where(PanelAccount.account == "1001"))
    assert stored.mqtt_password_hash.startswith("$7$")
    assert verify_password(issued["password"], stored.mqtt_password_hash)

    code, _, err = await run_cli("panels", "credentials", "9999", env=env)
    assert code != 0 and "no panel" in err

    # Not tmp_path: mosquitto, dropped to its own user, must enter the folder.
    directory = Path(tempfile.mkdtemp(prefix="cc-mosq-"))
    os.chmod(directory, 0o777)
    code, out, err = await run_cli(
        "broker", "mosquitto-config", "--dir", str(directory), "--listener", f"{port} 127.0.0.1",
        "--persistence-dir", str(directory), env=env,
    )  # fmt: skip
    assert code == 0, err
    files = {name: (directory / name).read_text() for name in ("passwd", "acl", "mosquitto.conf")}
    for secret in (issued["password"], gateway_password):
        assert all(secret not in text for text in files.values()), "no password in clear"
    for option in ("allow_anonymous false", "use_username_as_clientid true", "max_queued_messages 0"):
        assert option in files["mosquitto.conf"]
    assert "topic write panels/1001/signals" in files["acl"]  # the default root

    private = PrivateMosquitto(directory, port, conf=directory / "mosquitto.conf")  # as written
    try:
        await private.start()
        settings = Settings(_env_file=None, mqtt_url=f"mqtt://127.0.0.1:{port}")
        assert await logs_in(settings, "1001", issued["password"])
        assert await logs_in(settings, GATEWAY, gateway_password)
        assert not await logs_in(settings, "1001", gateway_password)
        assert not await logs_in(settings, None, None)
    finally:
        await private.stop()
        shutil.rmtree(directory, ignore_errors=True)
