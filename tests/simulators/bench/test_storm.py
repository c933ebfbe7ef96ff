"""In a storm of low-priority signals a fire alarm goes straight to the top of the operators' queue,
and every signal of the storm is still worked."""

from __future__ import annotations

from sqlalchemy import func, select

from control_center.core.db import create_engine, session_factory
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from simulators.bench import storm


async def test_a_fire_jumps_the_storm_and_the_storm_is_worked_to_the_end(database_url: str) -> None:
    result = await storm.run(1000, database_url)
    assert result["fire_queue_position"] == 1
    assert result["queued_behind_fire"] > 0  # the storm was not cleared first: the fire jumped it
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        unprocessed = await session.scalar(select(func.count()).where(Signal.processed_at.is_(None)))
        storm_incidents = await session.scalar(select(func.count()).where(Incident.account.like("S%")))
    await engine.dispose()
    assert unprocessed == 0
    assert storm_incidents == 1000  # one AC-power incident per premises of the storm, none lost
