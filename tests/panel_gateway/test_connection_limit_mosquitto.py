"""Mosquitto as `control-center broker mosquitto-config` configures it refuses the excess and keeps the
rest: `--max-connections` caps the panels' listener, and `--gateway-listener` gives the gateway places
of its own, so a broker full of panels still takes its gateway back.

Mosquitto 2.0.11 counts a connection closed before its CONNECT as one less (its listener count goes
below zero: eclipse-mosquitto/mosquitto issue 1460, open): the harness's readiness probe is such a
connection, so a limit of 2 takes 3 panels here. A health check or a port scan does the same in
production, which is why the limit is set below the descriptors with a margin (core/limits.py) and the
broker's descriptor limit stays the hard stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import aiomqtt
import pytest

from control_center.core.settings import MqttTarget
from panel_gateway.broker_password import new_password
from simulators.harness.private_broker import PrivateMosquitto, free_port, mosquitto_binary
from simulators.mqtt_clients import connect
from tests.conftest import CI
from tests.helpers import commissioned

GATEWAY = "cc-gateway"


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "control_center.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_a_full_mosquitto_refuses_the_next_panel_keeps_the_others_and_takes_the_gateway(
    database_url: str, sessions
) -> None:
    if mosquitto_binary() is None:
        if CI:
            pytest.fail("mosquitto is not installed")
        pytest.skip("mosquitto is not installed")
    passwords = {a: await commissioned(sessions, a) for a in ("1001", "1002", "1003", "1004")}
    gateway_password = new_password()
    port, gateway_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")} | {
        "CC_DATABASE_URL": database_url,
        "CC_MQTT_URL": f"mqtt://{GATEWAY}:{gateway_password}@127.0.0.1:{gateway_port}",
    }
    directory = Path(tempfile.mkdtemp(prefix="cc-mosq-"))  # mosquitto, as its own user, must enter it
    os.chmod(directory, 0o777)
    code, _, err = await run_cli(
        "broker", "mosquitto-config", "--dir", str(directory), "--listener", f"{port} 127.0.0.1",
        "--persistence-dir", str(directory), "--max-connections", "2",
        "--gateway-listener", f"{gateway_port} 127.0.0.1", env=env,
    )  # fmt: skip
    assert code == 0, err
    conf = (directory / "mosquitto.conf").read_text()
    assert "max_connections 2" in conf and f"listener {gateway_port} 127.0.0.1" in conf

    panels, gateway = MqttTarget(f"mqtt://127.0.0.1:{port}"), MqttTarget(f"mqtt://127.0.0.1:{gateway_port}")
    private = PrivateMosquitto(directory, port, conf=directory / "mosquitto.conf")
    try:
        await private.start()
        async with contextlib.AsyncExitStack() as stack:
            held = [
                await stack.enter_async_context(connect(panels, a, a, passwords[a], timeout=10))
                for a in ("1001", "1002", "1003")  # 2 + the readiness probe's slot (see above)
            ]
            with pytest.raises(aiomqtt.MqttError):  # past the limit: closed before any CONNACK
                async with connect(panels, "1004", "1004", passwords["1004"], timeout=5):
                    pass
            async with connect(gateway, GATEWAY, GATEWAY, gateway_password, timeout=10) as gw:
                await gw.subscribe("panels/+/signals", qos=1)
                for client, account in zip(held, ("1001", "1002", "1003"), strict=True):
                    await client.publish(f"panels/{account}/signals", b"{}", qos=1)  # still served
                received = []
                async with asyncio.timeout(10):
                    async for message in gw.messages:
                        received.append(str(message.topic))
                        if len(received) == 3:
                            break
            assert sorted(received) == [f"panels/{a}/signals" for a in ("1001", "1002", "1003")]
    finally:
        await private.stop()
        shutil.rmtree(directory, ignore_errors=True)
