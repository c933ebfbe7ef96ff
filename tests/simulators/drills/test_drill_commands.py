"""The gateway-kill and broker-restart drills as commands anyone can run: every message the panels
had confirmed by the broker is stored exactly once, on both databases (shorter than the defaults)."""

from __future__ import annotations

import pytest

from simulators.drills import faults
from tests.helpers import require_binaries


@pytest.mark.parametrize("drill", ["gateway-kill", "broker-restart"])
async def test_the_drill_loses_nothing_and_repeats_nothing(drill: str, database_url: str) -> None:
    require_binaries()
    result = await faults.DRILLS[drill](100, 25.0, database_url)
    assert (result.drill, result.sent, result.stored, result.duplicates, result.lost) == (
        drill,
        100,
        100,
        0,
        0,
    )
