"""Review: the level record of an incident opened together with a panel's note about it (one group).

Before 5d6876e such an incident was assessed once, from the database, after its note: one record from
"none" to its level (none at all for a level of 1). Now its first level is assessed from its alarms
before the INSERT and recorded, and the note's reassessment records a second change at the same instant."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident, IncidentEvent
from tests.control_center.factories import Panel, premises

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


async def test_a_confirmed_burglary_cancelled_in_the_same_group_records_one_level_as_before(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    await panel.send(130, T0, zone=1)
    await panel.send(130, T0 + M, zone=2)  # two detectors: confirmed (2)
    await panel.send(406, T0 + 2 * M)  # the user's cancel (CP-01), same priority: the same group
    async with sessions() as session:
        await process_pending(session=session, now=T0 + 3 * M)
    async with sessions() as session:
        (incident,) = list(await session.scalars(select(Incident)))
        query = select(IncidentEvent.detail).where(IncidentEvent.kind == "alarm_level")
        query = query.order_by(IncidentEvent.id)
        records = [json.loads(d) for d in await session.scalars(query)]
    assert incident.alarm_level == 1  # cancelled after confirmation
    # Before: assessed once from none, 1 is no change — no record. Now: none → 2, then 2 → 1.
    assert [(r["from"], r["level"]) for r in records] == []
