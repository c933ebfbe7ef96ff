"""The flood drill as a command anyone can run, shorter than its default: valid and garbage messages
from many panels with a fire in the middle. The fire reaches the console, every message the broker
accepted ends stored (valid) or dead-lettered (garbage), none is lost. Its latency is a figure the
command prints (docs/benchmarks.md), not asserted here."""

from __future__ import annotations

from simulators.drills import flood
from tests.helpers import require_binaries


async def test_a_fire_in_a_flood_of_garbage_reaches_the_console_and_nothing_is_lost(
    database_url: str,
) -> None:
    require_binaries()
    result = await flood.run(rate=300, seconds=3, database_url=database_url)

    assert result["sent_garbage"] > 0 and result["sent_valid"] > 0
    assert result["fire_latency_ms"] is not None, "the fire never reached the console"
    assert (result["stored"], result["dead_lettered"], result["lost"]) == (
        result["sent_valid"],
        result["sent_garbage"],
        0,
    )
