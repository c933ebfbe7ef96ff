"""A running system for the console tests: seeded database, inbox worker, the web app on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents.inbox import InboxWorker
from control_center.subscribers.house_code import key_for
from control_center.telephony.wiring import nobody_answers, telephony_for
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.demo.subscribers import seed
from simulators.households import Households
from simulators.panel import payload
from tests.conftest import free_port
from tests.helpers import add_user, eventually

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


class System:
    def __init__(self, base_url: str, ingest: Ingest, operator: dict[str, str]) -> None:
        self.base_url = base_url
        self.ingest = ingest
        self.operator = operator  # Bearer headers of an operator's API token
        self._n = 0

    def client(self, **kwargs: object) -> httpx.AsyncClient:
        """An HTTP client signed in as the operator (through an API token)."""
        return httpx.AsyncClient(base_url=self.base_url, headers=self.operator, **kwargs)  # type: ignore[arg-type]

    async def alarm(self, account: str, code: int) -> None:
        self._n += 1
        raw = payload(account, f"m{self._n}", code)
        await self.ingest.store(
            [Received("mqtt", f"panels/{account}/signals", raw, NOW, mqtt_payload.parse_json(account, raw))]
        )


@contextlib.asynccontextmanager
async def running_system(
    database_url: str, sessions, households: Households | None = None
) -> AsyncIterator[System]:
    """Seeded database, inbox worker and the web app on a free port, as `control-center serve` runs them.
    With ``households``, the simulated carrier's calls are answered by them (as in the demo)."""
    port = free_port()
    settings = Settings(_env_file=None, database_url=database_url, http_port=port)
    async with sessions() as session:
        await seed(session=session, count=5, key=key_for(settings))
        if households is not None:
            known = await Households.from_database(session, 5)
            households.codes, households.contacts = known.codes, known.contacts
    _, operator = await add_user(sessions, "operator", "op-api")
    hub = Hub()
    worker = InboxWorker(sessions, hub.publish)
    answer_for = households.answer_for if households is not None else nobody_answers
    telephony = telephony_for(settings, sessions, hub.publish, answer_for)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, sessions, hub, telephony), port=port, log_level="warning",
                       timeout_graceful_shutdown=1)
    )  # fmt: skip
    tasks = [asyncio.create_task(server.serve()), asyncio.create_task(worker.run())]
    await eventually(lambda: asyncio.sleep(0, server.started))
    try:
        yield System(f"http://127.0.0.1:{port}", Ingest(sessions, worker.wake), operator)
    finally:
        server.should_exit = True
        tasks[1].cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture
async def system(database_url: str, sessions) -> AsyncIterator[System]:
    async with running_system(database_url, sessions) as running:
        yield running
