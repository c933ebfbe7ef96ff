"""Store-then-ack over MQTT, on SQLite and PostgreSQL, with the embedded broker and with Mosquitto."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys

import psycopg
from sqlalchemy import select
from sqlalchemy.engine import make_url

from control_center.core.settings import Settings
from control_center.signals.models import DeadLetter, Signal
from panel_gateway.protocols import contact_id
from panel_gateway.protocols.contact_id import Qualifier
from simulators.dc09_panel import Dc09Panel
from simulators.panel import ALARMS, payload
from tests.conftest import EMBEDDED_GATEWAY
from tests.helpers import (
    at_least,
    batches_after_a_restart,
    commissioned_panel,
    count,
    dead_letters,
    eventually,
    running_gateway,
)


async def test_an_alarm_is_stored_once_and_then_acknowledged(
    clean_broker: Settings, sessions, caplog
) -> None:
    settings = clean_broker
    async with (
        running_gateway(settings, sessions),
        commissioned_panel(settings, sessions, "1234") as panel,
    ):
        message_id = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=message_id))
    async with sessions() as session:
        stored = await session.scalar(select(Signal))
    assert (stored.account, stored.event_code, stored.service_type, stored.kind) == (
        "1234",
        "110",
        "B",
        "alarm",
    )
    assert stored.received_at.tzinfo is not None

    # It was acknowledged: a new gateway on the same persistent session receives nothing again.
    assert await batches_after_a_restart(settings, sessions, caplog) == []
    assert await count(sessions) == 1


async def test_a_repeated_message_id_is_stored_once(clean_broker: Settings, sessions) -> None:
    settings = clean_broker
    async with (
        running_gateway(settings, sessions),
        commissioned_panel(settings, sessions, "0042") as panel,
    ):
        body = payload("0042", "same-id", 130)
        await panel.send_raw(body)
        await panel.send_raw(body)
        marker = await panel.send(602)  # a later message: once stored, the duplicate was handled too
        await eventually(lambda: count(sessions, message_id=marker))
    assert await count(sessions, message_id="same-id") == 1
    assert await count(sessions) == 2


async def test_a_raw_dc09_frame_over_mqtt_is_stored_per_event(clean_broker: Settings, sessions) -> None:
    settings = clean_broker
    frame = Dc09Panel("-", 0, "0088").frame("#0088|Nri1/FA001/BA002")
    async with (
        running_gateway(settings, sessions),
        commissioned_panel(settings, sessions, "0088") as panel,
    ):
        await panel.send_raw(frame)
        await panel.send_raw(frame)  # replayed: the same two signals
        await eventually(lambda: count(sessions, account="0088", event_code="BA"))
        marker = await panel.send(602)
        await eventually(lambda: count(sessions, message_id=marker))
    assert await count(sessions, account="0088", format="sia") == 2


async def test_unparseable_payloads_go_to_the_dead_letter_table(clean_broker: Settings, sessions) -> None:
    settings = clean_broker
    async with (
        running_gateway(settings, sessions),
        commissioned_panel(settings, sessions, "0077") as panel,
    ):
        await panel.send_raw(b"\x00\xffnot json")
        frame = contact_id.encode("0077", Qualifier.NEW, 110, 1, 1)
        corrupted = frame[:-1] + ("1" if frame[-1] != "1" else "2")
        await panel.send_raw(json.dumps({"msg_id": "bad-sum", "contact_id": corrupted}).encode())
        message_id = await panel.alarm("burglary")  # the gateway is still alive after bad input
        await eventually(lambda: count(sessions, message_id=message_id))
        rows = await eventually(lambda: at_least(dead_letters(sessions), 2))
    assert rows[0].reason.startswith("payload is not JSON")
    assert rows[1].reason == "contact id checksum mismatch"
    assert rows[0].payload.startswith("\\x00\\xff")
    assert rows[0].source == f"{settings.mqtt_topic_root}/0077/signals"
    assert await count(sessions, DeadLetter) == 2


# --- the crash drill: kill -9 the gateway after it received a signal, before it committed ---------------


@contextlib.contextmanager
def database_write_lock(database_url: str):
    """Hold the signals table so the gateway's commit blocks (a stand-in for a slow disk)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    options = url.query.get("options", "")
    dsn = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    with psycopg.connect(dsn, options=options) as conn:
        conn.execute("LOCK TABLE signals IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


async def start_gateway_process(settings: Settings) -> tuple[asyncio.subprocess.Process, asyncio.Queue[str]]:
    env = {
        **os.environ,
        "CC_DATABASE_URL": settings.database_url,
        "CC_MQTT_URL": settings.mqtt_url or "",
        "CC_MQTT_TOPIC_ROOT": settings.mqtt_topic_root,
        "CC_MQTT_CLIENT_ID": settings.mqtt_client_id,
        "CC_LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "control_center.cli", "gateway",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    lines: asyncio.Queue[str] = asyncio.Queue()

    async def pump() -> None:
        assert process.stderr is not None
        async for line in process.stderr:
            await lines.put(line.decode(errors="replace"))

    asyncio.get_running_loop().create_task(pump())
    return process, lines


async def wait_for_line(lines: asyncio.Queue[str], text: str, timeout: float = 20) -> str:
    async def scan() -> str:
        while True:
            line = await lines.get()
            if text in line:
                return line

    return await asyncio.wait_for(scan(), timeout)


async def test_a_gateway_killed_before_commit_gets_the_signal_again_and_stores_it_once(
    clean_broker: Settings, sessions
) -> None:
    settings = clean_broker
    first, lines = await start_gateway_process(settings)
    try:
        await wait_for_line(lines, "gateway ready")
        async with commissioned_panel(settings, sessions, "5150") as panel:
            message_id = panel.next_message_id()
            code, device = ALARMS["burglary"]
            sent = asyncio.create_task(panel.send(code, device=device, message_id=message_id))
            with database_write_lock(settings.database_url):
                await wait_for_line(lines, "batch received")  # in the gateway, not yet committed
                await asyncio.sleep(0.3)
                first.send_signal(signal.SIGKILL)
                await first.wait()
            assert await count(sessions) == 0, "nothing may be stored by the killed gateway"
            if settings.broker.username == EMBEDDED_GATEWAY:  # the center's broker: a PUBACK after the store
                assert not sent.done(), "the panel was told its alarm was received, and it was not stored"

            second, lines = await start_gateway_process(settings)
            try:
                await eventually(lambda: count(sessions, message_id=message_id), timeout=30)
                await sent  # the panel has its PUBACK (from Mosquitto long ago; from the embedded one now)
                await asyncio.sleep(1.0)  # a second delivery, if any, would be stored by now
            finally:
                second.send_signal(signal.SIGTERM)
                await second.wait()
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    assert await count(sessions, message_id=message_id) == 1
    assert await count(sessions) == 1
    assert await count(sessions, DeadLetter) == 0
