"""The per-installer false-alarm card on a seeded year of history (both databases), its CSV table and the
page; and the reminders for premises whose end-to-end test is overdue, raised as service tasks once a
month like the scorecards' review task."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import httpx
from sqlalchemy import select

from billing.models import Contract
from control_center.app import create_app
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.i18n import translations
from control_center.core.settings import Settings
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.subscribers.models import Premises
from control_center.supervisor_desk import scorecards, test_reminders
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_scorecards import NOW, seed_year
from tests.helpers import add_user

DAY = dt.timedelta(days=1)


async def seed_installers(sessions) -> tuple[int, int, int]:
    """The scorecards' year (premises 1: 5 alarms, 4 false; premises 2: 2 alarms, none false), premises 1
    and a third (1 false alarm of 1) installed by 東海セキュリティ施工, premises 2 by nobody recorded."""
    noisy, quiet = await seed_year(sessions)
    third = await premises(sessions, account="3003")
    async with sessions() as session:
        for place in (noisy, third):
            (await session.get(Premises, place)).installer = "東海セキュリティ施工"
        session.add(
            Incident(
                premises_id=third, account="3003", service_type="A", priority=2, description="burglary",
                opened_at=NOW - 30 * DAY, last_signal_at=NOW - 30 * DAY, closed_at=NOW - 29 * DAY,
                open_key=None, status="false_alarm", outcome="false_alarm",
            )
        )  # fmt: skip
        await session.commit()
    return noisy, quiet, third


async def test_the_per_installer_card_over_a_year(sessions) -> None:
    await seed_installers(sessions)
    async with sessions() as session:
        cards = await scorecards.scorecards(session=session, now=NOW, threshold=3)
    by_key = {c.key: c for c in cards.installers}
    tokai = by_key["東海セキュリティ施工"]
    assert (tokai.activations, tokai.false_alarms, tokai.dispatches, tokai.police_calls) == (6, 5, 1, 1)
    assert tokai.false_alarm_rate == Decimal("83.3") and not tokai.over_threshold
    unknown = by_key[scorecards.UNKNOWN_INSTALLER]
    assert (unknown.activations, unknown.false_alarms) == (2, 0)
    assert cards.installers[0].key == "東海セキュリティ施工"  # worst first
    body = scorecards.csv_bytes(cards, translations("ja").gettext).decode("utf-8-sig")
    assert "施工業者,施工業者,警報件数" in body
    assert "東海セキュリティ施工,東海セキュリティ施工,6,5,83.3,1,1," in body
    assert "（施工業者不明）,（施工業者不明）,2,0,0.0,0,0," in body


async def test_the_supervisor_page_shows_installers_and_the_overdue_tests(database_url, sessions) -> None:
    listed = await seed_installers(sessions)
    fresh = await premises(sessions, account="3004")  # entered today: not due for a year
    async with sessions() as session:
        for place in listed:  # in service for more than a year, never tested
            (await session.get(Premises, place)).created_at = utcnow() - 400 * DAY
        await session.commit()
    _, supervisor = await add_user(sessions, "supervisor")
    _, operator = await add_user(sessions, "operator")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=supervisor) as client:
        page = await client.get("/console/supervisor/scorecards")
        due = await client.get("/console/supervisor/test-reminders")
        raised = await client.post("/console/supervisor/test-reminders/tasks")
        again = await client.post("/console/supervisor/test-reminders/tasks")
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=operator) as client:
        refused = await client.get("/console/supervisor/test-reminders")
    assert (
        page.status_code == 200
        and 'id="installer-cards"' in page.text
        and "東海セキュリティ施工" in page.text
    )
    assert "施工業者別" in page.text
    # No premises was ever tested end to end: the three in service for over a year are listed, "未実施";
    # the one entered today is not yet due.
    assert due.status_code == 200 and due.text.count("data-premises=") == 3 and "未実施" in due.text
    assert f'data-premises="{fresh}"' not in due.text
    assert all(f'data-premises="{p}"' in due.text for p in listed)
    # Each premises row names the subscriber and the account, not only a number; no nameless column.
    assert "<th></th>" not in page.text and "地域（都道府県・市区町村）" in page.text
    assert re.search(
        r'<td class="premises-who">\d+: [^<]+ <span class="account">\(アカウント 3001\)', page.text
    )
    assert raised.status_code == 303 and again.status_code == 303 and refused.status_code == 403
    async with sessions() as session:
        await process_pending(session=session)
        tasks = list(
            await session.scalars(select(Incident).where(Incident.description == test_reminders.TEST_DUE))
        )
    assert sorted(i.service_type for i in tasks) == ["G", "G", "G"]  # once a month, not twice


def test_a_premises_never_tested_is_due_a_full_interval_after_it_came_into_service() -> None:
    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    year = dt.timedelta(days=365)
    commissioned, entered = now - 10 * DAY, now - 900 * DAY
    # Commissioning first, then the contract's service start, then the day it was entered.
    assert test_reminders.service_began(commissioned, dt.date(2020, 1, 1), entered) == commissioned
    began = test_reminders.service_began(None, dt.date(2026, 6, 1), entered)
    assert began == dt.datetime(2026, 5, 31, 15, tzinfo=dt.UTC)  # Tokyo midnight
    assert test_reminders.service_began(None, None, entered) == entered
    assert not test_reminders.never_tested_due(began, now, year)
    assert test_reminders.never_tested_due(entered, now, year)
    assert test_reminders.never_tested_due(None, now, year)  # nothing known: better listed than missed


async def test_the_contract_start_decides_for_a_premises_entered_long_ago(sessions) -> None:
    old_entry = await premises(sessions, account="3101")
    now = utcnow()
    async with sessions() as session:
        place = await session.get(Premises, old_entry)
        place.created_at = now - 900 * DAY  # entered long ago, but its service began last month
        session.add(
            Contract(
                subscriber_id=place.subscriber_id, premises_id=place.id, plan="rental",
                service_start=(now - 30 * DAY).date(), monthly_fee=4000,
            )
        )  # fmt: skip
        await session.commit()
        assert await test_reminders.due(session=session, now=now, days=365) == []
        later = await test_reminders.due(session=session, now=now + 400 * DAY, days=365)
    assert [p.id for p, tested in later] == [old_entry]
