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

from control_center.db import create_engine, session_factory
from control_center.migrate import upgrade_async
from control_center.settings import Settings
from panel_gateway.embedded_broker import start_embedded_broker

CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("CC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MOSQUITTO_URL = os.environ.get("CC_TEST_MOSQUITTO_URL", "mqtt://127.0.0.1:1883")


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
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture(params=["embedded", "mosquitto"])
async def broker_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if request.param == "embedded":
        port = free_port()
        broker = await start_embedded_broker("127.0.0.1", port)
        yield f"mqtt://127.0.0.1:{port}"
        await broker.shutdown()
        return
    from control_center.settings import MqttTarget

    target = MqttTarget(MOSQUITTO_URL)
    require_server("Mosquitto", target.host, target.port)
    yield MOSQUITTO_URL


@pytest.fixture
def settings(database_url: str, broker_url: str) -> Iterator[Settings]:
    """Settings isolated per test: own topic root and gateway client id on a shared broker."""
    run = uuid.uuid4().hex[:10]
    yield Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=broker_url,
        mqtt_topic_root=f"test-{run}/panels",
        mqtt_client_id=f"gw-{run}",
        ingest_batch_wait_ms=2,
    )
