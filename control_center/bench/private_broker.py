"""A private Mosquitto for benchmarks and drills, configured as a monitoring center needs it.

Mosquitto's defaults drop QoS 1 messages for a subscriber once 1,000 are queued for it
(``max_queued_messages``): behind a slow gateway that would be lost alarms. Production brokers must
set it to 0 (no limit) or far above any backlog; this one does, on a free loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

CONFIG = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence {persistence}
persistence_location {directory}/
max_queued_messages 0
max_inflight_messages 100
log_dest stderr
log_type error
"""


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or (
        str(Path("/usr/sbin/mosquitto")) if Path("/usr/sbin/mosquitto").exists() else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateMosquitto:
    def __init__(self, directory: Path, port: int, persistence: bool = True) -> None:
        self.directory, self.port, self.persistence = directory, port, persistence
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise RuntimeError("mosquitto is not installed")
        # Started as root, mosquitto drops to its own user: it must be able to reach and write its
        # persistence, or it loses queued messages on restart without a word (its log goes nowhere).
        self.directory.chmod(0o777)
        blocked = [p for p in self.directory.resolve().parents if not p.stat().st_mode & 0o001]
        if self.persistence and blocked:
            raise RuntimeError(
                f"mosquitto could not reach its persistence under {blocked[0]} (not searchable by others);"
                " use a directory from tempfile.mkdtemp()"
            )
        conf = self.directory / "mosquitto.conf"
        conf.write_text(
            CONFIG.format(
                port=self.port, directory=self.directory, persistence="true" if self.persistence else "false"
            )
        )
        self.process = await asyncio.create_subprocess_exec(
            binary, "-c", str(conf), stderr=asyncio.subprocess.DEVNULL
        )
        for _ in range(100):
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("private mosquitto did not start")

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@contextlib.asynccontextmanager
async def private_mosquitto(persistence: bool = True) -> AsyncIterator[PrivateMosquitto]:
    with tempfile.TemporaryDirectory() as tmp:
        broker = PrivateMosquitto(Path(tmp), free_port(), persistence)
        await broker.start()
        try:
            yield broker
        finally:
            await broker.stop()
