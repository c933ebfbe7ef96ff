"""No well-formed alarm is lost, and what a panel says beyond its code reaches the operator.

Through the real receiver (TCP and UDP) on both databases: a frame whose CRC, length, account and
timestamp are sound but whose data nobody can read is stored whole, acknowledged, and opens an
"unknown signal" incident; a flood of them does not hold up a fire. Extended data (a verification URL,
a room…) is stored with the signal, served by the incident API and shown on the incident page, where
only an http(s) URL becomes a link.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from sqlalchemy import select

from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.signals.service_types import Priority
from panel_gateway.ingest import received
from panel_gateway.protocols import dc09, panel_signal
from panel_gateway.protocols.dc09 import Outgoing
from simulators.dc09_panel import Dc09Panel
from tests.control_center.conftest import NOW, running_system
from tests.helpers import count, eventually
from tests.panel_gateway.transports.test_dc09_transport import HOST, receiver, seeded  # noqa: F401

GARBAGE = "#1001|Zq!~ not DC-03 at all"


async def _signals(sessions, **where: object) -> list[Signal]:
    async with sessions() as session:
        return list(await session.scalars(select(Signal).filter_by(**where).order_by(Signal.id)))


async def _process(sessions, now: dt.datetime | None = None) -> list[Incident]:
    async with sessions() as session:
        await process_pending(session=session, now=now)
    async with sessions() as session:
        return list(await session.scalars(select(Incident).order_by(Incident.priority, Incident.id)))


async def test_garbage_in_a_sound_frame_over_tcp_is_stored_acknowledged_and_opens_an_incident(
    receiver: int,  # noqa: F811
    sessions,
) -> None:
    panel = Dc09Panel(HOST, receiver, "1001")
    frame = panel.frame(GARBAGE)
    (answer,) = await panel.send_tcp(frame)
    assert answer.token == "ACK"  # stored: the center has it, the panel need not retry or fail over
    (row,) = await _signals(sessions)
    assert (row.account, row.format, row.event_code, row.transport) == (
        "1001",
        "unknown",
        "unknown",
        "dc09_tcp",
    )
    assert row.raw == frame.decode() and row.description == "unknown signal"
    assert json.loads(row.details)["unreadable"].startswith("SIA data block must start with N, O or A")
    (incident,) = await _process(sessions)
    assert (incident.account, incident.description, incident.priority) == (
        "1001",
        "unknown signal",
        Priority.ALARM,
    )


async def test_garbage_in_a_sound_frame_over_udp_is_stored_and_acknowledged(
    receiver: int,  # noqa: F811
    sessions,
) -> None:
    panel = Dc09Panel(HOST, receiver, "1001")
    answer = await panel.send_udp(panel.frame("1234 not contact id", token="ADM-CID"))
    assert answer.token == "ACK"
    (row,) = await _signals(sessions)
    assert (row.format, row.transport) == ("unknown", "dc09_udp")
    assert "ADM-CID block must be" in json.loads(row.details)["unreadable"]


async def test_an_unreadable_frame_opens_its_own_incident_beside_an_open_equipment_trouble(
    receiver: int,  # noqa: F811
    sessions,
) -> None:
    """An operator working a low-battery trouble must still see that the panel sent something nobody
    could read: it is not folded into the trouble's incident."""
    panel = Dc09Panel(HOST, receiver, "1001")
    (trouble,) = await panel.send_tcp(panel.event("YT", 1))  # SIA: battery trouble (service G)
    assert trouble.token == "ACK"
    await _process(sessions)
    (unknown,) = await panel.send_tcp(panel.frame(GARBAGE))
    assert unknown.token == "ACK"
    incidents = await _process(sessions)
    assert sorted((i.service_type, i.description, i.signal_count) for i in incidents) == [
        ("G", "battery trouble", 1),
        ("G", "unknown signal", 1),
    ]


