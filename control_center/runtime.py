"""Assembles the running system from settings: broker, gateway, inbox worker, web server, fleet."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

import uvicorn

from control_center.alarms.inbox import InboxWorker
from control_center.app import create_app
from control_center.console.hub import Hub
from control_center.db import create_engine, session_factory
from control_center.migrate import upgrade_async
from control_center.settings import Settings
from panel_gateway.embedded_broker import EmbeddedBroker, start_embedded_broker
from panel_gateway.ingest import Ingest
from panel_gateway.transports.mqtt import MqttGateway

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.hub = Hub()
        self.worker = InboxWorker(self.sessions, self.hub.publish)
        self.ingest = Ingest(self.sessions, on_stored=self.worker.wake)
        self.gateway = MqttGateway(settings, self.ingest)
        self.broker: EmbeddedBroker | None = None

    async def prepare(self) -> None:
        await upgrade_async(self.settings.database_url)
        if self.settings.uses_embedded_broker:
            self.broker = await start_embedded_broker(
                self.settings.embedded_broker_host, self.settings.embedded_broker_port
            )

    def web_server(self) -> uvicorn.Server:
        app = create_app(self.settings, self.sessions, self.hub)
        config = uvicorn.Config(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        return uvicorn.Server(config)

    async def run(self, main: Coroutine[Any, Any, Any], *background: Coroutine[Any, Any, Any]) -> None:
        """Run ``main`` until it returns (Ctrl-C ends uvicorn's serve), with helpers cancelled after it."""
        tasks = [asyncio.create_task(c) for c in background]
        try:
            await main
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.close()

    async def close(self) -> None:
        if self.broker is not None:
            with contextlib.suppress(Exception):
                await self.broker.shutdown()
            self.broker = None
        await self.engine.dispose()
