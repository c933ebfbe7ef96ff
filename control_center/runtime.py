"""Assembles the running system from settings: broker, receivers, workers, web server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from billing.scheduler import start_scheduler
from control_center.alarms import timers
from control_center.alarms.sweeper import Sweeper
from control_center.app import create_app
from control_center.core import key_check, limits
from control_center.core.bus import Bus
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.hub import Hub
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.core.tasks import stop_if_cancelled
from control_center.incidents.archive import ArchiveJob
from control_center.incidents.inbox import InboxWorker
from control_center.migrate import upgrade_async
from control_center.signals import link_supervision as supervision
from control_center.telephony import flows as telephony_flows
from control_center.telephony import verification_links
from control_center.telephony.adapters import Answer
from control_center.telephony.verification_worker import LinkWorker
from control_center.telephony.wiring import nobody_answers, telephony_for
from control_center.watchdog import metrics_listener
from control_center.watchdog.readiness import Readiness
from control_center.watchdog.worker import Watchdog
from dispatch import handoff_service
from dispatch.agencies import RecordingSwitchboard
from panel_gateway import mqtt_credentials
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_guard import BrokerGuard
from panel_gateway.broker_password import hash_password, new_password
from panel_gateway.dc09_keys import KeyStore
from panel_gateway.embedded_broker import EmbeddedBroker, start_embedded_broker
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.heartbeat import Heartbeat, gateways_reached
from panel_gateway.ingest import Ingest
from panel_gateway.transports.dc09_ip import Dc09Receiver
from panel_gateway.transports.mqtt import MqttGateway
from panel_gateway.transports.serial_line import SerialReceiverLine

log = logging.getLogger(__name__)
HANDOFF_SWEEP_S = 2.0  # with CC_HANDOFF_ACCEPT_SECONDS ≤ 25, the voice call follows within 30 s


class Runtime:
    def __init__(
        self, settings: Settings, answer_for: Callable[[str, str], Awaitable[Answer]] = nobody_answers
    ) -> None:
        self.settings = settings
        limits.raise_open_files()  # a descriptor per panel connection and per DC-09 TCP link
        self.engine = create_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        self.hub = Hub()
        self.bus = Bus(settings.database_url, self.hub)
        self.worker = InboxWorker(self.sessions, self.hub.publish)
        self.bus.on_signals_stored(self.worker.wake)
        # How far this process's intake has got: link supervision judges deadlines at it, never at a
        # clock the intake has not caught up with (a backlog is not thousands of silent panels).
        self.progress = supervision.IntakeProgress(waiting=self._intake_waiting)
        self._gateways: list[dt.datetime] = []  # the separate gateways' progress (follow_gateways)
        self.ingest = Ingest(self.sessions, on_stored=self.bus.signals_stored, progress=self.progress)
        self.box = SecretBox.from_settings(settings)  # read once: the key check, DC-09 keys, link tokens
        self.keys = KeyStore(self.sessions, self.box)
        # The embedded broker's gateway logs in with a password made now, known only to this process.
        self._gateway_logins: list[Login] = []
        broker = settings.broker
        if settings.uses_embedded_broker:
            password = new_password()
            username = settings.mqtt_client_id
            self._gateway_logins.append(Login(username, Role.GATEWAY, hash_password(password)))
            broker = broker.as_user(username, password)
        self.gateway = MqttGateway(settings, self.ingest, lambda: self.keys.keys, broker=broker)
        self.heartbeat = Heartbeat(
            self.sessions,
            self.gateway,
            settings.mqtt_client_id,
            settings.gateway_heartbeat_seconds,
            progress=self.progress.as_of,
        )
        self.watchdog = Watchdog(self.sessions, settings, self.hub)
        self.readiness = Readiness()  # what this process serves: parts are added as they start
        self.committer = GroupCommitter(self.ingest)
        self.dc09 = Dc09Receiver(
            self.committer,
            self.keys,
            max_connections_per_ip=settings.dc09_max_connections_per_ip,
            idle_seconds=settings.dc09_idle_seconds,
            require_encryption=settings.dc09_require_encryption,
        )
        every = settings.supervision_sweep_seconds
        wake = self.bus.signals_stored
        self.supervision = Sweeper(
            "check-in overdue", self.sessions, supervision.sweep, wake, every, as_of=self.supervision_as_of
        )
        self.timers = Sweeper("timers", self.sessions, timers.sweep, wake, every)
        # answer_for: who picks up when the simulated carrier rings (the demo's households)
        self.telephony = telephony_for(settings, self.sessions, self.hub.publish, answer_for)
        sweep_calls = functools.partial(telephony_flows.sweep, telephony=self.telephony, settings=settings)
        self.calls = Sweeper("calls past their deadline", self.sessions, sweep_calls, lambda: None, every)
        # Agency hand-offs not accepted in time (or rejected): the voice call, within 30 s of sending.
        self.switchboard = RecordingSwitchboard()  # shared with the web app's notify buttons
        sweep_handoffs = functools.partial(
            handoff_service.sweep, switchboard=self.switchboard, settings=settings, publish=self.hub.publish
        )
        self.handoffs = Sweeper(
            "agency hand-offs", self.sessions, sweep_handoffs, lambda: None, HANDOFF_SWEEP_S
        )
        # Digital verification: links to the contacts of new A/B/C incidents, calls when one expires.
        link_key = self.box.subkey(verification_links.PURPOSE)
        # Woken by the hub's incident changes only, not by every stored signal (verification_worker.py).
        self.links = LinkWorker(self.sessions, settings, self.telephony, link_key, self.hub)
        self.broker: EmbeddedBroker | None = None
        self._servers: list[Any] = []
        self.scheduler: AsyncIOScheduler | None = None

    async def prepare(self) -> None:
        await upgrade_async(self.settings.database_url)
        where = key_check.configured(self.settings)
        async with self.sessions() as session:
            await key_check.check(session=session, box=self.box, where=where)
        await self.keys.load()
        if self.settings.uses_embedded_broker:
            guard = BrokerGuard(
                topic_root=self.settings.mqtt_topic_root,
                lookup=mqtt_credentials.lookup(self.sessions, self._gateway_logins),
            )
            self.broker = await start_embedded_broker(
                self.settings.embedded_broker_host, self.settings.embedded_broker_port, guard
            )

    def web_server(self) -> uvicorn.Server:
        app = create_app(
            self.settings, self.sessions, self.hub, self.telephony, self.watchdog, self.readiness
        )
        app.state.switchboard = self.switchboard  # the hand-off sweep's voice calls go on the same line
        config = uvicorn.Config(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_level="warning",
            timeout_graceful_shutdown=2,
            # The client's address (login throttle, audit) comes from X-Forwarded-For only when it
            # arrives from a proxy named in CC_FORWARDED_ALLOW_IPS; by default no header is trusted.
            proxy_headers=bool(self.settings.forwarded_allow_ips),
            forwarded_allow_ips=self.settings.forwarded_allow_ips or None,
        )
        return uvicorn.Server(config)

    def _intake_waiting(self) -> bool:
        """Messages read but not yet stored, or this process's MQTT intake not receiving."""
        own = self.settings.uses_embedded_broker and (
            not self.gateway.state.subscribed or self.gateway.unacknowledged > 0
        )
        return own or self.committer.unreleased > 0

    def supervision_as_of(self) -> dt.datetime:
        return supervision.judged_at(utcnow(), [self.progress.as_of(), *self._gateways])

    async def refresh_gateways(self) -> None:
        """The separate ``control-center gateway`` processes' progress, from their heartbeat rows."""
        stale = dt.timedelta(seconds=3 * self.settings.gateway_heartbeat_seconds)
        async with self.sessions() as session:
            self._gateways = await gateways_reached(session, utcnow(), stale)

    async def follow_gateways(self) -> None:
        while True:
            try:
                await self.refresh_gateways()
            except Exception as exc:  # the database is away: keep the last known progress
                stop_if_cancelled()
                log.warning("gateways' progress not read (%s)", exc)
            await asyncio.sleep(self.settings.gateway_heartbeat_seconds)

    def gateway_loops(self) -> list[Coroutine[Any, Any, Any]]:
        """The MQTT gateway of this process and its heartbeat (read by every process's watchdog)."""
        gateway = self.gateway
        self.readiness.add(
            "mqtt_gateway",
            lambda: None if gateway.state.subscribed else f"not subscribed: {gateway.state.problem}",
        )
        return [gateway.run(), self.heartbeat.run()]

    async def receivers(self) -> list[Coroutine[Any, Any, Any]]:
        """Start the DC-09 listeners (when a port is set) and return the loops to run beside them."""
        loops: list[Coroutine[Any, Any, Any]] = [
            self.committer.run(),
            self.keys.run(),
            self.timers.run(),
            self.calls.run(),
            self.handoffs.run(),  # serve and the demo only: run_gateway builds no Runtime, sweeps nothing
            self.links.run(),
        ]
        self.scheduler = start_scheduler(self.sessions)  # the daily billing run
        s = self.settings
        if s.dc09_port:
            self._servers.append(await self.dc09.serve_tcp(s.dc09_host, s.dc09_port))
            self._servers.append(await self.dc09.serve_udp(s.dc09_host, s.dc09_port))
            log.info("DC-09 receiver on %s:%d (TCP and UDP)", s.dc09_host, s.dc09_port)
            self.readiness.add("dc09", self._dc09_listening)
        if s.serial_port:
            line = SerialReceiverLine(self.committer, self.ingest, s.serial_port, s.serial_baudrate,
                                      s.serial_heartbeat_seconds)  # fmt: skip
            loops.append(line.run())
        return loops

    async def run(self, main: Coroutine[Any, Any, Any], *background: Coroutine[Any, Any, Any]) -> None:
        """Run ``main`` until it returns (Ctrl-C ends uvicorn's serve), with helpers cancelled after it."""
        tasks = [asyncio.create_task(c) for c in (self.bus.run(), self.watchdog.run(), *background)]
        try:
            await main
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.close()

    def _dc09_listening(self) -> str | None:
        for server in self._servers:
            if isinstance(server, asyncio.Server) and not server.is_serving():
                return "TCP listener closed"
            if isinstance(server, asyncio.DatagramTransport) and server.is_closing():
                return "UDP listener closed"
        return None if self._servers else "not listening"

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.telephony.close()  # simulated calls in flight end before the engine does
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        for server in self._servers:
            server.close()
        self._servers.clear()
        if self.broker is not None:
            with contextlib.suppress(Exception):
                await self.broker.shutdown()
            self.broker = None
        await self.engine.dispose()


