"""The PostgreSQL-stop drill: the database goes away mid-stream and comes back; nothing is lost or
stored twice (the gateway keeps unacknowledged batches and retries; the broker keeps the rest)."""

from __future__ import annotations

from simulators.drills import faults
from tests.helpers import require_binaries


async def test_a_postgres_outage_loses_nothing_and_repeats_nothing() -> None:
    require_binaries(postgres=True)
    result = await faults.postgres_stop(outage_seconds=5, messages=150, per_second=25)  # 10 s in the command
    assert (result.sent, result.stored, result.duplicates, result.lost) == (150, 150, 0, 0)
