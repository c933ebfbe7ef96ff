"""The responder's phone view in a real browser, and who may use the dispatch pages and API."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from sqlalchemy import select

from control_center.access.models import User
from control_center.core.settings import Settings
from control_center.incidents.models import Incident
from dispatch.models import Assignment, KeySet, Responder
from simulators.demo.responders import seed_dispatch
from tests.control_center.conftest import System
from tests.helpers import PASSWORD, add_user, eventually

PHONE = {"width": 390, "height": 844}


async def dispatch_ready(sessions, login: str = "takahashi") -> dict[str, str]:
    """Depots and responders seeded; the first responder is ``login``. Returns their Bearer headers."""
    _, headers = await add_user(sessions, "responder", login)
    async with sessions() as session:
        user_id = await session.scalar(select(User.id).where(User.login == login))
        await seed_dispatch(session=session, settings=Settings(_env_file=None), at=dt.datetime.now(dt.UTC),
                            responder_user_id=user_id)  # fmt: skip
    return headers


async def burglary(system: System, sessions) -> int:
    await system.alarm("1001", 130)

    async def opened() -> int | None:
        async with sessions() as session:
            return await session.scalar(select(Incident.id).where(Incident.account == "1001"))

    return await eventually(opened)


async def test_accept_arrive_and_report_on_a_phone(system: System, page, sessions) -> None:
    await dispatch_ready(sessions)
    incident_id = await burglary(system, sessions)
    async with system.client() as operator:  # the operator sends the human responder (id 1), not the nearest
        sent = await operator.post(f"/api/incidents/{incident_id}/assignments", json={"responder_id": 1})
    assert sent.status_code == 201

    await page.set_viewport_size(PHONE)
    # The phone's GPS, allowed for the center's page (every upload was refused with 403 CSRF: issue 17).
    await page.context.grant_permissions(["geolocation"], origin=system.base_url)
    await page.context.set_geolocation({"latitude": 35.1801, "longitude": 136.9102})
    await page.goto(f"{system.base_url}/responder")
    await page.fill("form.login input[name=login]", "takahashi")
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.click("form.login button")
    job = page.locator("section.job")
    await job.wait_for()
    assert "愛知県名古屋市" in await page.inner_text("p.address")
    assert await page.locator("svg.map .map-premises").count() == 1
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scroll

    async def position_received() -> bool:
        async with sessions() as session:
            me = await session.get(Responder, 1)
            return (me.lat, me.lon) == (35.1801, 136.9102)

    await eventually(position_received, timeout=10)  # the first fix, sent and accepted
    assert re.fullmatch(r"tel:(\+81|0)[\d-]+", await page.get_attribute("[data-tel=premises]", "href"))
    assert re.search(r"\b0\d{1,4}-\d{1,4}-\d{4}\b", await page.inner_text("[data-tel=premises]"))  # 0XX-…
    maps = await page.get_attribute("[data-navigation=maps]", "href")
    geo = await page.get_attribute("[data-navigation=geo]", "href")
    assert "destination=35.1" in maps and geo.startswith("geo:35.1")

    await page.locator("tr[data-key-set] button").first.click()  # takes key set 1: the seal is broken
    await page.locator("tr[data-key-state='out']").wait_for()
    assert "第1組" in await page.inner_text("[data-keys-out]")  # to be back before the job is closed
    await page.get_by_role("button", name="受諾する").click()
    await page.locator("[data-status-word]", has_text="受諾済み").wait_for()
    assert await page.get_by_role("button", name="受諾する").count() == 0  # pressed once, gone
    async with sessions() as session:  # the phone is at the premises when the responder arrives
        incident = await session.get(Incident, incident_id)
        await session.refresh(incident, ["premises"])
        there = {"latitude": incident.premises.lat, "longitude": incident.premises.lon}
    for button, state in [("出動する", "en_route"), ("現場到着", "on_site"), ("確認完了", "reporting")]:
        if state == "on_site":
            await page.context.set_geolocation(there)
        await page.get_by_role("button", name=button).click()
        await page.locator(f"section.job[data-responder-status='{state}']").wait_for()
    labels = await page.evaluate(
        """Array.from(document.querySelectorAll('svg.map text')).filter(t => !t.classList.length)
           .map(t => t.getBBox()).map(b => [b.x, b.y, b.x + b.width, b.y + b.height])"""
    )  # on site the responder sits on the premises' point: their labels must not overlap
    assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                   for i, a in enumerate(labels) for b in labels[i + 1 :])  # fmt: skip
    await page.fill("form.report textarea", "窓・扉の施錠を確認。異常なし。")
    await page.screenshot(path="/tmp/responder-view.png", full_page=True)
    await page.click("button[name=file_report]")
    await page.locator("section.idle[data-responder-status='available']").wait_for()
    assert "第1組" in await page.inner_text("[data-flash]")  # the key is still out: said at once
    async with system.client() as operator:  # and the operator's incident page says it too
        await operator.post(f"/console/incidents/{incident_id}/claim")
        console = (await operator.get(f"/console/incidents/{incident_id}")).text
    assert re.search(r"data-keys-out>鍵（第1組）が持出中です", console)

    async with sessions() as session:
        assignment = await session.scalar(select(Assignment))
        incident = await session.get(Incident, incident_id)
        key = await session.scalar(select(KeySet).where(KeySet.state == "out"))
    assert assignment.report == "窓・扉の施錠を確認。異常なし。" and assignment.ended_at is not None
    assert assignment.arrived_at is not None and incident.responder_on_site_at == assignment.arrived_at
    assert key is not None and key.seal_number is None and key.holder_responder_id == 1


async def test_responders_act_only_on_their_own_assignment(system: System, sessions) -> None:
    mine = await dispatch_ready(sessions)
    _, other_headers = await add_user(sessions, "responder", "ito")
    async with sessions() as session:
        other_user = await session.scalar(select(User.id).where(User.login == "ito"))
        (await session.get(Responder, 2)).user_id = other_user
        await session.commit()
    incident_id = await burglary(system, sessions)
    async with (
        system.client() as operator,
        httpx.AsyncClient(base_url=system.base_url, headers=mine) as takahashi,
        httpx.AsyncClient(base_url=system.base_url, headers=other_headers) as ito,
    ):
        created = (
            await operator.post(f"/api/incidents/{incident_id}/assignments", json={"responder_id": 1})
        ).json()
        path = f"/api/responder/assignments/{created['id']}/steps"
        refused = [
            await ito.post(path, json={"action": "accept"}),  # not theirs
            await ito.get(f"/api/incidents/{incident_id}"),  # nor the incident
            await takahashi.post(path, json={"action": "release"}),  # the operator's step
            await takahashi.get(f"/api/incidents/{incident_id}/candidates"),  # the operator's view
            await operator.get("/api/responder/assignment"),  # operators are not responders
        ]
        before = (await takahashi.get("/api/responder/assignment")).json()
        own = await takahashi.post(path, json={"action": "accept"})
        again = await takahashi.post(path, json={"action": "accept"})  # a second press records nothing
        visible = await takahashi.get(f"/api/incidents/{incident_id}")
        mine_now = (await takahashi.get("/api/responder/assignment")).json()
        wrong_order = await takahashi.post(path, json={"action": "report", "note": "x"})
    assert [r.status_code for r in refused] == [403] * 5
    assert own.json() == {"status": "assigned"} and visible.status_code == 200
    assert again.status_code == 409 and again.json()["detail"] == "already accepted"
    assert before["actions"] == ["accept", "en_route"]
    assert mine_now["incident_id"] == incident_id and mine_now["actions"] == ["en_route"]
    assert wrong_order.status_code == 409 and "not possible" in wrong_order.json()["detail"]
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        await session.refresh(incident, ["events"])
    assert [e.kind for e in incident.events].count("responder_accepted") == 1


async def test_the_console_dispatch_form_and_the_coverage_check(system: System, sessions) -> None:
    await dispatch_ready(sessions)
    incident_id = await burglary(system, sessions)
    async with system.client() as operator:
        await operator.post(f"/console/incidents/{incident_id}/claim")
        page = (await operator.get(f"/console/incidents/{incident_id}")).text
        first = page.split('data-candidate="')[1].split('"')[0]
        sent = await operator.post(f"/console/incidents/{incident_id}/dispatch", data={"responder_id": first})
        sent_page = (await operator.get(sent.headers["location"])).text
        again = await operator.post(
            f"/console/incidents/{incident_id}/dispatch", data={"responder_id": first}
        )
        again_page = (await operator.get(again.headers["location"])).text
        sakae = {"address": "愛知県名古屋市中区栄3-1", "lat": 35.168, "lon": 136.908}
        shitara = {"address": "愛知県北設楽郡設楽町田口", "lat": 35.096, "lon": 137.567}
        near = (await operator.get("/api/dispatch/reach", params=sakae)).json()
        remote = (await operator.get("/api/dispatch/reach", params=shitara)).json()
    assert sent.status_code == 303 and 'class="flash error"' not in sent_page
    assert 'class="flash error"' in again_page  # the same responder is no longer available
    # With a responder on the way, nothing is pre-selected and a second one needs the confirmation box.
    candidates = sent_page.split(f'action="/console/incidents/{incident_id}/dispatch"')[1].split("</form>")[0]
    assert 'name="second"' in candidates and "checked" not in candidates
    assert near["within"] and near["warning"] is None and near["depot"] == "栄待機所"
    assert (
        not remote["within"]
        and remote["warning"].startswith("outside coverage")
        and remote["limit_minutes"] == 25
    )


async def test_a_responder_sent_to_a_duress_gets_no_button_to_phone_the_premises(
    system: System, sessions
) -> None:
    mine = await dispatch_ready(sessions)
    await system.alarm("1001", 121)  # duress: someone is being forced to disarm

    async def opened() -> int | None:
        async with sessions() as session:
            return await session.scalar(select(Incident.id).where(Incident.account == "1001"))

    incident_id = await eventually(opened)
    async with (
        system.client() as operator,
        httpx.AsyncClient(base_url=system.base_url, headers=mine) as takahashi,
    ):
        sent = await operator.post(f"/api/incidents/{incident_id}/assignments", json={"responder_id": 1})
        job = await takahashi.get("/responder/assignment")
    assert sent.status_code == 201 and job.status_code == 200
    assert 'data-tel="premises"' not in job.text and 'data-silent="1"' in job.text
