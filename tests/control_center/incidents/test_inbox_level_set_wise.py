"""The inbox assesses the incidents it opens from the alarms in hand (no read-back, issue 20): the level,
its reasons and the record must be exactly what assessing them from the database gives, on both
databases — for a storm of alike troubles (assessed once per kind) as for incidents with several alarms,
a life-threat, a premises' false-alarm history and an account nobody registered."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from control_center.incidents import alarm_level_service
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident, IncidentEvent
from tests.control_center.factories import Panel, premises

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


async def levels(sessions) -> dict[int, tuple[int | None, str | None, list[str]]]:
    """Each open incident's level, stored reasons and level records."""
    async with sessions() as session:
        query = select(Incident).where(Incident.closed_at.is_(None)).order_by(Incident.id)
        incidents = list(await session.scalars(query))
        events = list(
            await session.scalars(
                select(IncidentEvent).where(IncidentEvent.kind == "alarm_level").order_by(IncidentEvent.id)
            )
        )
    return {
        i.id: (i.alarm_level, i.alarm_level_reasons, [e.detail for e in events if e.incident_id == i.id])
        for i in incidents
    }


async def test_incidents_the_inbox_opens_are_assessed_as_the_database_would(sessions) -> None:
    await premises(sessions)
    panel = Panel(sessions)
    for day in (30, 60):  # two false alarms in the last year: a reason on the burglary opened below
        await panel.send(130, T0 - dt.timedelta(days=day))
        async with sessions() as session:
            await process_pending(session=session, now=T0 - dt.timedelta(days=day))
            old = await session.scalar(select(Incident).where(Incident.closed_at.is_(None)))
            assert old is not None
            old.outcome, old.status, old.closed_at, old.open_key = "false_alarm", "false_alarm", T0, None
            await session.commit()
    # All waiting at once, so that each priority is one group: two detectors of one burglary (one new
    # incident of two alarms: confirmed, beside its history), a duress, a fire and a trouble of another
    # premises, and troubles from 300 accounts nobody registered (a storm: alike, assessed once).
    await premises(sessions, account="2002")
    await premises(sessions, account="2003")
    await panel.send(130, T0, zone=1)
    await panel.send(132, T0 + 5 * M, zone=2)
    await Panel(sessions, account="2002").send(121, T0 + M)
    await Panel(sessions, account="2003").send(110, T0 + M, zone=4)
    await Panel(sessions, account="2003").send(380, T0 + 2 * M, zone=7)
    for n in range(300):
        await Panel(sessions, account=f"9{n:03d}").send(300, T0 + dt.timedelta(seconds=n), zone=n % 3 + 1)
    async with sessions() as session:
        await process_pending(session=session, limit=5000, now=T0 + 10 * M)
    in_hand = await levels(sessions)
    assert len(in_hand) == 304  # burglary, duress, fire, the premises' trouble, 300 troubles
    assert {level for level, _, _ in in_hand.values()} >= {1, 2, 4}  # troubles 1, confirmed 2, duress 4
    assert sum("false_alarm_history" in (reasons or "") for _, reasons, _ in in_hand.values()) == 1
    # Assessed again the long way, from the database, group by group as the inbox took them (one priority
    # each: the history leaves out the incidents assessed together): nothing changes, nothing is added.
    async with sessions() as session:
        rows = await session.execute(select(Incident.priority, Incident.id).where(Incident.id.in_(in_hand)))
        groups: dict[int, set[int]] = {}
        for priority, incident_id in rows.all():
            groups.setdefault(priority, set()).add(incident_id)
        for priority in sorted(groups):
            await alarm_level_service.reassess(session, groups[priority], at=T0 + 10 * M)
        await session.commit()
    assert len(groups) == 3
    assert await levels(sessions) == in_hand
