"""In the browser: the operator reads the 119 script, sends the hand-off by data link, and the agency's
replies appear on the incident's timeline without a reload — the first from the demo's recording agency
on its schedule, the rest posted by the test as the agency's system, signed with the shared secret."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.core.db import utcnow
from control_center.incidents import flows
from control_center.incidents.models import Incident
from dispatch import asap, psap
from tests.control_center.conftest import System, running_system
from tests.control_center.console.test_console_browser import sign_in

SECRET = "browser-test-shared-secret-0123456789"


@pytest.fixture
async def agency_system(database_url: str, sessions, monkeypatch) -> AsyncIterator[System]:
    monkeypatch.setenv("CC_PSAP_REPLY_SECRET", SECRET)  # the agency and the center share it
    async with running_system(database_url, sessions) as running:
        yield running


async def test_the_119_script_and_the_replies_on_the_live_timeline(
    agency_system: System, page, sessions, tmp_path
) -> None:
    system = agency_system
    await system.alarm("1003", 110)  # a fire: the plan asks for the fire department
    await sign_in(page, system, sessions, "sato")
    incident_id = None
    for _ in range(100):
        async with sessions() as session:
            incident_id = await session.scalar(select(Incident.id))
        if incident_id:
            break
        await page.wait_for_timeout(100)
    assert incident_id is not None
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="sato", at=utcnow())
        await flows.record_outcome(  # the premises confirms the fire: 119
            session=session, incident_id=incident_id, operator="sato", outcome=Outcome.CONFIRMED, at=utcnow()
        )
    await page.goto(f"{system.base_url}/console/incidents/{incident_id}")
    fire = page.locator("article.handoff[data-agency='fire_dept']")
    script = await fire.locator("ol.handoff-script").inner_text()
    assert "住所は" in script and "北緯" in script and "警報レベル" in script and "折り返しの連絡先" in script

    await fire.get_by_role("button", name="データで通報").click()
    # the recording agency accepts a few seconds later: the section and the timeline follow live
    await page.locator("article.handoff[data-agency='fire_dept'][data-handoff-status='accepted']").wait_for(
        timeout=15_000
    )
    await page.locator("tr[data-event='agency_reply']").first.wait_for(timeout=5_000)
    href = await page.locator("#handoff-document-fire_dept").get_attribute("href")
    document = await (await page.request.get(f"{system.base_url}{href}")).body()
    assert asap.errors(document) == []  # the message as sent, valid against the schema
    ns = f"{{{asap.NS}}}"
    message_id = fromstring(document).findtext(f"{ns}MessageID")
    async with httpx.AsyncClient(base_url=system.base_url) as agency:
        for n, status in enumerate(("dispatched", "arrived", "closed")):
            body = asap.status_update(
                message_id=f"cad-reply-{n:04d}", referenced=message_id, incident_id=incident_id,
                at=utcnow() - dt.timedelta(seconds=1), status=status,
            )  # fmt: skip
            headers = psap.signed_headers(SECRET.encode(), body, utcnow())
            answer = await agency.post("/api/agency/replies", content=body, headers=headers)
            assert answer.status_code == 200, answer.text
    await page.locator("article.handoff[data-handoff-status='closed']").wait_for(timeout=10_000)
    await page.locator("tr[data-event='agency_reply']").nth(3).wait_for(timeout=10_000)
    record = await page.inner_text("#incident-record")
    for shown in ("関係機関（データ連携）", "受理", "出動", "現場到着", "事案終了"):
        assert shown in record, shown
    assert re.search(r"消防.*受理", record)
    await page.screenshot(path=str(tmp_path / "handoff.png"), full_page=True)
