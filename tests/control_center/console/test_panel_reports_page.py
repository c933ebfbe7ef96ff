"""A panel's report about an alarm (ANSI/SIA CP-01 cancel) reaches the operator: on the incident page
(Japanese first) and in the API, while the incident stays open for the phone check."""

from __future__ import annotations

import httpx

from tests.control_center.conftest import System
from tests.helpers import eventually


async def test_a_cancel_is_shown_on_the_incident_page_and_in_the_api(system: System) -> None:
    await system.alarm("1001", 130)  # burglary
    await system.alarm("1001", 406)  # CP-01 cancel: the user disarmed after the alarm was sent
    async with system.client() as client:
        detail = await eventually(lambda: _with_reports(client))
        page = await client.get(f"/console/incidents/{detail['id']}")
    assert detail["panel_reports"] == ["cancelled"]
    assert detail["status"] == "received"  # still open: the premises is phoned as the plan says
    assert 'data-panel-report="cancelled"' in page.text
    assert "機器からの報告" in page.text and "利用者取消" in page.text
    assert "利用者が機器で取消:電話で確認してください" in page.text  # the Attention flag


async def _with_reports(client: httpx.AsyncClient) -> dict | None:
    rows = (await client.get("/api/incidents")).json()
    if not rows:
        return None
    detail = (await client.get(f"/api/incidents/{rows[0]['id']}")).json()
    page = await client.get(f"/console/incidents/{rows[0]['id']}")
    return detail if detail["panel_reports"] and "data-panel-report" in page.text else None


async def test_the_arming_time_on_the_incident_page_carries_its_year(system: System) -> None:
    """A premises armed since a date of another year must not read as this year's (an outside tester's
    finding: "警戒中 (01/01 09:00 から)")."""
    await system.alarm("1001", 401)  # opening: disarmed, at the receipt (the system's clock, 2026-11-22)
    await system.alarm("1001", 130)  # burglary
    async with system.client() as client:
        rows = await eventually(lambda: _incidents(client))
        page = await client.get(f"/console/incidents/{rows[0]['id']}")
    assert 'data-arming="disarmed"' in page.text
    assert "2026/11/22 12:00" in page.text  # 03:00 UTC, in Tokyo


async def _incidents(client: httpx.AsyncClient) -> list[dict]:
    return (await client.get("/api/incidents")).json()
