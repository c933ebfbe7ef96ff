"""Two web/worker sites behind HAProxy: one is killed (SIGKILL) and nothing is lost, and a console
connected through it keeps working on the other (the drill, and a real browser)."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.settings import Settings
from control_center.subscribers.house_code import key_for
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.demo.subscribers import seed
from simulators.drills import serve_kill
from simulators.harness.haproxy import SERVER_HEADER, PrivateHAProxy, config, haproxy_binary
from simulators.harness.private_broker import free_port
from simulators.harness.processes import CenterProcess, child_env
from simulators.panel import payload
from tests.conftest import CI
from tests.control_center.console.test_console_browser import page  # noqa: F401 (the browser fixture)
from tests.helpers import PASSWORD, add_user, require_binaries


def require_haproxy() -> None:
    if haproxy_binary() is None:
        message = "needs haproxy (scripts/install-haproxy installs Debian's)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)


def test_the_load_balancer_checks_readiness_and_keeps_metrics_private() -> None:
    text = config(8080, {"serve1": 8001, "serve2": 8002})
    assert "option httpchk GET /readyz" in text
    assert "server serve1 127.0.0.1:8001 check" in text and "server serve2 127.0.0.1:8002 check" in text
    assert "option redispatch" in text  # a refused connection is retried on the live site
    assert "if { path /metrics }" in text
    deployed = (Path(__file__).resolve().parents[3] / "deploy" / "haproxy" / "haproxy.cfg").read_text()
    assert "option httpchk GET /readyz" in deployed and "option redispatch" in deployed
    assert "if { path /metrics }" in deployed


async def test_the_drill_loses_nothing_when_a_serve_process_dies(postgres_url: str) -> None:
    require_binaries()
    require_haproxy()
    result = await serve_kill.run(messages=100, per_second=25.0, database_url=postgres_url)
    assert (result.sent, result.stored, result.duplicates, result.lost) == (100, 100, 0, 0)
    assert result.takeover_s is not None, "the console never heard of an incident after the kill"
    assert result.events_after > 0


async def test_the_drill_refuses_sqlite() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        await serve_kill.run(10, 10.0, "sqlite+aiosqlite:///x.sqlite3")


@contextlib.asynccontextmanager
async def two_sites(database_url: str) -> AsyncIterator[tuple[PrivateHAProxy, dict[str, CenterProcess]]]:
    """Two ``control-center serve`` behind a private HAProxy; no gateway (the test stores the signals)."""
    settings = Settings(_env_file=None, database_url=database_url, mqtt_url="mqtt://127.0.0.1:9")
    secret_key = secrets.token_hex(32)
    ports = {"serve1": free_port(), "serve2": free_port()}
    with tempfile.TemporaryDirectory() as tmp:
        serves = {
            name: CenterProcess(
                "serve",
                child_env(settings.model_copy(update={"http_port": port}), CC_SECRET_KEY=secret_key),
                Path(tmp) / f"{name}.log",
                None,
            )
            for name, port in ports.items()
        }
        haproxy = PrivateHAProxy(free_port(), ports)
        try:
            for name, process in serves.items():
                await process.start()
                await serve_kill._ready(ports[name], process)
            await haproxy.start()
            yield haproxy, serves
        finally:
            await haproxy.stop()
            for process in serves.values():
                await process.stop()


async def test_a_console_keeps_working_when_its_serve_process_is_killed(
    postgres_url: str,
    page,  # noqa: F811
) -> None:
    require_haproxy()
    engine = create_engine(postgres_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        await seed(session=session, count=5, key=key_for(Settings(_env_file=None)))
    await add_user(sessions, "operator", "takahashi")
    ingest = Ingest(sessions)

    async def fire(account: str, message_id: str) -> None:
        raw = payload(account, message_id, 110)
        signal = mqtt_payload.parse_json(account, raw)
        await ingest.store([Received("mqtt", f"panels/{account}/signals", raw, utcnow(), signal)])

    streams: list[str | None] = []  # which site answered each event-stream request, in order

    async def on_response(response) -> None:
        if response.url.endswith("/console/events"):
            # The raw headers (``response.headers`` holds only what Chromium reported at first).
            streams.append(await response.header_value(SERVER_HEADER))

    try:
        async with two_sites(postgres_url) as (haproxy, serves):
            page.on("response", on_response)
            await page.goto(f"{haproxy.url}/console")
            await page.fill("form.login input[name=login]", "takahashi")
            await page.fill("form.login input[name=password]", PASSWORD)
            await page.click("form.login button")
            await page.wait_for_url(f"{haproxy.url}/console")
            await page.wait_for_selector("[data-count='0']")
            await page.evaluate("window.stillTheSamePage = true")

            await fire("1001", "before")
            await page.locator("table.queue[data-count='1']").wait_for(timeout=15_000)
            assert streams and streams[-1] in serves
            victim = streams[-1]
            connected = len(streams)

            await serves[victim].kill()
            # The page's SSE extension reconnects; HAProxy sends it to the other site.
            for _ in range(300):
                if len(streams) > connected and streams[-1] not in (None, victim):
                    break
                await page.wait_for_timeout(100)
            assert streams[-1] not in (None, victim), f"the console did not reconnect: {streams}"

            await fire("1003", "after")  # a new fire after the fault
            await page.locator("tr[data-service='B']").nth(1).wait_for(timeout=15_000)
            await page.locator("table.queue[data-count='2']").wait_for(timeout=15_000)
            assert await page.evaluate("window.stillTheSamePage") is True
    finally:
        await engine.dispose()
