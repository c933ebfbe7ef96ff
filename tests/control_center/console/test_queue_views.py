"""The queue and the alert fragments over HTTP: grouping, filters (and bad ones), the assignee's name, and
which incidents the new-alarm banner carries."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select, update

from control_center.access.models import User
from control_center.incidents.models import Incident
from tests.control_center.conftest import System
from tests.helpers import eventually


async def open_incidents(sessions, n: int) -> list[Incident] | None:
    async with sessions() as session:
        rows = list(await session.scalars(select(Incident).order_by(Incident.id)))
    return rows if len(rows) >= n else None


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr id="q-([^"]+)"', html)


async def test_two_signals_of_one_premises_make_one_row_with_the_fire_on_top(
    system: System, sessions
) -> None:
    await system.alarm("1001", 130)  # burglary
    await system.alarm("1001", 110)  # then a fire at the same house
    await system.alarm("1002", 130)  # a burglary elsewhere
    rows = await eventually(lambda: open_incidents(sessions, 3))
    (fire,) = [i for i in rows if i.service_type == "B"]
    (burglary,) = [i for i in rows if i.account == "1001" and i.service_type == "A"]
    (other,) = [i for i in rows if i.account == "1002"]
    async with system.client() as client:
        html = (await client.get("/console/queue")).text
    assert 'data-count="3"' in html and 'data-rows="2"' in html
    assert row_ids(html) == [f"p{fire.premises_id}", f"p{other.premises_id}"]
    head = html.split(f'id="q-p{fire.premises_id}"')[1].split("</tr>")[0]
    assert f'data-incident="{fire.id}"' in head and 'data-group-count="2"' in head
    assert f'<li data-incident="{burglary.id}"' in head  # the burglary listed under the fire
    assert "▲ P1" in head  # the priority in shape and number, not colour alone


async def test_filters_by_service_and_priority_and_refuses_unknown_ones(system: System, sessions) -> None:
    await system.alarm("1001", 130)  # A, P2
    await system.alarm("1002", 302)  # G, P4
    await system.alarm("1003", 110)  # B, P1
    await eventually(lambda: open_incidents(sessions, 3))
    async with system.client() as client:
        fires = (await client.get("/console/queue", params={"service": "B"})).text
        two = (await client.get("/console/queue", params=[("service", "A"), ("service", "G")])).text
        urgent = (await client.get("/console/queue", params=[("priority", "1"), ("priority", "2")])).text
        none = (await client.get("/console/queue", params={"service": "B", "priority": "4"})).text
        page = (await client.get("/console", params={"service": "B"})).text
        bad = await client.get("/console/queue", params={"service": "Z"})
        worse = await client.get("/console/queue", params={"priority": "1; drop table"})
        browser = await client.get("/console", params={"service": "火災"}, headers={"Accept": "text/html"})
    assert re.findall(r'data-service="(\w)" data-priority', fires) == ["B"]
    assert re.findall(r'data-service="(\w)" data-priority', two) == ["A", "G"]
    assert re.findall(r'data-service="(\w)" data-priority', urgent) == ["B", "A"]
    assert 'data-count="0"' in none
    assert re.search(r'name="service" value="B" checked', page)  # the page opens with the URL's filter
    assert (bad.status_code, worse.status_code) == (400, 400)
    assert "Unknown service or priority" in bad.json()["detail"]
    assert browser.status_code == 400 and "キューの絞り込みに不明なサービスまたは優先度" in browser.text


async def test_assigned_to_shows_the_operators_name_not_the_login(system: System, sessions) -> None:
    await system.alarm("1001", 130)
    (incident,) = await eventually(lambda: open_incidents(sessions, 1))
    async with sessions() as session:
        await session.execute(update(User).where(User.login == "op-api").values(name="佐藤 花子"))
        await session.commit()
    async with system.client() as client:
        assert (await client.post(f"/console/incidents/{incident.id}/claim")).status_code == 303
        html = (await client.get("/console/queue")).text
    cell = html.split('class="assignee">')[1].split("</td>")[0]
    assert "佐藤 花子" in cell and "op-api" not in cell
    assert 'data-sla="claimed"' in html and "data-sla-warn" not in html  # claimed: out of the SLA


async def alerts(client: httpx.AsyncClient) -> list[int]:
    html = (await client.get("/console/alerts")).text
    return [int(i) for i in re.findall(r'data-alert-incident="(\d+)"', html)]


async def test_the_alert_carries_open_unclaimed_p1_and_p2_only(system: System, sessions) -> None:
    async with system.client() as client:
        assert await alerts(client) == []  # an empty center: nothing to say
        await system.alarm("1001", 130)  # A, P2
        (burglary,) = await eventually(lambda: open_incidents(sessions, 1))
        assert await alerts(client) == [burglary.id]  # a fresh workstation hears of it too
        await system.alarm("1002", 302)  # G, P4: the queue shows it, no alarm
        await system.alarm("1003", 110)  # B, P1
        rows = await eventually(lambda: open_incidents(sessions, 3))
        (fire,) = [i for i in rows if i.service_type == "B"]
        assert await alerts(client) == [fire.id, burglary.id]  # newest first, the trouble not at all
        assert (await client.post(f"/console/incidents/{fire.id}/claim")).status_code == 303
        assert await alerts(client) == [burglary.id]  # someone took it: it leaves the banner
        html = (await client.get("/console/alerts")).text
    assert "【新着 防犯】" in html or "【New Burglary】" in html
    (key,) = re.findall(r'data-alert-key="([^"]+)"', html)
    assert key.startswith(f"{burglary.id}@")  # id and time: a database started afresh reuses ids