async def test_a_flood_of_unreadable_frames_does_not_hold_up_a_fire(receiver: int, sessions) -> None:  # noqa: F811
    flooder = Dc09Panel(HOST, receiver, "1003")
    frames = [flooder.frame(f"#1003|Zq!~ flood {i}") for i in range(60)]
    connections = [flooder.send_tcp(*frames[i::4]) for i in range(4)]
    fire_panel = Dc09Panel(HOST, receiver, "1001")
    flood, (fire,) = await asyncio.gather(
        asyncio.gather(*connections), fire_panel.send_tcp(fire_panel.event("FA", 9))
    )
    assert fire.token == "ACK"
    assert all(a.token == "ACK" for answers in flood for a in answers)
    assert await count(sessions, format="unknown") == 60 and await count(sessions, event_code="FA") == 1
    incidents = await _process(sessions)
    assert [(i.account, i.description) for i in incidents] == [("1001", "fire")]
    # So many alarms from one panel at once are a runaway device's: held (inbox.Runaway), never dropped;
    # after the hold they are one "unknown signal" incident for the premises, not 60.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)
    incidents = await _process(sessions, now=later)
    assert [(i.account, i.description) for i in incidents] == [("1001", "fire"), ("1003", "unknown signal")]


async def test_extended_data_reaches_the_incident_api_and_page(database_url: str, sessions) -> None:
    async with running_system(database_url, sessions) as system:
        data = "#1001|Nri1/id3/BA004^back door^"
        extended = (
            "Vhttps://cam.example/clip/77?t=1&x=<b>",
            "Vjavascript:alert(document.cookie)",
            "RHall",
            "H02:59:50,11-22-2026",
        )
        raw = dc09.encode(Outgoing("SIA-DCS", 7, "1001", data, "1", None, extended), at=NOW)
        frame = dc09.parse(raw, keys={}, now=NOW)
        decoded = panel_signal.from_dc09(frame, NOW)
        await system.ingest.store(received("dc09_tcp", "tcp:127.0.0.1:1", raw, NOW, decoded))
        async with system.client() as client:
            rows = await eventually(lambda: _incidents(client))
            detail = (await client.get(f"/api/incidents/{rows[0]['id']}")).json()
            page = (await client.get(f"/console/incidents/{rows[0]['id']}")).text
    (signal,) = detail["signals"]
    assert signal["details"] == {
        "extended": {
            "verification": ["https://cam.example/clip/77?t=1&x=<b>", "javascript:alert(document.cookie)"],
            "room": "Hall",
            "event_time": "2026-11-22T02:59:50Z",
        },
        "modifiers": {"id": "3"},
        "text": "back door",
    }
    # No link for the javascript: URL (it is not even in the linkable list) and none for <b>: its "<"
    # keeps it out too. Both are shown as escaped text.
    assert 'href="javascript:' not in page and "<b>" not in page
    assert "javascript:alert(document.cookie)" in page and "Hall" in page and "back door" in page
    assert "2026-11-22 11:59:50" in page  # the panel's event time, shown in Asia/Tokyo


async def test_a_linkable_verification_url_opens_in_a_new_tab(database_url: str, sessions) -> None:
    async with running_system(database_url, sessions) as system:
        raw = dc09.encode(
            Outgoing("SIA-DCS", 8, "1001", "#1001|Nri1/BA004", "1", None, ("Vhttps://cam.example/clip/78",)),
            at=NOW,
        )
        decoded = panel_signal.from_dc09(dc09.parse(raw, keys={}, now=NOW), NOW)
        await system.ingest.store(received("dc09_tcp", "tcp:127.0.0.1:1", raw, NOW, decoded))
        async with system.client() as client:
            rows = await eventually(lambda: _incidents(client))
            page = (await client.get(f"/console/incidents/{rows[0]['id']}", params={"lang": "ja"})).text
            english = (await client.get(f"/console/incidents/{rows[0]['id']}", params={"lang": "en"})).text
    link = (
        '<a class="verification" href="https://cam.example/clip/78" target="_blank" '
        'rel="noopener noreferrer">'
    )
    assert link + "映像を開く</a>" in page
    assert link + "Open image</a>" in english


async def _incidents(client) -> list[dict] | None:
    rows = (await client.get("/api/incidents")).json()
    return rows or None
