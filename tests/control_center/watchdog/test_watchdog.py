"""The pipeline supervises itself: when alarms cannot get through, every console and /healthz say so.

Red team, issue 15: MQTT intake stopped for good while ``/healthz`` said ok and nothing was logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.runtime import Runtime
from control_center.signals.models import Signal
from control_center.watchdog.rules import GatewayReport, Kind, Waiting, judge, quiet_limit
from panel_gateway.ingest import Received
from panel_gateway.protocols import mqtt_payload
from simulators.panel import payload
from tests.conftest import free_port
from tests.control_center.console import test_console_browser
from tests.control_center.console.test_console_and_api import _next_event
from tests.helpers import PASSWORD, add_user, background, eventually, forget_gateway_session
from tests.links import Link
from tests.panel_gateway.transports.test_mqtt_supervision import through

page = test_console_browser.page  # the headless-Chromium fixture
T = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
GRACE = dt.timedelta(seconds=30)


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, *, gateway: bool = False, worker: bool = True
) -> AsyncIterator[Runtime]:
    """``control-center serve`` in this process: web, watchdog and inbox worker (without ``worker``: as
    if it had stopped), and with ``gateway`` the MQTT gateway beside them (as with the embedded
    broker), each from the runtime that assembles them."""
    runtime = Runtime(settings)
    server = runtime.web_server()
    loops = [*(runtime.gateway_loops() if gateway else []), *([runtime.worker.run()] if worker else [])]
    task = asyncio.create_task(runtime.run(server.serve(), *loops))
    try:
        await eventually(lambda: asyncio.sleep(0, server.started or task.done()))
        assert not task.done(), task
        yield runtime
    finally:
        server.should_exit = True
        await task


def client(settings: Settings, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.http_port}", headers=headers, timeout=10)


async def health(http: httpx.AsyncClient, path: str = "/healthz") -> httpx.Response:
    return await http.get(path)


async def answers(http: httpx.AsyncClient, path: str, status: int) -> httpx.Response | None:
    """For eventually(): the response once ``path`` answers ``status``."""
    response = await http.get(path)
    return response if response.status_code == status else None


# --- the gateway unsubscribed: /healthz and /readyz ---------------------------------------------------


async def test_healthz_and_readyz_answer_503_while_the_gateway_cannot_reach_its_broker(
    settings: Settings,
) -> None:
    async with Link(settings.broker.host, settings.broker.port).running() as link:
        serve = through(settings, link).model_copy(
            update={
                "http_port": free_port(),
                "mqtt_probe_seconds": 0.3,
                "gateway_heartbeat_seconds": 0.2,
                "watchdog_every_seconds": 0.2,
                "watchdog_grace_seconds": 0.5,
            }
        )
        async with serving(serve, gateway=True), client(serve) as http:
            await eventually(lambda: answers(http, "/healthz", 200))
            assert (await health(http, "/readyz")).json()["checks"]["mqtt_gateway"] == "ok"

            link.cut()  # the broker is gone, as far as the gateway can tell
            down = (await eventually(lambda: answers(http, "/healthz", 503))).json()
            not_ready = (await eventually(lambda: answers(http, "/readyz", 503))).json()

            await link.restore()
            back = (await eventually(lambda: answers(http, "/healthz", 200))).json()
            ready = (await eventually(lambda: answers(http, "/readyz", 200))).json()
    await forget_gateway_session(settings)

    assert down["status"] == "alarm"
    [alarm] = down["alarms"]
    assert (alarm["kind"], alarm["subject"]) == ("gateway_not_subscribed", settings.mqtt_client_id)
    assert alarm["reason"].startswith(f"MQTT gateway {settings.mqtt_client_id} is not subscribed since ")
    assert not_ready["ready"] is False
    assert not_ready["checks"]["mqtt_gateway"].startswith("not subscribed: ")
    assert not_ready["checks"]["database"] == "ok"
    assert back == {"status": "ok", "alarms": []}
    assert ready == {"ready": True, "checks": {"web": "ok", "database": "ok", "mqtt_gateway": "ok"}}


# --- intake quiet: the system alarm on every console ----------------------------------------------------


def watching_intake(database_url: str) -> Settings:
    """Web and watchdog on a port of their own; intake may be quiet for a minute, checked often."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        http_port=free_port(),
        watchdog_quiet_seconds=60,
        watchdog_every_seconds=0.2,
        watchdog_grace_seconds=3600,  # no gateway runs here: that is not these tests' alarm
    )


