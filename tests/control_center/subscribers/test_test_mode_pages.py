"""Test mode through the API, the page and the command line (both databases): an end is mandatory and at
most 24 h away; hostile input is refused with a 4xx and changes nothing; a flood of signals during a test
is recorded, not worked; the technician sees which zones reported; the subscriber page shows the
installer and the state."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import func, select

from control_center.app import create_app
from control_center.cli import main
from control_center.core.audit import AuditEntry
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings, get_settings
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.subscribers.models import Premises, TestPeriod, TestSignal
from panel_gateway.protocols.contact_id import Qualifier
from tests.control_center.factories import Panel, premises
from tests.helpers import add_user


def client_for(app, headers: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers)


async def periods(sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TestPeriod)) or 0)


async def test_the_api_refuses_a_test_without_a_bounded_end(database_url, sessions) -> None:
    place = await premises(sessions)
    _, operator = await add_user(sessions, "operator")
    _, responder = await add_user(sessions, "responder")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    now = utcnow()
    ok = {"reason": "定期点検", "technician": "東海設備 鈴木"}
    url = f"/api/premises/{place}/test"
    async with client_for(app, operator) as client:
        hostile = [
            ({**ok}, 422),  # no end time at all
            ({**ok, "ends_at": None}, 422),
            ({**ok, "ends_at": (now + dt.timedelta(days=3 * 365)).isoformat()}, 409),  # years away
            ({**ok, "ends_at": (now + dt.timedelta(hours=25)).isoformat()}, 409),
            ({**ok, "ends_at": (now - dt.timedelta(minutes=1)).isoformat()}, 409),  # already over
            ({**ok, "ends_at": "2026-11-22T13:00:00"}, 422),  # no offset: which 13:00?
            ({**ok, "ends_at": "forever"}, 422),
            ({**ok, "ends_at": "9999-12-31T23:59:59+00:00"}, 409),
            ({**ok, "ends_at": (now + dt.timedelta(hours=1)).isoformat(), "zones": [0]}, 409),
            ({**ok, "ends_at": (now + dt.timedelta(hours=1)).isoformat(), "zones": [2**63]}, 409),
            ({**ok, "ends_at": (now + dt.timedelta(hours=1)).isoformat(), "zones": list(range(1, 200))}, 422),
            ({"ends_at": (now + dt.timedelta(hours=1)).isoformat(), "reason": "", "technician": ""}, 422),
            (
                {
                    **ok,
                    "ends_at": (now + dt.timedelta(hours=1)).isoformat(),
                    "reason": " ",
                    "technician": " ",
                },
                409,
            ),
        ]
        for body, status in hostile:
            answer = await client.post(url, json=body)
            assert answer.status_code == status, (body, answer.text)
        assert (
            await client.post(
                "/api/premises/999999/test", json={**ok, "ends_at": (now + dt.timedelta(hours=1)).isoformat()}
            )
        ).status_code == 404
        assert await periods(sessions) == 0
        made = await client.post(
            url, json={**ok, "ends_at": (now + dt.timedelta(hours=2)).isoformat(), "zones": [5]}
        )
        assert made.status_code == 201, made.text
        state = (await client.get(url)).json()
    async with client_for(app, responder) as client:
        assert (
            await client.post(url, json={**ok, "ends_at": (now + dt.timedelta(hours=1)).isoformat()})
        ).status_code == 403
    assert state["on_test"] and state["tests"][0]["zones"] == [5] and state["status"] == "active"
    async with sessions() as session:
        audit = list(
            await session.scalars(select(AuditEntry.detail).where(AuditEntry.subject == f"premises:{place}"))
        )
    assert any(d.startswith("on test until") and "東海設備 鈴木" in d for d in audit)


async def test_a_flood_during_a_test_is_recorded_and_the_page_shows_the_zones(database_url, sessions) -> None:
    place = await premises(sessions)
    _, operator = await add_user(sessions, "operator")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    async with client_for(app, operator) as client:
        page = await client.get(f"/console/premises/{place}/test")
        assert page.status_code == 200 and 'id="not-on-test"' in page.text
        # The form: no end → refused on the page, nothing recorded.
        refused = await client.post(
            f"/console/premises/{place}/test", data={"technician": "鈴木", "reason": "点検"}
        )
        assert refused.status_code == 303 and await periods(sessions) == 0
        assert "終了日時が必要です" in (await client.get(refused.headers["location"])).text
        end = (utcnow() + dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=9)))
        made = await client.post(
            f"/console/premises/{place}/test",
            data={
                "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
                "zones": "",
                "technician": "鈴木",
                "reason": "点検",
            },
        )
        assert made.status_code == 303 and await periods(sessions) == 1
        panel = Panel(sessions)
        at = utcnow()
        for i in range(60):  # a flooding panel: every zone alarms and restores, twice
            zone = 1 + i % 30
            await panel.send(130, at, Qualifier.NEW if i < 30 else Qualifier.RESTORE, zone=zone)
        async with sessions() as session:
            await process_pending(session=session, now=utcnow())
            incidents = await session.scalar(select(func.count()).select_from(Incident))
            recorded = await session.scalar(select(func.count()).select_from(TestSignal))
            open_signals = await session.scalar(select(func.count()).where(Signal.processed_at.is_(None)))
        assert (incidents, recorded, open_signals) == (0, 60, 0)
        page = await client.get(f"/console/premises/{place}/test")
        assert 'id="on-test"' in page.text and page.text.count('data-tested="1"') == 30
        async with sessions() as session:
            row = await session.get(Premises, place)
            row.installer = "東海セキュリティ施工 鈴木"
            subscriber_id = row.subscriber_id
            await session.commit()
        subscriber = (await client.get(f"/console/subscribers/{subscriber_id}")).text
        assert (
            "東海セキュリティ施工 鈴木" in subscriber
            and f'href="/console/premises/{place}/test"' in subscriber
        )
        assert 'data-status="active"' in subscriber
        ended = await client.post(f"/console/premises/{place}/test/end")
        assert ended.status_code == 303
        assert 'id="not-on-test"' in (await client.get(f"/console/premises/{place}/test")).text


def test_the_command_line_configures_commissions_and_tests(
    database_url: str, sessions, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CC_DATABASE_URL", database_url)
    get_settings.cache_clear()

    async def seed() -> int:
        engine = create_engine(database_url)
        place = await premises(session_factory(engine), account="4001")
        await engine.dispose()
        return place

    async def state(place: int) -> tuple[str, str | None]:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            row = await session.get(Premises, place)
            result = (row.status, row.installer)
        await engine.dispose()
        return result

    try:
        place = asyncio.run(seed())
        assert main(["panels", "commission", "4001"]) == 2  # no zones configured yet
        assert main(["panels", "zones", "4001", "1:玄関,x"]) == 2
        assert main(["panels", "zones", "4001", "1:玄関,5:火災感知器"]) == 0
        assert main(["panels", "commission", "4001"]) == 0
        assert "zone   5  ----- -------  waiting  火災感知器" in capsys.readouterr().out
        assert main(["panels", "installer", "4001", "東海セキュリティ施工 鈴木"]) == 0
        assert asyncio.run(state(place)) == ("commissioning", "東海セキュリティ施工 鈴木")
        assert (
            main(["panels", "test", "4001", "--hours", "100000", "--technician", "鈴木", "--reason", "x"])
            == 2
        )
        assert (
            main(["panels", "test", "4001", "--until", "2099-01-01", "--technician", "鈴木", "--reason", "x"])
            == 2
        )
        assert main(["panels", "test", "4001", "--hours", "2", "--zones", "5", "--technician", "鈴木",
                     "--reason", "火災感知器交換"]) == 0  # fmt: skip
        assert main(["panels", "test-end", "4001"]) == 0
        assert main(["panels", "test", "nope", "--hours", "1", "--technician", "a", "--reason", "b"]) == 2
        capsys.readouterr()
        # Without a technician and a reason: a sentence saying what to give, and nothing put on test.
        assert main(["panels", "test", "4001", "--hours", "1"]) == 2
        said = capsys.readouterr().err
        assert (
            "--technician NAME (who is on site)" in said and "--reason TEXT" in said and "usage:" not in said
        )
        assert main(["panels", "test", "4001", "--technician", "  ", "--reason", "x"]) == 2
        said = capsys.readouterr().err
        assert "--hours HOURS or --until WHEN" in said and "--technician NAME" in said
    finally:
        get_settings.cache_clear()


async def test_the_page_of_a_premises_in_commissioning_says_so_and_reads_each_zone(
    database_url, sessions
) -> None:
    """In commissioning the page does not also claim 「点検中ではありません」 (every signal worked): it
    says the signals are recorded; the zone column is the zone's name (名称); each zone's result reads
    plainly."""
    from tests.control_center.subscribers.test_commissioning import BURGLARY, FIRE, T0, in_commissioning, send

    place = await in_commissioning(sessions, "1:玄関,5:火災感知器,7:勝手口")
    panel = Panel(sessions)
    await send(sessions, panel, BURGLARY, T0 + dt.timedelta(minutes=1), zone=1)
    await send(sessions, panel, BURGLARY, T0 + dt.timedelta(minutes=2), zone=1, restore=True)
    await send(sessions, panel, FIRE, T0 + dt.timedelta(minutes=3), zone=5)
    _, operator = await add_user(sessions, "operator")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    async with client_for(app, operator) as client:
        page = (await client.get(f"/console/premises/{place}/test")).text
    assert 'id="not-on-test"' not in page and "点検中ではありません" not in page
    assert 'id="commissioning-note"' in page and "試験結果として記録" in page
    assert "<th>名称</th>" in page and "氏名" not in page and "<strong>未受信</strong>" not in page
    results = dict(re.findall(r'<tr data-zone="(\d+)".*?data-result="([a-z_]+)">', page))
    assert results == {"1": "tested", "5": "alarm_only", "7": "untested"}
    assert "発報・復旧とも受信" in page and "発報受信・復旧未受信" in page and "未試験" in page
