"""Fixtures for both database backends (SQLite, PostgreSQL) and both brokers (embedded, Mosquitto).

Every test that takes ``database_url`` runs on both databases; every test that takes ``broker_url`` runs
on both brokers. With CI=true a server that cannot be reached fails the test instead of skipping it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import create_engine, session_factory
from control_center.core.settings import Settings
from control_center.migrate import upgrade_async
from panel_gateway import mqtt_credentials
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_guard import BrokerGuard
from panel_gateway.broker_password import hash_password, new_password
from panel_gateway.broker_relay import Relay
from panel_gateway.embedded_broker import EmbeddedBroker, start_embedded_broker

CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("CC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MOSQUITTO_URL = os.environ.get("CC_TEST_MOSQUITTO_URL", "mqtt://127.0.0.1:1883")
EMBEDDED_GATEWAY = "cc-gateway"  # the gateway's user name (= client id) on the tests' embedded brokers


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    if reachable(host, port):
        return
    message = f"{name} at {host}:{port} is not reachable"
    if CI:
        pytest.fail(message + " (CI=true: a missing server is a failure)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """A migrated, empty database: a fresh SQLite file, or a fresh schema in PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/control-center.sqlite3"
        await upgrade_async(url)
        yield url
        return
    async with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """For what only PostgreSQL does (several processes on one database): a fresh, migrated schema."""
    async with fresh_postgres_schema() as url:
        yield url


@contextlib.asynccontextmanager
async def fresh_postgres_schema() -> AsyncIterator[str]:
    pg = make_url(POSTGRES_URL)
    require_server("PostgreSQL", pg.host or "127.0.0.1", pg.port or 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = f"host={pg.host} port={pg.port or 5432} user={pg.username} dbname={pg.database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        await upgrade_async(url)
        yield url
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            # A connection the test left inside a transaction on this schema's tables (a worker cancelled
            # mid-statement) would block the DROP until the test timeout: end it first.
            conn.execute(
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l"
                " JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND l.pid <> pg_backend_pid()",
                (schema,),
            )
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def topic_root() -> str:
    """Each test's own topic root, so tests on the shared broker never see each other's panels."""
    return f"test-{uuid.uuid4().hex[:10]}/panels"


@contextlib.asynccontextmanager
async def embedded_broker(
    database_url: str, topic_root: str, relay: Relay | None = None
) -> AsyncIterator[tuple[EmbeddedBroker, str]]:
    """An embedded broker on a free port, its panels looked up in the database; with the gateway's URL
    (a password made now)."""
    port = free_port()
    engine = create_engine(database_url)
    password = new_password()
    gateway = Login(EMBEDDED_GATEWAY, Role.GATEWAY, hash_password(password))
    lookup = mqtt_credentials.lookup(session_factory(engine), [gateway])
    broker = await start_embedded_broker(
        "127.0.0.1", port, BrokerGuard(topic_root=topic_root, lookup=lookup), relay
    )
    try:
        yield broker, f"mqtt://{EMBEDDED_GATEWAY}:{password}@127.0.0.1:{port}"
    finally:
        if broker.transitions.state != "stopped":  # a test may have stopped it itself
            await broker.shutdown()
        await engine.dispose()


@pytest.fixture(params=["embedded", "mosquitto"])
async def broker_url(
    request: pytest.FixtureRequest, database_url: str, topic_root: str
) -> AsyncIterator[str]:
    """The embedded broker as the demo runs it (panels looked up in the test's database, the gateway
    with a password made now, in the URL), or the shared Mosquitto, which lets anyone in."""
    if request.param == "embedded":
        async with embedded_broker(database_url, topic_root) as (_, url):
            yield url
        return
    from control_center.core.settings import MqttTarget

    target = MqttTarget(MOSQUITTO_URL)
    require_server("Mosquitto", target.host, target.port)
    yield MOSQUITTO_URL


@pytest.fixture
def settings(database_url: str, broker_url: str, topic_root: str) -> Iterator[Settings]:
    """Settings isolated per test: own topic root and gateway client id on a shared broker."""
    yield Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=broker_url,
        mqtt_topic_root=topic_root,
        mqtt_client_id=f"gw-{uuid.uuid4().hex[:10]}",
        ingest_batch_wait_ms=2,
    )


@pytest.fixture
async def clean_broker(settings: Settings) -> AsyncIterator[Settings]:
    """``settings``, and afterwards the gateway's persistent session dropped from a shared broker."""
    from tests.helpers import forget_gateway_session

    yield settings
    await forget_gateway_session(settings)
