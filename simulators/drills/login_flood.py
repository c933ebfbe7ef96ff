"""`control-center drill login-flood`: DC-09 panels keep being answered while logins flood the console.

``control-center serve`` runs as its own process, as deployed: the web app and the DC-09 receiver on
one event loop, which is what the red team slowed (~11 logins/s pushed ACKs from 6 ms to 0.5 s
median, 8 s max, while argon2 ran on that loop). A DC-09 panel sends ``probes`` events, one at a
time, each on its own TCP connection as panels do; the latency is from the connect to the ACK. They
are measured twice in one run: with nothing else going on (the baseline), then while flooders post
wrong passwords at ``rate`` attempts/s in all, from ``addresses`` loopback addresses (127.0.0.x, so
the throttle sees many clients: one address alone is stopped after 20 failures) against the real
operator's login and made-up ones. The answers are counted by status: 401 (the password was
checked), 429 (throttled before any check), 503 (the hashing queue was full).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from control_center.access import service as access
from control_center.access.roles import Role
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.settings import Settings
from control_center.migrate import upgrade_async
from simulators.dc09_panel import Dc09Panel
from simulators.harness.figures import latencies_ms
from simulators.harness.private_broker import free_port
from simulators.harness.processes import CenterProcess, child_env

FLOODERS = 32  # concurrent clients, each from one of the addresses in turn
FLOOD_NICENESS = 10
PROBE_ACCOUNT = "1001"
TOKEN = re.compile(rb'name="login_csrf" value="([^"]+)"')


async def _probes(port: int, probes: int, interval: float) -> list[float]:
    """Milliseconds from connect to ACK, one panel event after another."""
    panel = Dc09Panel("127.0.0.1", port, PROBE_ACCOUNT)
    latencies = []
    for _ in range(probes):
        started = time.perf_counter()
        (answer,) = await panel.send_tcp(panel.event("RP", 0))
        latencies.append((time.perf_counter() - started) * 1000)
        if getattr(answer, "token", None) != "ACK":
            raise RuntimeError(f"the receiver did not acknowledge a probe: {answer}")
        await asyncio.sleep(max(0.0, interval - latencies[-1] / 1000))
    return latencies


async def _flooder(
    base_url: str, addresses: list[str], per_second: float, login: str, statuses: Counter[int]
) -> None:
    """Wrong passwords at ``per_second``, moving to the next address after each attempt."""
    clients = {
        address: httpx.AsyncClient(
            base_url=base_url, timeout=30, transport=httpx.AsyncHTTPTransport(local_address=address)
        )
        for address in addresses
    }
    tokens: dict[str, bytes] = {}
    started, n = time.perf_counter(), 0
    try:
        while True:
            address = addresses[n % len(addresses)]
            client = clients[address]
            n += 1
            try:
                if address not in tokens:
                    found = TOKEN.search((await client.get("/login")).content)
                    tokens[address] = found.group(1) if found else b""
                name = login if n % 2 else f"nobody-{uuid.uuid4().hex[:8]}"
                form = {"login": name, "password": "wrong-password", "login_csrf": tokens[address].decode()}
                answer = await client.post("/login", data=form)
            except httpx.HTTPError:
                statuses[0] += 1
                continue
            statuses[answer.status_code] += 1
            found = TOKEN.search(answer.content)  # each answer's form carries the next token
            if found:
                tokens[address] = found.group(1)
            delay = started + n / per_second - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
    finally:
        for client in clients.values():
            await client.aclose()


async def _flood(base_url: str, login: str, rate: float, addresses: int) -> None:
    """The flood's own process: runs until SIGTERM, then prints its answers' statuses as JSON."""
    os.nice(FLOOD_NICENESS)
    statuses: Counter[int] = Counter()
    pool = [f"127.0.{1 + n // 250}.{1 + n % 250}" for n in range(addresses)]
    flooders = [
        asyncio.create_task(_flooder(base_url, pool[i::FLOODERS] or pool, rate / FLOODERS, login, statuses))
        for i in range(FLOODERS)
    ]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    started = time.perf_counter()
    await stop.wait()
    seconds = time.perf_counter() - started
    for task in flooders:
        task.cancel()
    await asyncio.gather(*flooders, return_exceptions=True)
    print(json.dumps({"seconds": seconds, "statuses": {str(k): v for k, v in sorted(statuses.items())}}))


async def _answering(base_url: str, serve: CenterProcess) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/login")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"control-center serve does not answer: {serve.log()[-2000:]}")
            await asyncio.sleep(0.1)


async def run(
    rate: float, addresses: int, probes: int, interval: float, database_url: str | None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = database_url or f"sqlite+aiosqlite:///{tmp / 'login-flood.sqlite3'}"
        await upgrade_async(url)
        run_id = uuid.uuid4().hex[:8]
        login = f"operator-{run_id}"
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                await access.create_user(
                    session=session, login=login, name="drill", role=Role.OPERATOR,
                    password=uuid.uuid4().hex, actor="drill", at=utcnow(),
                )  # fmt: skip
                await session.commit()
        finally:
            await engine.dispose()
        http_port, dc09_port = free_port(), free_port()
        settings = Settings(_env_file=None, database_url=url, http_port=http_port)
        env = child_env(
            settings,
            CC_DC09_PORT=str(dc09_port),
            CC_EMBEDDED_BROKER_PORT=str(free_port()),
            CC_MQTT_TOPIC_ROOT=f"login-flood-{run_id}/panels",
            CC_MAIL_OUTBOX_DIR=str(tmp / "outbox"),
            CC_LOG_LEVEL="WARNING",
        )
        serve = CenterProcess("serve", env, tmp / "serve.log", None)
        base_url = f"http://127.0.0.1:{http_port}"
        await serve.start()
        try:
            await _answering(base_url, serve)
            await _probes(dc09_port, 5, interval)  # warm-up: the first frames compile statements
            baseline = await _probes(dc09_port, probes, interval)
            # The flood comes from its own process, niced: on a real network the attackers' CPU is
            # not the center's, and on a shared test machine it should not be either.
            flood = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "simulators.drills.login_flood",
                base_url, login, str(rate), str(addresses),
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:
                await asyncio.sleep(2)  # let the flood build up
                flooded = await _probes(dc09_port, probes, interval)
            finally:
                flood.terminate()
                out, _ = await flood.communicate()
            flooding = json.loads(out)
        finally:
            stopped = await serve.stop()
        if not stopped:
            raise RuntimeError("control-center serve did not stop on SIGTERM")
    return {
        "probes": probes,
        "baseline": latencies_ms(baseline),
        "flood": latencies_ms(flooded),
        "login_attempts_target_per_s": rate,
        "login_attempts_per_s": round(sum(flooding["statuses"].values()) / flooding["seconds"], 1),
        "addresses": addresses,
        "answers": flooding["statuses"],  # HTTP status → count; 0: no answer (connection failed)
        "database": url.split(":", 1)[0],
    }


def report(result: dict[str, Any]) -> str:
    base, flood = result["baseline"], result["flood"]
    return (
        f"login-flood drill on {result['database']}: {result['login_attempts_per_s']} login attempts/s "
        f"from {result['addresses']} addresses, answers {result['answers']}\n"
        f"DC-09 connect→ACK over {result['probes']} events: p50 {flood['p50_ms']} ms, "
        f"p99 {flood['p99_ms']} ms, max {flood['max_ms']} ms under the flood; "
        f"baseline p50 {base['p50_ms']} ms, p99 {base['p99_ms']} ms, max {base['max_ms']} ms"
    )


def passed(result: dict[str, Any]) -> bool:
    """DC-09 panels are still answered at once under the flood: p99 below 50 ms."""
    return result["flood"]["p99_ms"] < 50


if __name__ == "__main__":  # the flood's own process: base URL, login, attempts/s, addresses
    asyncio.run(_flood(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])))
