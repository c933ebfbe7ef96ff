"""The operator's view: JSON API, console pages and the live push, served by a real HTTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import select

from control_center.subscribers.models import Premises
from simulators.demo.subscribers import plan
from tests.control_center.conftest import NOW, System
from tests.helpers import eventually


async def test_health_and_openapi(system: System) -> None:
    async with system.client() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "alarms": []}
        spec = (await client.get("/openapi.json")).json()
    assert {"/healthz", "/readyz", "/api/incidents", "/api/incidents/{incident_id}"} <= set(spec["paths"])


async def test_api_lists_incidents_most_urgent_first(system: System) -> None:
    await system.alarm("1001", 130)  # burglary
    await system.alarm("1002", 302)  # trouble
    await system.alarm("1003", 110)  # fire: last in, first in the queue
    async with system.client() as client:
        rows = await eventually(lambda: _incidents(client, 3))
    assert [(r["account"], r["service_type"]) for r in rows] == [("1003", "B"), ("1001", "A"), ("1002", "G")]
    first = rows[0]
    assert set(first) >= {"id", "account", "premises", "service_type", "priority", "status", "opened_at"}
    assert first["status"] == "received"
    assert dt.datetime.fromisoformat(first["opened_at"]) == NOW


async def _incidents(client: httpx.AsyncClient, n: int) -> list[dict] | None:
    rows = (await client.get("/api/incidents")).json()
    return rows if len(rows) >= n else None


async def test_incident_detail_has_contacts_and_history_but_never_the_house_code(
    system: System, sessions
) -> None:
    await system.alarm("1001", 130)
    await system.alarm("1001", 131)
    codes = {p.house_code for p in plan(5)}
    async with system.client() as client:
        (row,) = await eventually(lambda: _incidents(client, 1))
        await eventually(lambda: _signal_count(client, row["id"], 2))
        detail = (await client.get(f"/api/incidents/{row['id']}")).json()
        page = await client.get(f"/console/incidents/{row['id']}")
        missing = await client.get("/api/incidents/999999")
    async with sessions() as session:
        premises = await session.scalar(select(Premises).where(Premises.id == detail["premises"]["id"]))
    assert len(detail["contacts"]) >= 3
    assert [c["position"] for c in detail["contacts"]] == sorted(c["position"] for c in detail["contacts"])
    assert [s["event_code"] for s in detail["signals"]] == ["130", "131"]
    assert {"A", "B", "C"} <= set(detail["services"])
    for body in (str(detail), page.text):
        assert premises.house_code_hash not in body
        assert "house_code" not in body
    assert detail["contacts"][0]["name"] in page.text
    assert premises.address in page.text
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    # The three digits never appear next to a label that could reveal them.
    assert not any(f"合言葉番号</dt><dd>{code}" in page.text for code in codes)


async def _signal_count(client: httpx.AsyncClient, incident_id: int, n: int) -> bool:
    return (await client.get(f"/api/incidents/{incident_id}")).json()["signal_count"] >= n


async def test_the_console_is_japanese_first_and_english_on_request(system: System) -> None:
    await system.alarm("1001", 110)
    async with system.client() as client:
        await eventually(lambda: _incidents(client, 1))
        ja = (await client.get("/console")).text
        queue_ja = (await client.get("/console/queue")).text
        en = await client.get("/console/queue", params={"lang": "en"})
        en_again = (await client.get("/console/queue")).text  # the choice is kept in a cookie
    assert "異常受信一覧" in ja and '<html lang="ja">' in ja
    assert "火災監視" in queue_ja
    assert "Fire" in en.text and "火災監視" not in en.text
    assert "Fire" in en_again


async def test_a_new_alarm_is_pushed_to_open_consoles(system: System) -> None:
    async with (
        system.client(timeout=10) as client,
        client.stream("GET", "/console/events") as stream,
    ):
        lines = stream.aiter_lines()
        assert (await anext(lines)).startswith(": connected")
        await system.alarm("1004", 100)
        event = await asyncio.wait_for(_next_event(lines), 10)
        rows = (await client.get("/api/incidents")).json()
        queue = (await client.get("/console/queue")).text
    assert event == ("incidents", str(rows[0]["id"]))
    assert f'data-incident="{rows[0]["id"]}"' in queue


async def _next_event(lines: AsyncIterator[str]) -> tuple[str, str]:
    name = ""
    async for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name:
            return name, line.removeprefix("data: ")
    raise AssertionError("stream ended")
