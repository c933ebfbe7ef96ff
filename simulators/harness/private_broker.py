"""A private Mosquitto for benchmarks and drills, configured as a monitoring center needs it.

Mosquitto's defaults drop QoS 1 messages for a subscriber once 1,000 are queued for it
(``max_queued_messages``): behind a slow gateway that would be lost alarms. Production brokers must
set it to 0 (no limit) or far above any backlog; this one does, on a free loopback port.

Given the panels' and gateways' logins, it runs on the files ``control-center broker mosquitto-config``
writes (``panel_gateway/mosquitto_config.py``: no anonymous clients, ACL, client id = user name);
without, it lets anyone in, as the shared test broker does.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from panel_gateway import mosquitto_config
from panel_gateway.broker_access import Login

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


@dataclass(frozen=True, slots=True)
class Access:
    """Who may log in (panels and gateways) and the topic root their ACL lines use."""

    logins: list[Login]
    topic_root: str


class PrivateMosquitto:
    def __init__(
        self,
        directory: Path,
        port: int,
        persistence: bool = True,
        access: Access | None = None,
        conf: Path | None = None,
    ) -> None:
        """``conf``: run on a configuration written beforehand (by ``broker mosquitto-config``)."""
        self.directory, self.port, self.persistence = directory, port, persistence
        self.access = access
        self.conf = conf
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
        conf = self.conf or self.directory / "mosquitto.conf"
        if self.conf is not None:
            self._let_mosquitto_read(self.directory / mosquitto_config.PASSWORD_FILE)
        elif self.access is None:
            conf.write_text(
                CONFIG.format(
                    port=self.port,
                    directory=self.directory,
                    persistence="true" if self.persistence else "false",
                )
            )
        else:
            self._write_access(self.access)
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

    def _write_access(self, access: Access) -> None:
        files = mosquitto_config.render(
            access.logins,
            topic_root=access.topic_root,
            directory=self.directory,
            listener=f"{self.port} 127.0.0.1",
            persistence_location=self.directory if self.persistence else None,
            extra=("log_dest stderr", "log_type error"),
        )
        mosquitto_config.write(self.directory, files)
        self._let_mosquitto_read(self.directory / mosquitto_config.PASSWORD_FILE)

    @staticmethod
    def _let_mosquitto_read(password_file: Path) -> None:
        """Mosquitto reads its password file after dropping to its own user (the deployment's chgrp)."""
        if os.geteuid() == 0 and password_file.exists():
            with contextlib.suppress(KeyError):
                os.chown(password_file, -1, grp.getgrnam("mosquitto").gr_gid)

    def reload(self, access: Access) -> None:
        """New logins (issued or rotated credentials): the files written again, then SIGHUP, as in
        production. Mosquitto reloads on its next turn, shortly after this returns."""
        self.access = access
        self._write_access(access)
        if self.process and self.process.returncode is None:
            self.process.send_signal(signal.SIGHUP)

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


@contextlib.asynccontextmanager
async def private_mosquitto(
    persistence: bool = True, access: Access | None = None
) -> AsyncIterator[PrivateMosquitto]:
    with tempfile.TemporaryDirectory() as tmp:
        broker = PrivateMosquitto(Path(tmp), free_port(), persistence, access)
        await broker.start()
        try:
            yield broker
        finally:
            await broker.stop()
