"""The README's demo, end to end: `control-center demo`, then `control-center simulate --alarm fire`."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time

import httpx

from tests.conftest import free_port
from tests.helpers import eventually


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "control_center.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


async def test_demo_shows_a_simulated_fire_alarm_on_the_console(tmp_path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3",
        "CC_EMBEDDED_BROKER_PORT": str(free_port()),
        "CC_LOG_LEVEL": "WARNING",
    }
    env.pop("CC_MQTT_URL", None)
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "control_center.cli", "demo", "--port", str(port), "--panels", "8",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        banner = ""
        while "API token:" not in banner:
            line = await asyncio.wait_for(demo.stdout.readline(), 60)
            assert line, f"demo exited early: {banner}"
            banner += line.decode()
        assert f"http://127.0.0.1:{port}/login" in banner
        token = re.search(r"^API token: (\S+)$", banner, re.M).group(1)
        passwords = dict(re.findall(r"login (\S+)\s+password (\S+)", banner))
        assert set(passwords) == {"operator", "supervisor", "responder", "billing", "admin"}

        sent_at = time.monotonic()
        code, out = await run_cli("simulate", "--alarm", "fire", env=env)
        assert code == 0, out
        account = out.split()[1].rstrip(":")

        auth = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=auth) as client:

            async def fire_listed() -> dict | None:
                rows = (await client.get("/api/incidents")).json()
                return next((r for r in rows if r["account"] == account and r["service_type"] == "B"), None)

            incident = await eventually(fire_listed, timeout=10, interval=0.02)
            print(f"fire alarm listed {time.monotonic() - sent_at:.3f}s after simulate started")
            queue = (await client.get("/console/queue")).text
        assert f'data-incident="{incident["id"]}"' in queue
        assert incident["priority"] == 1
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as browser:
            assert (await browser.get("/api/incidents")).status_code == 401
            form = (await browser.get("/login")).text
            token = re.search(r'name="login_csrf" value="([^"]+)"', form).group(1)
            credentials = {"login": "operator", "password": passwords["operator"], "login_csrf": token}
            signed_in = await browser.post("/login", data=credentials)
            assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"
            assert (await browser.get("/console/queue")).status_code == 200
    finally:
        demo.send_signal(signal.SIGINT)
        returncode = await asyncio.wait_for(demo.wait(), 20)
    assert returncode == 0