async def store_signal(runtime: Runtime, account: str, at: dt.datetime, code: int = 602) -> None:
    """A panel's signal as the gateway stores it, received at ``at`` (by default a periodic test
    report: a check-in)."""
    raw = payload(account, f"m-{code}-{at.timestamp()}", code)
    topic = f"panels/{account}/signals"
    await runtime.ingest.store([Received("mqtt", topic, raw, at, mqtt_payload.parse_json(account, raw))])


async def test_no_signal_for_longer_than_allowed_raises_a_system_alarm_on_the_consoles_until_one_arrives(
    database_url: str, sessions
) -> None:
    settings = watching_intake(database_url)
    _, operator = await add_user(sessions, "operator")
    async with (
        serving(settings) as runtime,
        client(settings, operator) as http,
        http.stream("GET", "/console/events") as stream,
    ):
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith(": connected")
        assert (await http.get("/console/system")).text.strip() == ""

        await store_signal(runtime, "1001", utcnow() - dt.timedelta(minutes=5))  # nothing since
        raised = await asyncio.wait_for(_next_event(lines), 10)
        banner = (await http.get("/console/system")).text
        page = (await http.get("/console")).text
        quiet = (await health(http)).json()

        await store_signal(runtime, "1001", utcnow())  # a panel is heard again
        cleared = await asyncio.wait_for(_next_event(lines), 10)
        after = (await http.get("/console/system")).text
        healthy = await health(http)

    assert raised == cleared == ("system", "changed")
    assert "システム警報" in banner and 'data-kind="intake_quiet"' in banner
    assert "どの端末からも信号が届いていません" in banner and "1分以内" in banner
    assert 'id="system-alarm"' in page and 'hx-trigger="load, sse:system, every 15s"' in page
    assert [a["kind"] for a in quiet["alarms"]] == ["intake_quiet"]
    assert after.strip() == "" and healthy.status_code == 200


async def test_an_alarm_stored_while_no_inbox_worker_runs_raises_a_system_alarm_until_it_is_worked(
    database_url: str, sessions
) -> None:
    """The gateway stores and acknowledges every alarm, but the inbox worker of ``serve`` has stopped (or
    fails on every group): the alarms are safe in the table and no operator sees them. Before, the
    watchdog looked only at the intake, and /healthz said ok."""
    settings = watching_intake(database_url).model_copy(update={"watchdog_unworked_alarm_seconds": 1.0})
    _, operator = await add_user(sessions, "operator")
    async with serving(settings, worker=False) as runtime, client(settings, operator) as http:
        await store_signal(runtime, "1001", utcnow(), code=110)  # a fire
        await store_signal(runtime, "1002", utcnow())  # the intake itself is well
        behind = await eventually(lambda: answers(http, "/healthz", 503))
        banner = (await http.get("/console/system")).text
        async with sessions() as session:  # held on purpose (a runaway device): not the worker's fault
            await session.execute(update(Signal).values(held_until=utcnow() + dt.timedelta(minutes=10)))
            await session.commit()
        while_held = await eventually(lambda: answers(http, "/healthz", 200))
        async with sessions() as session:
            await session.execute(update(Signal).values(held_until=None))
            await session.commit()
        await eventually(lambda: answers(http, "/healthz", 503))
        async with background(runtime.worker.run()):  # serve's worker runs again
            worked = await eventually(lambda: answers(http, "/healthz", 200))

    assert behind is not None and while_held is not None and worked is not None
    [alarm] = behind.json()["alarms"]
    assert alarm["kind"] == "inbox_behind" and "an alarm waits unworked since" in alarm["reason"]
    assert "limit 1 s" in alarm["reason"]
    assert 'data-kind="inbox_behind"' in banner and "警報がオペレーターの一覧に届いていません" in banner
    assert worked.json() == {"status": "ok", "alarms": []}


# --- the rules ------------------------------------------------------------------------------------------


def gateway(
    *,
    subscribed: bool = True,
    since: dt.timedelta = dt.timedelta(hours=1),
    beat: dt.timedelta = dt.timedelta(seconds=2),
    problem: str | None = None,
) -> GatewayReport:
    return GatewayReport("cc-gateway", "host:1", subscribed, problem, T - since, T - beat)


