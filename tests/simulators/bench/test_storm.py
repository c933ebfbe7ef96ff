"""In a storm of low-priority signals a fire alarm goes straight to the top of the operators' queue."""

from __future__ import annotations

from simulators.bench import storm


async def test_a_fire_is_first_in_the_queue_ahead_of_a_storm(database_url: str) -> None:
    result = await storm.run(3000, database_url)
    assert result["fire_queue_position"] == 1
    assert result["storm_still_queued"] is True  # it was not cleared first: the fire jumped it