async def serve(settings: Settings) -> None:
    """``control-center serve``: console, API, inbox worker and receivers; the MQTT gateway too when the
    broker is the embedded one (an external broker has ``control-center gateway`` processes of its own)."""
    runtime = Runtime(settings)
    await runtime.prepare()
    server = runtime.web_server()
    background = [runtime.worker.run(), runtime.supervision.run(), *await runtime.receivers()]
    # Partitions made ahead, and the record past its 1-year retention archived (incidents/archive.py).
    archive_dir = Path(settings.archive_dir) if settings.archive_dir else None
    background.append(ArchiveJob(runtime.sessions, archive_dir).run())
    if settings.uses_embedded_broker:
        background.extend(runtime.gateway_loops())
    else:  # the panels' MQTT arrives through separate gateways: supervision waits for the slowest
        background.append(runtime.follow_gateways())
    await runtime.run(server.serve(), *background)


async def run_gateway(settings: Settings) -> None:
    """``control-center gateway``: the MQTT gateway alone, storing signals for the serve processes."""
    limits.raise_open_files()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    bus = Bus(settings.database_url, Hub())  # wakes the inbox workers of the serve processes
    progress = supervision.IntakeProgress()
    gateway = MqttGateway(settings, Ingest(sessions, on_stored=bus.signals_stored, progress=progress))
    progress.waiting = lambda: not gateway.state.subscribed or gateway.unacknowledged > 0
    # Its state and progress for the serve processes, which cannot see this one's memory.
    heartbeat = Heartbeat(
        sessions,
        gateway,
        settings.mqtt_client_id,
        settings.gateway_heartbeat_seconds,
        progress=progress.as_of,
    )
    try:
        # A task group, not gather: on SIGTERM it waits for every loop to finish, so the heartbeat
        # can still record "stopped" before the engine is disposed.
        async with asyncio.TaskGroup() as loops:
            metrics = metrics_listener.for_gateway(settings, sessions)  # when CC_METRICS_PORT is set
            for loop in (gateway.run(), heartbeat.run(), bus.run(), *metrics):
                loops.create_task(loop)
    finally:
        await engine.dispose()
