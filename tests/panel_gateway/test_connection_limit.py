"""A full broker refuses the excess and keeps the rest: the embedded broker past its connection limit
(``BrokerGuard.max_connections``) answers a CONNECT "server unavailable", while the panels it holds keep
reporting and stay supervised; the last places are kept for a gateway.

The attack: more panels than the broker may hold (issue 20: 30,000 panels on 20,000 descriptors ended
with none connected and line-cuts raised for panels that were fine).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiomqtt
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.settings import Settings
from control_center.signals import link_supervision as supervision
from control_center.subscribers.models import PanelAccount
from panel_gateway import mqtt_credentials
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_guard import GATEWAY_RESERVE, BrokerGuard
from panel_gateway.broker_password import hash_password, new_password
from panel_gateway.embedded_broker import start_embedded_broker
from simulators.harness.private_broker import free_port
from simulators.mqtt_clients import connect
from tests.helpers import commissioned, eventually, running_gateway

PANELS = 20
LIMIT = PANELS + 1  # the gateway's connection and twenty panels'
CHECK_IN_SECONDS = 600


@dataclass
class Limited:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    guard: BrokerGuard
    spare_gateway: tuple[str, str]  # a second gateway's login (user name, password)


@pytest.fixture
async def limited(database_url: str, topic_root: str) -> AsyncIterator[Limited]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    gateways = {f"gw-{uuid.uuid4().hex[:6]}": new_password() for _ in range(2)}
    logins = [Login(user, Role.GATEWAY, hash_password(pw)) for user, pw in gateways.items()]
    (user, password), spare = list(gateways.items())
    port = free_port()
    settings = Settings(
        _env_file=None, database_url=database_url, mqtt_url=f"mqtt://{user}:{password}@127.0.0.1:{port}",
        mqtt_topic_root=topic_root, mqtt_client_id=user, ingest_batch_wait_ms=2,
    )  # fmt: skip
    guard = BrokerGuard(
        topic_root=topic_root, lookup=mqtt_credentials.lookup(sessions, logins), max_connections=LIMIT
    )
    broker = await start_embedded_broker("127.0.0.1", port, guard)
    try:
        yield Limited(settings, sessions, guard, spare)
    finally:
        await broker.shutdown()
        await engine.dispose()


async def supervised_panels(sessions: async_sessionmaker[AsyncSession], count: int) -> dict[str, str]:
    """``count`` panels commissioned with credentials and a check-in deadline: account → password."""
    panels = {str(7000 + n): "" for n in range(count)}
    for account in panels:
        panels[account] = await commissioned(sessions, account)
    async with sessions() as session:
        await session.execute(update(PanelAccount).values(check_in_seconds=CHECK_IN_SECONDS))
        await session.commit()
    return panels


def heartbeat() -> bytes:
    return json.dumps(
        {"msg_id": uuid.uuid4().hex[:16], "sent_at": dt.datetime.now(dt.UTC).isoformat(), "heartbeat": True}
    ).encode()


def panel_client(settings: Settings, account: str, password: str) -> aiomqtt.Client:
    return connect(settings.broker, account, account, password, timeout=10)


async def checked_in(sessions: async_sessionmaker[AsyncSession], since: int) -> int:
    """Panels whose deadline a check-in at or after ``since`` (epoch seconds) set."""
    async with sessions() as session:
        query = select(func.count()).where(PanelAccount.check_in_deadline >= since + CHECK_IN_SECONDS)
        return int(await session.scalar(query))


async def test_the_panel_past_the_limit_is_refused_and_the_others_stay_supervised(limited: Limited) -> None:
    panels = await supervised_panels(limited.sessions, PANELS + 1)
    accounts = list(panels)
    topic = f"{limited.settings.mqtt_topic_root}/{{}}/signals"
    async with running_gateway(limited.settings, limited.sessions), contextlib.AsyncExitStack() as stack:
        clients = {}
        for account in accounts[:PANELS]:
            clients[account] = await stack.enter_async_context(
                panel_client(limited.settings, account, panels[account])
            )

        last = accounts[PANELS]
        with pytest.raises(aiomqtt.MqttError) as refused:
            async with panel_client(limited.settings, last, panels[last]):
                pass
        assert "unavailable" in str(refused.value).lower()
        assert limited.guard.refused_full >= 1

        # The twenty held before the refusal keep reporting, every message stored and supervised.
        since = int(utcnow().timestamp())
        for account, client in clients.items():
            await client.publish(topic.format(account), heartbeat(), qos=1)
        await eventually(lambda: _at_least(checked_in(limited.sessions, since), PANELS), timeout=30)

        async with limited.sessions() as session:
            assert await supervision.sweep(session=session, now=utcnow()) == []  # no false overdue
            await session.commit()
            deadlines = dict(
                (await session.execute(select(PanelAccount.account, PanelAccount.check_in_deadline))).all()
            )
        assert deadlines[last] is None  # refused: it never reported, so nothing was raised for it
        # Supervision still runs for them: silent past their deadline, each would be raised.
        async with limited.sessions() as session:
            later = utcnow() + dt.timedelta(seconds=CHECK_IN_SECONDS + 1)
            raised = await supervision.sweep(session=session, now=later)
            await session.rollback()
        assert sorted(raised) == sorted(accounts[:PANELS])

        # A panel that leaves makes room: the one refused gets in.
        first = accounts[0]
        await clients.pop(first).__aexit__(None, None, None)
        await eventually(
            lambda: reports(limited.settings, last, panels[last], topic.format(last)), timeout=30
        )
        await eventually(lambda: _at_least(checked_in(limited.sessions, since), PANELS + 1), timeout=30)


async def test_a_full_broker_still_takes_a_gateway(limited: Limited) -> None:
    panels = await supervised_panels(limited.sessions, PANELS + 1)
    accounts = list(panels)
    async with running_gateway(limited.settings, limited.sessions), contextlib.AsyncExitStack() as stack:
        for account in accounts[:PANELS]:
            await stack.enter_async_context(panel_client(limited.settings, account, panels[account]))
        user, password = limited.spare_gateway
        async with connect(limited.settings.broker, user, user, password, timeout=10):
            pass  # the reserve (GATEWAY_RESERVE places past the limit) is a gateway's
        assert GATEWAY_RESERVE >= 1
        last = accounts[PANELS]
        with pytest.raises(aiomqtt.MqttError):
            async with panel_client(limited.settings, last, panels[last]):
                pass


def test_past_the_reserve_nobody_is_asked_for_a_password() -> None:
    """The door's arithmetic: up to the limit anyone may try; then only a gateway (its login is checked);
    past the gateways' reserve the CONNECT is refused unread, so a flood of them costs no hashing."""

    async def nobody(name: str) -> Login | None:
        return None

    guard = BrokerGuard(topic_root="t", lookup=nobody, max_connections=LIMIT)
    seen = {}
    for live in (1, LIMIT, LIMIT + 1, LIMIT + GATEWAY_RESERVE, LIMIT + GATEWAY_RESERVE + 1):
        guard.live_connections = lambda live=live: live
        seen[live] = guard.room()
    assert seen == {
        1: "open", LIMIT: "open", LIMIT + 1: "gateways", LIMIT + GATEWAY_RESERVE: "gateways",
        LIMIT + GATEWAY_RESERVE + 1: "full",
    }  # fmt: skip
    assert BrokerGuard(topic_root="t", lookup=nobody).room() == "open"  # no limit given: none of its own


async def reports(settings: Settings, account: str, password: str, topic: str) -> bool:
    """Whether the panel gets in (the broker frees a place once it has seen a disconnect) and reports."""
    try:
        async with panel_client(settings, account, password) as client:
            await client.publish(topic, heartbeat(), qos=1)
            return True
    except aiomqtt.MqttError:
        return False


async def _at_least(value: object, n: int) -> bool:
    return await value >= n  # type: ignore[misc,operator]
