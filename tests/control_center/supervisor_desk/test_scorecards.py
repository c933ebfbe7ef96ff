"""False-alarm scorecards over a seeded year of history, on both databases: the figures per premises and
per area, the CSV, and the service task for the premises over the threshold (raised once a month)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from control_center.core.i18n import translations
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident, IncidentTask
from control_center.subscribers.models import Premises
from control_center.supervisor_desk import scorecards
from dispatch.models import Assignment, Depot, Responder
from tests.control_center.factories import premises

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


async def seed_year(sessions) -> tuple[int, int]:
    """Premises 1 in Nagoya: 5 alarms in the year (4 false, 1 with a responder and the police), one more
    13 months ago and an equipment trouble (neither counts). Premises 2 in Yokohama: 2 alarms, none false."""
    noisy = await premises(sessions, account="3001")
    quiet = await premises(sessions, account="3002")
    async with sessions() as session:
        (await session.get(Premises, quiet)).address = "神奈川県横浜市西区みなとみらい2-2-1"
        depot = Depot(name="栄", prefecture="愛知県", area=None, lat=35.1, lon=136.9)
        responder = Responder(name="佐藤", depot=depot, lat=35.1, lon=136.9)
        session.add_all([depot, responder])
        n = 0

        def incident(premises_id: int, days_ago: int, service: str = "A", **kw: object) -> Incident:
            nonlocal n
            n += 1
            at = NOW - days_ago * DAY
            row = Incident(
                premises_id=premises_id,
                account="x",
                service_type=service,
                priority=2,
                description="burglary",
                opened_at=at,
                last_signal_at=at,
                closed_at=at + DAY,
                open_key=None,
                **{"status": "resolved", **kw},
            )
            session.add(row)
            return row

        for days in (10, 40, 100):
            incident(noisy, days, outcome="false_alarm", status="false_alarm")
        incident(noisy, 200, alarm_level=0)  # cancelled at the panel and closed at level 0: false too
        real = incident(noisy, 300, alarm_level=3)
        incident(noisy, 400)  # older than 12 months
        incident(noisy, 5, service="G")  # an equipment trouble is no activation
        incident(quiet, 20, alarm_level=1)
        incident(quiet, 50, alarm_level=2)
        await session.flush()
        session.add(Assignment(incident_id=real.id, responder=responder, assigned_at=NOW, assigned_by="op"))
        session.add(
            IncidentTask(incident_id=real.id, agency="police", created_at=NOW, done_at=NOW, done_by="op")
        )
        await session.commit()
    return noisy, quiet


async def test_the_figures_of_a_year(sessions) -> None:
    noisy, quiet = await seed_year(sessions)
    async with sessions() as session:
        cards = await scorecards.scorecards(session=session, now=NOW, threshold=3)
    by_key = {c.key: c for c in cards.premises}
    loud = by_key[str(noisy)]
    assert (loud.activations, loud.false_alarms, loud.dispatches, loud.police_calls) == (5, 4, 1, 1)
    assert loud.false_alarm_rate == Decimal("80.0") and loud.over_threshold
    calm = by_key[str(quiet)]
    assert (calm.activations, calm.false_alarms, calm.false_alarm_rate, calm.over_threshold) == (
        2,
        0,
        Decimal("0.0"),
        False,
    )
    assert [c.key for c in cards.premises] == [str(noisy), str(quiet)]  # worst first
    areas = {c.key: (c.activations, c.false_alarms) for c in cards.areas}
    assert areas == {"愛知県名古屋市": (5, 4), "神奈川県横浜市": (2, 0)}


async def test_the_csv_has_a_bom_and_japanese_headers(sessions) -> None:
    await seed_year(sessions)
    async with sessions() as session:
        cards = await scorecards.scorecards(session=session, now=NOW, threshold=3)
    body = scorecards.csv_bytes(cards, translations("ja").gettext)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "ご利用先,住所,警報件数,誤報件数,誤報率（%）,出動件数,警察への通報,基準超過"
    assert lines[1].endswith(",5,4,80.0,1,1,はい")


async def test_premises_over_the_threshold_get_one_service_task_a_month(sessions) -> None:
    noisy, _ = await seed_year(sessions)
    async with sessions() as session:
        cards = await scorecards.scorecards(session=session, now=NOW, threshold=3)
        assert await scorecards.raise_review_tasks(session=session, cards=cards, now=NOW) == [noisy]
        await session.commit()
        # asked again the same month: nothing new
        assert await scorecards.raise_review_tasks(session=session, cards=cards, now=NOW + DAY) == []
        await session.commit()
        await process_pending(session=session, now=NOW + DAY)
        review = list(
            await session.scalars(select(Incident).where(Incident.description == scorecards.REVIEW))
        )
    assert [(i.premises_id, i.service_type, i.closed_at) for i in review] == [(noisy, "G", None)]
