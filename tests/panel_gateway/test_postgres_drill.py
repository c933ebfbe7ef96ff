"""The PostgreSQL-stop drill: the database goes away mid-stream and comes back; nothing is lost or
stored twice (the gateway keeps unacknowledged batches and retries; the broker keeps the rest)."""

from __future__ import annotations

import pytest

from simulators.bench import drills
from simulators.bench.private_broker import mosquitto_binary
from simulators.bench.private_postgres import pg_bin
from tests.conftest import CI


async def test_a_postgres_outage_loses_nothing_and_repeats_nothing() -> None:
    if mosquitto_binary() is None or pg_bin() is None:
        message = "the drill needs the mosquitto and PostgreSQL server binaries"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    result = await drills.postgres_stop(outage_seconds=5, messages=150, per_second=25)  # 10 s in the command
    assert (result.sent, result.stored, result.duplicates, result.lost) == (150, 150, 0, 0)
