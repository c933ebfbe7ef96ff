"""The alarm level on what lands: signal sequences sent as vendors frame them (Dahua/Trikdis ADM-CID with a
room block, Ajax SIA-DCS without a timestamp, Eldes counting its CR) over real UDP and TCP into the DC-09
receiver, then worked by the inbox, on both databases. The table tests of the rules
(tests/control_center/alarms/test_alarm_level.py) take facts; this takes bytes, as an independent panel
emulator will. Frames are written here from the published layouts (SIA DC-09 §5, the corpus in
tests/panel_gateway/corpus/frames.json), not with the project's encoder."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from panel_gateway.protocols.crc16 import crc16_arc
from simulators.demo.subscribers import seed
from tests.panel_gateway.transports.test_dc09_framing_dialects import _udp_exchange
from tests.panel_gateway.transports.test_dc09_transport import HOST, running


def _stamp(at: dt.datetime) -> str:
    return at.strftime("_%H:%M:%S,%m-%d-%Y")


def frame(
    token: str, seq: int, account: str, data: str, *, stamp: bool = True, cr_counted: bool = False
) -> bytes:
    """``<LF><crc><len>"<token>"<seq>L0#<acct>[<data>]<timestamp><CR>``: CRC-16/ARC and length over the body
    from the first quote; ``cr_counted`` as Eldes, the CR inside both."""
    body = f'"{token}"{seq:04d}L0#{account}[{data}]' + (_stamp(dt.datetime.now(dt.UTC)) if stamp else "")
    raw = body.encode() + (b"\r" if cr_counted else b"")
    return b"\n%04X%04X%s" % (crc16_arc(raw), len(raw), raw) + (b"" if cr_counted else b"\r")


def adm_cid(seq: int, account: str, event: str, group: int, zone: int, room: str = "") -> bytes:
    """Dahua / Trikdis: ``#acct|QEEE GG ZZZ`` and an optional ``[R<room>]`` block after the data."""
    body = f'"ADM-CID"{seq:04d}L0#{account}[#{account}|{event} {group:02d} {zone:03d}]'
    body += (f"[R{room}]" if room else "") + _stamp(dt.datetime.now(dt.UTC))
    raw = body.encode()
    return b"\n%04X%04X%s\r" % (crc16_arc(raw), len(raw), raw)


async def tcp_exchange(port: int, *frames: bytes) -> list[bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        answers = []
        for one in frames:
            writer.write(one)
            await writer.drain()
            answers.append(await asyncio.wait_for(reader.readuntil(b"\r"), 10))
        return answers
    finally:
        writer.close()


async def level_of(sessions, account: str, service: str) -> tuple[int | None, str]:
    async with sessions() as session:
        await process_pending(session=session, limit=5000)
        incident = await session.scalar(
            select(Incident).where(Incident.account == account, Incident.service_type == service)
        )
    assert incident is not None, f"no {service} incident for {account}"
    return incident.alarm_level, incident.alarm_level_reasons or ""


@pytest.fixture
async def receiver(sessions):
    async with sessions() as session:
        await seed(session=session, count=5)
        await session.commit()
    async with running(sessions) as port:
        yield port


async def test_two_detectors_from_a_dahua_panel_are_presence(receiver: int, sessions) -> None:
    answers = [
        *await _udp_exchange(receiver, adm_cid(1, "1001", "1130", 1, 3, room="LivingRoom"), 1),
        *await _udp_exchange(receiver, adm_cid(2, "1001", "1130", 1, 5, room="Hall"), 1),
    ]
    assert all(b'"ACK"' in a for a in answers), answers
    level, reasons = await level_of(sessions, "1001", "A")
    assert level == 2, reasons  # rule 1: two different intrusion detectors within the window


async def test_the_same_detector_twice_is_not_confirmation(receiver: int, sessions) -> None:
    await tcp_exchange(receiver, adm_cid(1, "1002", "1130", 1, 3), adm_cid(2, "1002", "1130", 1, 3))
    level, reasons = await level_of(sessions, "1002", "A")
    assert level == 1, reasons


async def test_an_ajax_alarm_then_its_cancel_is_no_call(receiver: int, sessions) -> None:
    # Ajax sends event frames without a timestamp (pysiaalarm issue 12): SIA BA zone 4, then BC (cancel).
    for seq, data in ((1, "#1003|Nri1/BA004"), (2, "#1003|Nri1/BC004")):
        (answer,) = await _udp_exchange(receiver, frame("SIA-DCS", seq, "1003", data, stamp=False), 1)
        assert b'"ACK"' in answer, answer
    level, reasons = await level_of(sessions, "1003", "A")
    assert level == 0, reasons  # rule 2: a user's cancel with one detector only


async def test_an_eldes_hold_up_is_a_threat_to_life_whatever_follows(receiver: int, sessions) -> None:
    # Eldes counts the CR in length and CRC (sia-ha issue 3); 1122 silent hold-up, then a 1406 cancel,
    # which a duress code is made to look like: the level stays at 4.
    answers = await tcp_exchange(
        receiver,
        frame("ADM-CID", 1, "1004", "#1004|1122 01 000", cr_counted=True),
        frame("ADM-CID", 2, "1004", "#1004|1406 01 001", cr_counted=True),
    )
    assert all(b'"ACK"' in a for a in answers), answers
    async with sessions() as session:
        await process_pending(session=session, limit=5000)
        levels = list(await session.scalars(select(Incident.alarm_level).where(Incident.account == "1004")))
    assert 4 in levels, levels


async def test_fire_in_two_zones_is_a_threat_to_life(receiver: int, sessions) -> None:
    for seq, zone in ((1, 1), (2, 2)):
        (answer,) = await _udp_exchange(
            receiver, frame("SIA-DCS", seq, "1005", f"#1005|Nri1/FA{zone:03d}"), 1
        )
        assert b'"ACK"' in answer, answer
    level, reasons = await level_of(sessions, "1005", "B")
    assert level == 4, reasons
