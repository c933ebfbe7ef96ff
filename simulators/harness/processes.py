"""The center as a bench or a drill runs it: settings and a database of its own for each run, and the
center's own commands as child processes, configured only through CC_*."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import create_engine, session_factory
from control_center.core.settings import Settings
from control_center.migrate import upgrade_async


def run_settings(name: str, run: str, database_url: str, mqtt_url: str, **extra: object) -> Settings:
    """Settings for one run: its own topic root and gateway session, so runs never share broker state."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=mqtt_url,
        mqtt_topic_root=f"{name}-{run}/panels",
        mqtt_client_id=f"{name}-gw-{run}",
        **extra,
    )


@contextlib.asynccontextmanager
async def run_database(
    name: str, database_url: str | None
) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    """The run's database at the newest schema, and its sessions: ``database_url``, or else a temporary
    SQLite file ``name``.sqlite3, gone afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / name}.sqlite3"
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            yield url, session_factory(engine)
        finally:
            await engine.dispose()


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a child: this one without any CC_* of its own, plus ``settings`` — with this
    process's secret key (its file by absolute path), the one that sealed what this process seeded: a
    database remembers its key (core/key_check.py), so a run on a kept database starts again."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    key = (
        {"CC_SECRET_KEY": settings.secret_key}
        if settings.secret_key
        else {"CC_SECRET_KEY_FILE": str(Path(settings.secret_key_file).resolve())}
    )
    return (
        env
        | key
        | {
            "CC_DATABASE_URL": settings.database_url,
            "CC_MQTT_URL": settings.mqtt_url or "",
            "CC_MQTT_TOPIC_ROOT": settings.mqtt_topic_root,
            "CC_MQTT_CLIENT_ID": settings.mqtt_client_id,
            "CC_HTTP_HOST": "127.0.0.1",
            "CC_HTTP_PORT": str(settings.http_port),
            "CC_LOG_LEVEL": "INFO",
            **extra,
        }
    )


class CenterProcess:
    """``control-center <command>`` with its log in ``log_path``; ``ready_line`` in the log says it is
    up (None: the caller finds out, e.g. from ``/healthz``)."""

    def __init__(self, command: str, env: dict[str, str], log_path: Path, ready_line: str | None) -> None:
        self.command, self.env, self.log_path, self.ready_line = command, env, log_path, ready_line
        self.process: asyncio.subprocess.Process | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def start(self, within: float = 60) -> None:
        """Start and wait for one more ``ready_line`` in the log than before."""
        before = self.log().count(self.ready_line) if self.ready_line else 0
        with self.log_path.open("ab") as log_file:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "control_center.cli", self.command, env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
            )  # fmt: skip
        deadline = time.monotonic() + within
        while self.ready_line and self.log().count(self.ready_line) <= before:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise RuntimeError(f"control-center {self.command} did not come up: {self.log()[-2000:]}")
            await asyncio.sleep(0.1)

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no last commit, as in a crash."""
        if self.process and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self, within: float = 20) -> bool:
        """SIGTERM; returns False (and kills it) when it did not stop ``within`` seconds."""
        if not self.process or self.process.returncode is not None:
            return True
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), within)
            return True
        except TimeoutError:
            await self.kill()
            return False
