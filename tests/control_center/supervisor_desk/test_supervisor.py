"""The supervisor's figures, reassignment, disaster-mode bulk handling and the legal record."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from control_center.core.audit import AuditEntry
from control_center.incidents import flows
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.supervisor_desk import service as sv
from tests.control_center.factories import Panel, premises
from tests.helpers import add_user

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
M = dt.timedelta(minutes=1)


async def alarms(sessions, *codes_accounts: tuple[int, str], at: dt.datetime = T0) -> list[int]:
    for code, account in codes_accounts:
        await Panel(sessions, account).send(code, at)
    async with sessions() as session:
        await process_pending(session=session, now=at)
        return list(await session.scalars(select(Incident.id).order_by(Incident.id)))


async def test_time_to_first_claim_and_reassignment(sessions) -> None:
    await premises(sessions, account="3001")
    await premises(sessions, account="3002")
    first, second = await alarms(sessions, (130, "3001"), (110, "3002"))
    async with sessions() as session:
        await flows.claim(
            session=session, incident_id=first, operator="suzuki", at=T0 + 30 * dt.timedelta(seconds=1)
        )
        await flows.claim(
            session=session, incident_id=second, operator="suzuki", at=T0 + 90 * dt.timedelta(seconds=1)
        )
        await flows.reassign(
            session=session, incident_id=second, to="tanaka", supervisor="chief", at=T0 + 2 * M
        )
        figures = await sv.figures(session=session, now=T0 + 3 * M)
    assert (figures.claim_seconds_median, figures.claim_seconds_max) == (60.0, 90.0)
    assert figures.by_operator == {"suzuki": 1, "tanaka": 1} and figures.unclaimed == 0


async def test_disaster_mode_closes_power_losses_in_an_area_with_one_audited_action(sessions) -> None:
    for account in ("4001", "4002"):
        await premises(sessions, account=account)
    ids = await alarms(sessions, (301, "4001"), (301, "4002"), (110, "4001"))
    async with sessions() as session:
        with pytest.raises(ValueError, match="never closed in bulk"):
            await sv.bulk_close(
                session=session,
                supervisor="chief",
                services={"B", "G"},
                description=None,
                area=sv.Area(address_contains="名古屋市"),
                reason="地震",
                at=T0 + M,
            )
        closed = await sv.bulk_close(
            session=session,
            supervisor="chief",
            services={"G"},
            description="AC power loss",
            area=sv.Area(lat=35.17, lon=136.90, radius_km=2),
            reason="地震による停電",
            at=T0 + M,
        )
        entries = list(await session.scalars(select(AuditEntry)))
    async with sessions() as session:
        rows = {i.id: i for i in await session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    assert sorted(closed) == sorted(i for i in ids if rows[i].service_type == "G")
    fire = next(i for i in rows.values() if i.service_type == "B")
    assert len(closed) == 2 and fire.closed_at is None
    assert len(entries) == 1 and "closed 2" in entries[0].detail and entries[0].actor == "chief"


async def test_supervisor_page_and_api(database_url: str, sessions) -> None:
    from control_center.app import create_app
    from control_center.core.hub import Hub
    from control_center.core.settings import Settings

    await premises(sessions, account="6001")
    await alarms(sessions, (130, "6001"))
    _, supervisor = await add_user(sessions, "supervisor", "sato")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=supervisor) as client:
        page = await client.get("/console/supervisor")
        figures = (await client.get("/api/supervisor/figures")).json()
        csv_response = await client.get("/api/records.csv", params={"from": "2026-11-22", "to": "2026-11-22"})
        bad = await client.get("/api/records.csv", params={"from": "2026-11-22", "to": "2026-11-01"})
        incident_page = await client.get("/console/incidents/1")
    assert page.status_code == 200 and "災害モード" in page.text
    assert figures["unclaimed"] == 1
    assert (
        csv_response.headers["content-type"].startswith("text/csv")
        and "6001" not in csv_response.text.split("\n")[0]
    )
    assert bad.status_code == 422
    assert incident_page.status_code == 200
    async with sessions() as session:
        views = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "view")))
    assert [(v.actor, v.subject) for v in views] == [("sato", "subscriber:1")]


async def test_disaster_mode_previews_in_the_queues_words_closes_only_what_was_seen_and_can_be_undone(
    database_url: str, sessions
) -> None:
    """Typing 機器異常 as the queue shows it closed nothing, and 3 incidents went at once with no preview,
    confirmation or undo (issue 17). Now the event is chosen from what the queue shows, in Japanese, the
    matches are listed with their count, only those are closed, and the close can be undone."""
    from control_center.app import create_app
    from control_center.core.hub import Hub
    from control_center.core.settings import Settings

    for account in ("7001", "7002", "7003"):
        await premises(sessions, account=account)
    await alarms(sessions, (301, "7001"), (301, "7002"), (110, "7001"))
    _, supervisor = await add_user(sessions, "supervisor", "sato")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    form = {"services": ["G"], "description": "AC power loss", "address_contains": "名古屋市",
            "reason": "地震"}  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=supervisor) as client:  # fmt: skip
        page = (await client.get("/console/supervisor")).text
        preview = await client.post("/console/supervisor/bulk/preview", data=form)
        seen = [int(x.split('"')[0]) for x in preview.text.split('name="previewed" value="')[1:]]
        await alarms(sessions, (301, "7003"), at=T0 + M)  # arrives after the preview
        confirmed = form | {"previewed": seen, "confirm": "on"}
        closed = await client.post("/console/supervisor/bulk", data=confirmed)
        after = await client.get(closed.headers["location"])
        undo_ids = [int(x.split('"')[0]) for x in after.text.split('name="ids" value="')[1:]]
        undone = await client.post("/console/supervisor/bulk/undo", data={"ids": undo_ids})
    assert '<option value="AC power loss">停電</option>' in page
    assert "該当する事案：2件" in preview.text and len(seen) == 2
    assert closed.status_code == 303 and sorted(undo_ids) == sorted(seen)
    assert undone.status_code == 303
    async with sessions() as session:
        rows = list(await session.scalars(select(Incident).order_by(Incident.id)))
    still_open = sorted(i.account for i in rows if i.closed_at is None and i.service_type == "G")
    assert still_open == ["7001", "7002", "7003"]  # two reopened by the undo, the late one never closed


async def test_a_bulk_close_is_undone_only_within_its_window(sessions) -> None:
    await premises(sessions, account="7101")
    (incident_id,) = await alarms(sessions, (301, "7101"))
    area = sv.Area(address_contains="名古屋市")
    async with sessions() as session:
        closed = await sv.bulk_close(session=session, supervisor="chief", services={"G"}, description=None,
                                     area=area, reason="地震", at=T0 + M)  # fmt: skip
        late = await sv.bulk_undo(session=session, supervisor="chief", ids=set(closed), at=T0 + 17 * M)
        in_time = await sv.bulk_undo(session=session, supervisor="chief", ids=set(closed), at=T0 + 10 * M)
    assert closed == [incident_id] and late == [] and in_time == [incident_id]
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
    assert incident.closed_at is None and incident.open_key is not None
    assert [e.kind for e in incident.events][-2:] == ["closed", "bulk_undone"]
