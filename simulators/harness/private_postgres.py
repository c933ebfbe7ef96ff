"""A private PostgreSQL cluster on a free loopback port, which a drill may stop and start at will.

The shared server must not be stopped under other tests, so drills get their own cluster made with
Debian's initdb in a temporary directory. PostgreSQL refuses to run as root: when we are root the
cluster belongs to the ``postgres`` user and its commands run through ``runuser``.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import tempfile
from pathlib import Path

from simulators.harness.private_broker import free_port


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PrivatePostgres:
    def __init__(self) -> None:
        binaries = pg_bin()
        if binaries is None:
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        self.bin = binaries
        self.port = free_port()
        self.tmp = tempfile.mkdtemp(prefix="cc-pg-")
        self.data = Path(self.tmp) / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, err = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {err.decode(errors='replace')[-500:]}")

    async def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "postgres")
        await self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    async def start(self) -> None:
        options = f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=on"
        await self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", f"{self.tmp}/log", "-w", "start")

    async def stop(self, mode: str = "immediate") -> None:
        """``immediate`` is a crash as far as clients can tell: connections drop, nothing is flushed."""
        await self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    async def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            await self.stop("fast")
        shutil.rmtree(self.tmp, ignore_errors=True)
