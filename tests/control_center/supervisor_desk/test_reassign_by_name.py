"""The supervisor hands an incident over by choosing a person by name; the pages then show that name."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select, update

from control_center.access.models import User
from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents.models import Incident
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import alarms
from tests.helpers import add_user


@pytest.fixture
async def supervisor(database_url: str, sessions):
    await premises(sessions, account="6101")
    await alarms(sessions, (130, "6101"))
    _, headers = await add_user(sessions, "supervisor", "kimura")
    for role, login in (("operator", "sato"), ("operator", "ito"), ("responder", "takahashi")):
        await add_user(sessions, role, login)
    names = {"kimura": "木村 一郎", "sato": "佐藤 花子", "ito": "伊藤 次郎", "takahashi": "高橋 三郎"}
    async with sessions() as session:
        for login, name in names.items():
            await session.execute(update(User).where(User.login == login).values(name=name))
        await session.execute(update(User).where(User.login == "ito").values(active=False))
        await session.commit()
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as client:
        yield client


def options(html: str, incident_id: int) -> dict[str, str]:
    select_html = html.split(f'id="reassign-{incident_id}"')[1].split("</select>")[0]
    return dict(re.findall(r'<option value="([^"]+)">([^<]+)</option>', select_html))


async def test_the_form_lists_the_active_operators_and_supervisors_by_name(supervisor, sessions) -> None:
    page = (await supervisor.get("/console/supervisor")).text
    # Who may take an incident: no responder, nobody deactivated; the login only as the value sent.
    assert options(page, 1) == {"kimura": "木村 一郎", "sato": "佐藤 花子"}


async def test_reassigning_through_the_form_shows_the_name_on_both_pages(supervisor, sessions) -> None:
    sent = await supervisor.post("/console/supervisor/reassign", data={"incident_id": "1", "to": "sato"})
    page = (await supervisor.get(sent.headers["location"])).text
    incident_page = (await supervisor.get("/console/incidents/1")).text
    async with sessions() as session:
        incident = await session.scalar(select(Incident).where(Incident.id == 1))
    assert sent.status_code == 303 and incident.claimed_by == "sato"
    row = page.split('id="open-1"')[1].split("</tr>")[0]
    assert re.search(r"<td><span title=\"sato\">佐藤 花子</span></td>", row)  # the operator column
    facts = incident_page.split('data-claimed-by="sato"')[1].split("</dd>")[0]
    assert "佐藤 花子" in facts and ">sato<" not in facts


async def test_an_unknown_person_gets_a_japanese_refusal_and_nothing_changes(supervisor, sessions) -> None:
    refused = await supervisor.post("/console/supervisor/reassign", data={"incident_id": "1", "to": "佐藤"})
    page = (await supervisor.get(refused.headers["location"])).text
    inactive = await supervisor.post("/console/supervisor/reassign", data={"incident_id": "1", "to": "ito"})
    async with sessions() as session:
        incident = await session.scalar(select(Incident).where(Incident.id == 1))
    assert refused.status_code == 303 and inactive.status_code == 303
    assert "佐藤 は有効な管制員・監督者ではありません" in page and 'role="alert"' in page
    assert "is not an active operator" not in page
    assert incident.claimed_by is None
