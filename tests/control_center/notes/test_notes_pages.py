"""Notes and the premises panel through the running app (SQLite and PostgreSQL): the API, the console's
form with its messages, the live fragment, the handover page and the supervisor's figures; hostile note text
is shown as text everywhere."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from control_center.incidents.models import Incident, IncidentEvent
from control_center.subscribers.models import Device, PanelAccount
from dispatch.models import Depot, DispatchNote, Responder
from tests.control_center.conftest import System
from tests.helpers import add_user, eventually

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">&amp;'


async def opened(system: System, sessions, account: str = "1001", code: int = 130) -> int:
    await system.alarm(account, code)

    async def found() -> int | None:
        async with sessions() as session:
            return await session.scalar(select(Incident.id).where(Incident.account == account))

    return await eventually(found)


async def test_the_api_adds_and_lists_notes_newest_first_with_the_authors_name(
    system: System, sessions
) -> None:
    incident_id = await opened(system, sessions)
    async with system.client() as client:
        first = await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "  家族に連絡済み  "})
        second = await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "鍵は持出中"})
        listed = await client.get(f"/api/incidents/{incident_id}/notes")
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["body"] == "家族に連絡済み" and first.json()["author"] == "op-api"
    assert first.json()["author_name"] == "op-api"  # tests.helpers names users after their login
    assert [n["body"] for n in listed.json()] == ["鍵は持出中", "家族に連絡済み"]


async def test_the_api_refuses_empty_over_long_and_unknown_with_a_message(system: System, sessions) -> None:
    incident_id = await opened(system, sessions)
    async with system.client() as client:
        empty = await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "   "})
        long = await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "x" * 2001})
        huge = await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "x" * 50_000})
        nowhere = await client.post("/api/incidents/999999/notes", json={"body": "x"})
        listed = await client.get(f"/api/incidents/{incident_id}/notes")
    assert empty.status_code == 422 and empty.json()["detail"] == "a note needs some text"
    assert long.status_code == 422 and "2000" in long.json()["detail"]
    assert huge.status_code == 422
    assert nowhere.status_code == 404
    assert listed.json() == []


async def test_a_responder_may_not_read_or_write_notes(system: System, sessions) -> None:
    incident_id = await opened(system, sessions)
    _, responder = await add_user(sessions, "responder", "kimura")
    async with httpx.AsyncClient(base_url=system.base_url, headers=responder) as client:
        assert (await client.get(f"/api/incidents/{incident_id}/notes")).status_code == 403
        refused = await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "x"})
    assert refused.status_code == 403


async def test_hostile_note_text_is_escaped_on_every_page(system: System, sessions) -> None:
    incident_id = await opened(system, sessions)
    async with system.client() as client:
        assert (
            await client.post(f"/api/incidents/{incident_id}/notes", json={"body": HOSTILE})
        ).status_code == 201
        pages = [
            await client.get(f"/console/incidents/{incident_id}/notes"),
            await client.get(f"/console/incidents/{incident_id}"),  # the page with its premises panel
            await client.get("/console/handover"),
        ]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=" in page.text
        assert "&amp;amp;" in page.text  # the text's own entity is shown, not interpreted


async def test_the_form_returns_to_the_page_saying_what_came_of_it(system: System, sessions) -> None:
    incident_id = await opened(system, sessions)
    page = f"/console/incidents/{incident_id}"
    async with system.client(follow_redirects=False) as client:
        empty = await client.post(f"{page}/notes", data={"body": " "})
        assert empty.status_code == 303 and empty.headers["location"] == f"{page}#notes"
        shown = await client.get(page, headers={"Accept-Language": "ja"})
        assert "メモ" in shown.text and "data-flash" in shown.text
        too_long = await client.post(f"{page}/notes", data={"body": "あ" * 2001})
        assert too_long.status_code == 303
        said = await client.get(page)
        assert "2000" in said.text and 'class="flash error"' in said.text
        added = await client.post(f"{page}/notes", data={"body": "警察へ通報済み"})
        assert added.status_code == 303 and added.headers["location"] == f"{page}#notes"
        fragment = await client.get(f"{page}/notes")
    assert "警察へ通報済み" in fragment.text and 'data-note-count="1"' in fragment.text
    assert "op-api" in fragment.text  # the author's name (the login when no other name is on file)


async def test_the_premises_panel_shows_zones_instructions_history_contacts_and_a_described_map(
    system: System, sessions
) -> None:
    incident_id = await opened(system, sessions)
    async with sessions() as session:
        premises_id = await session.scalar(
            select(PanelAccount.premises_id).where(PanelAccount.account == "1001")
        )
        session.add(
            Device(premises_id=premises_id, zone=3, name="居間の窓センサー", response_type="respond_notify")
        )
        session.add(DispatchNote(premises_id=premises_id, pets="猫2匹", no_entry_rooms="2階奥の和室"))
        depot = Depot(name="栄待機所", prefecture="愛知県", area="名古屋市中区", lat=35.169, lon=136.908)
        session.add(Responder(name="木村 一郎", depot=depot, lat=35.171, lon=136.905))
        past = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
        session.add(
            Incident(
                premises_id=premises_id, account="1001", service_type="B", priority=1, description="fire",
                opened_at=past, last_signal_at=past, closed_at=past, status="resolved", outcome="false_alarm",
            )
        )  # fmt: skip
        await session.commit()
    async with system.client() as client:
        panel = (
            await client.get(f"/console/incidents/{incident_id}", headers={"Accept-Language": "ja"})
        ).text
    assert "居間の窓センサー" in panel and 'data-zone="3"' in panel
    assert "猫2匹" in panel and "2階奥の和室" in panel
    assert "data-past=" in panel  # last year's fire, with its outcome
    assert "<svg" in panel and "<title" in panel and "<desc" in panel
    assert 'data-map-source="demo"' in panel and 'data-map-place="depot"' in panel
    assert "栄待機所" in panel and "木村 一郎" in panel  # the depot and the free responder nearby, named
    assert "+81" not in panel  # phone numbers in domestic form
    assert 'id="notes"' in panel and f'hx-get="/console/incidents/{incident_id}/notes"' in panel


async def test_the_handover_page_lists_each_operators_open_incidents_with_the_last_notes(
    system: System, sessions
) -> None:
    incident_id = await opened(system, sessions)
    async with system.client() as client:
        assert (await client.post(f"/console/incidents/{incident_id}/claim")).status_code in (200, 303)
        await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "次の勤務で家族に再連絡"})
        page = await client.get("/console/handover", headers={"Accept-Language": "ja"})
    assert page.status_code == 200
    assert 'data-operator="op-api"' in page.text and f'data-incident="{incident_id}"' in page.text
    assert "次の勤務で家族に再連絡" in page.text


async def test_the_supervisor_sees_figures_per_operator_by_name(system: System, sessions) -> None:
    incident_id = await opened(system, sessions)
    _, supervisor = await add_user(sessions, "supervisor", "boss")
    async with system.client() as client:
        await client.post(f"/console/incidents/{incident_id}/claim")
        await client.post(f"/api/incidents/{incident_id}/notes", json={"body": "確認中"})
    async with httpx.AsyncClient(base_url=system.base_url, headers=supervisor) as client:
        figures = (await client.get("/console/supervisor/figures")).text
    row = figures.split('data-operator="op-api"')[1].split("</tr>")[0]
    assert (
        "<td data-claimed>1</td>" in row and "<td data-open>1</td>" in row and "<td data-notes>1</td>" in row
    )


async def test_the_panel_renders_inline_when_the_incident_page_gives_it_its_context(
    system: System, sessions
) -> None:
    """What the incident page shows once its route passes ``panel`` (no second request, no loading line)."""
    from control_center.console.premises_panel import premises_panel_context
    from control_center.core.settings import Settings
    from control_center.incidents import flows
    from control_center.notes import service
    from control_center.web.rendering import environment

    incident_id = await opened(system, sessions)
    async with sessions() as session:
        await service.add(
            session=session, incident_id=incident_id, author="x", body=HOSTILE, at=dt.datetime.now(dt.UTC)
        )
        incident = await flows.load(session=session, incident_id=incident_id)
        panel = await premises_panel_context(
            session=session, incident=incident, settings=Settings(_env_file=None)
        )
    html = (
        environment("ja")
        .get_template("_premises_panel.html")
        .render(incident=incident, call_list=[], panel=panel, principal=None, csrf_token="")
    )
    assert 'id="premises-panel"' in html and "物件情報を読み込み中" not in html
    assert "<svg" in html and "data-note=" in html
    assert "&lt;script&gt;alert(1)" in html and "<script>alert(1)" not in html


async def test_an_operator_hands_their_open_incidents_to_the_next_shift(system: System, sessions) -> None:
    """The outgoing operator (or a supervisor) hands over; each incident records the reassignment."""
    first, second = await opened(system, sessions, "1001"), await opened(system, sessions, "1002", 110)
    await add_user(sessions, "operator", "yoshida")  # the next shift
    _, intruder = await add_user(sessions, "operator", "mori")
    async with system.client(follow_redirects=False) as client:
        for incident_id in (first, second):
            await client.post(f"/console/incidents/{incident_id}/claim")
    async with httpx.AsyncClient(
        base_url=system.base_url, headers=intruder, follow_redirects=False
    ) as client:
        refused = await client.post("/console/handover", data={"from_operator": "op-api", "to": "mori"})
        assert refused.status_code == 303
        assert "担当の管制員本人か監督者だけ" in (await client.get("/console/handover")).text
    async with system.client(follow_redirects=False) as client:
        nobody = await client.post("/console/handover", data={"from_operator": "op-api", "to": "ghost"})
        assert nobody.status_code == 303
        assert "ghost は有効な管制員・監督者ではありません" in (await client.get("/console/handover")).text
        done = await client.post("/console/handover", data={"from_operator": "op-api", "to": "yoshida"})
        assert done.status_code == 303
        assert "2 件の事案を yoshida さんに引き継ぎました" in (await client.get("/console/handover")).text
    async with sessions() as session:
        rows = list(await session.scalars(select(Incident).where(Incident.id.in_((first, second)))))
        events = list(await session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "reassigned")))
    assert {i.claimed_by for i in rows} == {"yoshida"}
    assert sorted(e.incident_id for e in events) == [first, second]
    assert {e.actor for e in events} == {"op-api"}
