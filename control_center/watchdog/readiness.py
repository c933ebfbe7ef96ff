"""Whether THIS process is serving: web, database, and what else it runs (a gateway, DC-09 listeners).

``/healthz`` answers for the whole alarm path, whichever process serves it; ``/readyz`` only for the
process asked, so a load balancer or systemd can tell which one to restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

OK = "ok"
DATABASE_TIMEOUT_SECONDS = 3.0

Probe = Callable[[], str | None]  # why the part is not serving, or None


class Readiness:
    def __init__(self) -> None:
        self._parts: dict[str, Probe] = {}

    def add(self, part: str, probe: Probe) -> None:
        """Register a part this process runs (the runtime does, when it starts one)."""
        self._parts[part] = probe

    async def check(self, sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
        """Each part: ``ok`` or why not. The web is up: it is answering."""
        checks = {"web": OK, "database": await _database(sessions)}
        for part, probe in self._parts.items():
            checks[part] = probe() or OK
        return checks


async def _database(sessions: async_sessionmaker[AsyncSession]) -> str:
    async def ping() -> None:
        async with sessions() as session:
            await session.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), DATABASE_TIMEOUT_SECONDS)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        return f"unreachable ({type(exc).__name__}: {first})"[:300]
    return OK
