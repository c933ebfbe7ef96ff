"""Small helpers shared by the integration tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import aiomqtt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.settings import Settings
from control_center.signals.models import DeadLetter, Signal
from panel_gateway.ingest import Ingest
from panel_gateway.transports.mqtt import MqttGateway
from simulators.harness.private_broker import mosquitto_binary
from simulators.harness.private_postgres import pg_bin
from simulators.mqtt_clients import forget_session
from simulators.panel import SimulatedPanel
from tests.conftest import CI

T = TypeVar("T")


def require_binaries(*, postgres: bool = False) -> None:
    """Skip a test that runs a private Mosquitto (and with ``postgres``, a private PostgreSQL) where the
    binaries are missing; in CI (CI=true) fail instead."""
    if mosquitto_binary() is None or (postgres and pg_bin() is None):
        message = "needs the mosquitto" + (" and PostgreSQL server" if postgres else "") + " binaries"
        if CI:
            pytest.fail(message)
        pytest.skip(message)


def cli_json(*args: str, timeout: float) -> dict[str, Any]:
    """``control-center ARGS`` in a process of its own; the JSON object on the last line it prints."""
    out = subprocess.run(
        [sys.executable, "-m", "control_center.cli", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


async def eventually(probe: Callable[[], Awaitable[T]], timeout: float = 15.0, interval: float = 0.05) -> T:
    """Poll until ``probe`` returns something truthy; fail with the last value after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if value or loop.time() > deadline:
            assert value, f"condition not met within {timeout}s (last value {value!r})"
            return value
        await asyncio.sleep(interval)


async def at_least(value: Awaitable[Any], n: int) -> Any:
    """For eventually(): the awaited count or rows once there are at least ``n``, else None."""
    result = await value
    size = result if isinstance(result, int) else len(result)
    return result if size >= n else None


async def count(sessions: async_sessionmaker[AsyncSession], model: type = Signal, **where: object) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(query))


async def dead_letters(sessions: async_sessionmaker[AsyncSession]) -> list[DeadLetter]:
    async with sessions() as session:
        return list(await session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


@contextlib.asynccontextmanager
async def background(coroutine: Coroutine[Any, Any, Any]) -> AsyncIterator[asyncio.Task[Any]]:
    """``coroutine`` as a task for the length of the block; on leaving, cancelled and waited for (an
    error it ended with other than the cancellation is raised)."""
    task = asyncio.create_task(coroutine)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def running_gateway(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    on_stored: Callable[[], None] | None = None,
) -> AsyncIterator[MqttGateway]:
    gateway = MqttGateway(settings, Ingest(sessions, on_stored))
    async with background(gateway.run()):
        await asyncio.wait_for(gateway.ready.wait(), 15)
        yield gateway


async def batches_after_a_restart(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> list[str]:
    """The gateway started again on its persistent session for a moment: the batches the broker gives
    it then (as the group commit logs them), none once everything before was acknowledged."""
    caplog.set_level(logging.DEBUG, logger="panel_gateway.group_commit")
    caplog.clear()
    async with running_gateway(settings, sessions):
        await asyncio.sleep(1.5)
    return [r.getMessage() for r in caplog.records if "batch received" in r.getMessage()]


async def forget_gateway_session(settings: Settings) -> None:
    """Drop the gateway's persistent session on a shared broker so tests leave nothing behind."""
    with contextlib.suppress(aiomqtt.MqttError):
        await forget_session(settings.broker, settings.mqtt_client_id)


async def commissioned(sessions: async_sessionmaker[AsyncSession], account: str) -> str:
    """A panel installed at a premises of its own, with MQTT credentials issued; returns its password."""
    from control_center.core.db import utcnow
    from control_center.subscribers.models import PanelAccount, Premises, Subscriber
    from panel_gateway import mqtt_credentials

    async with sessions() as session:
        if await session.scalar(select(PanelAccount.id).where(PanelAccount.account == account)) is None:
            place = Premises(
                subscriber=Subscriber(name=f"panel {account}", phone="090-0000-0000"),
                address="愛知県名古屋市中区栄1-1-1",
                lat=35.17,
                lon=136.90,
                phone="052-000-0000",
                house_code_hash="-",
            )
            session.add(PanelAccount(account=account, premises=place, transport="mqtt"))
            await session.flush()
        issued = await mqtt_credentials.issue(session=session, account=account, actor="test", at=utcnow())
        await session.commit()
    return issued.password


@contextlib.asynccontextmanager
async def commissioned_panel(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], account: str
) -> AsyncIterator[SimulatedPanel]:
    """A simulated panel of ``account``, commissioned first, connected with the password it was issued."""
    async with SimulatedPanel(settings, account, password=await commissioned(sessions, account)) as panel:
        yield panel


PASSWORD = "correct-horse-battery"


async def add_user(
    sessions: async_sessionmaker[AsyncSession], role: str, login: str | None = None
) -> tuple[str, dict[str, str]]:
    """A user of ``role`` with password ``PASSWORD``; returns the login and Bearer headers of a new token."""
    from control_center.access import service
    from control_center.access.roles import Role
    from control_center.core.db import utcnow

    login = login or role
    async with sessions() as session:
        user = await service.create_user(
            session=session,
            login=login,
            name=login,
            role=Role(role),
            password=PASSWORD,
            actor="test",
            at=utcnow(),
        )
        token = await service.issue_token(session=session, user=user, label="test", actor="test", at=utcnow())
        await session.commit()
    return login, {"Authorization": f"Bearer {token}"}


# --- MQTT 3.1.1 by hand, for tests that must send what no client library would -----------------------


def mqtt_packet(kind: int, body: bytes) -> bytes:
    """A control packet: its first byte, the remaining length (variable-length encoded), the body."""
    length, encoded = len(body), b""
    while True:
        length, digit = divmod(length, 128)
        encoded += bytes([digit | (0x80 if length else 0)])
        if not length:
            return bytes([kind]) + encoded + body


def mqtt_text(value: str | bytes) -> bytes:
    """A length-prefixed string."""
    raw = value.encode() if isinstance(value, str) else value
    return len(raw).to_bytes(2, "big") + raw


async def raw_mqtt_login(
    host: str, port: int, client_id: str, username: str, password: str, *, clean: bool
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A bare connection that sent CONNECT (user name, password) and was accepted."""
    reader, writer = await asyncio.open_connection(host, port)
    flags = 0xC0 | (0x02 if clean else 0)  # user name, password, clean session
    connect = mqtt_text("MQTT") + bytes([4, flags]) + (60).to_bytes(2, "big")
    writer.write(
        mqtt_packet(0x10, connect + mqtt_text(client_id) + mqtt_text(username) + mqtt_text(password))
    )
    assert (await reader.readexactly(4))[3] == 0  # CONNACK: accepted
    return reader, writer