@pytest.mark.parametrize(
    ("gateways", "last_intake", "quiet", "kinds"),
    [
        ([gateway()], T - dt.timedelta(minutes=1), dt.timedelta(minutes=10), []),
        ([], T, None, [Kind.NO_GATEWAY]),
        ([gateway(beat=dt.timedelta(minutes=1))], T, None, [Kind.GATEWAY_SILENT]),
        ([gateway(subscribed=False, since=dt.timedelta(minutes=1), problem="refused")], T, None,
         [Kind.GATEWAY_NOT_SUBSCRIBED]),
        ([gateway(subscribed=False, since=dt.timedelta(seconds=5))], T, None, []),  # reconnecting
        ([gateway(subscribed=False, since=dt.timedelta(minutes=1), beat=dt.timedelta(minutes=1),
                  problem="stopped")], T, None, [Kind.GATEWAY_NOT_SUBSCRIBED]),  # said so, then went
        ([gateway(beat=dt.timedelta(days=8))], T, None, [Kind.NO_GATEWAY]),  # long gone: forgotten
        ([gateway()], T - dt.timedelta(minutes=11), dt.timedelta(minutes=10), [Kind.INTAKE_QUIET]),
        ([gateway()], None, dt.timedelta(minutes=10), [Kind.INTAKE_QUIET]),  # never a signal since start
        ([gateway()], T - dt.timedelta(days=3), None, []),  # no supervised panel: nothing promised
    ],
    ids=["well", "no-gateway", "silent", "not-subscribed", "reconnecting", "stopped", "forgotten", "quiet",
         "never-heard", "nothing-promised"],
)  # fmt: skip
def test_the_watchdogs_rules(gateways, last_intake, quiet, kinds) -> None:
    alarms = judge(
        now=T,
        watching_since=T - dt.timedelta(hours=1),
        grace=GRACE,
        gateways=gateways,
        last_intake=last_intake,
        quiet=quiet,
    )
    assert [a.kind for a in alarms] == kinds


@pytest.mark.parametrize(
    ("waiting", "behind"),
    [
        (Waiting(), None),
        (Waiting(alarm=T - dt.timedelta(seconds=16)), "alarm"),
        (Waiting(alarm=T - dt.timedelta(seconds=5), signal=T - dt.timedelta(minutes=2)), None),  # a storm
        (Waiting(alarm=T - dt.timedelta(seconds=5), signal=T - dt.timedelta(minutes=4)), "signal"),
    ],
    ids=["worked", "an-alarm-not-worked", "a-storm-being-worked", "the-inbox-stuck"],
)
def test_the_watchdogs_rule_for_the_inbox(waiting: Waiting, behind: str | None) -> None:
    alarms = judge(now=T, watching_since=T - dt.timedelta(hours=1), grace=GRACE, gateways=[gateway()],
                   last_intake=T, quiet=None, waiting=waiting)  # fmt: skip
    assert [(a.kind, a.detail) for a in alarms] == ([(Kind.INBOX_BEHIND, behind)] if behind else [])


def test_the_first_moments_after_start_raise_no_alarm_for_a_gateway_still_starting() -> None:
    assert (
        judge(now=T, watching_since=T - GRACE / 2, grace=GRACE, gateways=[], last_intake=None, quiet=None)
        == []
    )


@pytest.mark.parametrize(
    ("configured", "shortest", "limit"),
    [
        (90.0, 60, dt.timedelta(seconds=90)),  # the setting wins
        (None, None, None),  # no supervised panel
        (None, 60, dt.timedelta(minutes=5)),  # twice a minute is below the floor
        (None, 36 * 3600, dt.timedelta(hours=72)),  # a cellular-only fleet: twice 36 hours
    ],
)
def test_how_long_intake_may_be_quiet(configured, shortest, limit) -> None:
    assert quiet_limit(configured, shortest) == limit


# --- in a real browser: the banner comes and goes without a reload -------------------------------------


async def test_the_system_alarm_banner_appears_and_clears_on_an_open_console(
    database_url: str, sessions, page
) -> None:
    settings = watching_intake(database_url)
    await add_user(sessions, "operator", "sato")
    base = f"http://127.0.0.1:{settings.http_port}"
    async with serving(settings) as runtime:
        await page.goto(f"{base}/console")
        await page.fill("form.login input[name=login]", "sato")
        await page.fill("form.login input[name=password]", PASSWORD)
        await page.click("form.login button")
        await page.wait_for_url(f"{base}/console")
        await page.evaluate("window.stillTheSamePage = true")

        await store_signal(runtime, "1001", utcnow() - dt.timedelta(minutes=5))
        banner = page.locator(".system-alarm")
        await banner.wait_for(timeout=10_000)
        text = await banner.inner_text()
        if shot := os.environ.get("CC_TEST_SCREENSHOT_SYSTEM_ALARM"):
            await page.screenshot(path=shot, full_page=True)

        await store_signal(runtime, "1001", utcnow())
        await banner.wait_for(state="detached", timeout=10_000)
        assert await page.evaluate("window.stillTheSamePage") is True
    assert "システム警報" in text and "どの端末からも信号が届いていません" in text
