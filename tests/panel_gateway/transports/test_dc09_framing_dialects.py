"""Vendor framing over the real receiver (TCP and UDP), on both databases: what the panels send is
stored, acknowledged and reaches its premises (issue 16).

- Eldes counts the CR in length and CRC (sia-ha issue 3, pysiaalarm issues 17 and 28): ACK.
- Several complete frames in one UDP datagram: each stored and answered, in order.
- A frame without its CR, the next frame right after it (Ajax, Dahua: pysiaalarm pull request 90,
  issue 54): cut at the length field, both stored and acknowledged.
- A padded account (``#001001``: Galaxy, pysiaalarm issue 41; Sigma ``#008312``, issue 72) is the
  registered account 1001: its incident has the premises.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.subscribers.models import PanelAccount
from panel_gateway.protocols import dc09
from panel_gateway.protocols.crc16 import crc16_arc
from simulators.dc09_panel import Dc09Panel
from tests.panel_gateway.transports.test_dc09_transport import HOST, receiver, seeded  # noqa: F401


def _eldes(body: str) -> bytes:
    """A frame as Eldes writes it: the CR counted in the length and the CRC."""
    raw = body.encode() + b"\r"
    return b"\n%04X%04X%s" % (crc16_arc(raw), len(raw), raw)


def _stamp() -> str:
    return dc09.timestamp_text(dt.datetime.now(dt.UTC))


async def _signals(sessions) -> list[Signal]:
    async with sessions() as session:
        return list(await session.scalars(select(Signal).order_by(Signal.id)))


async def _udp_exchange(port: int, datagram: bytes, answers: int) -> list[bytes]:
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    class _Protocol(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            replies.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(_Protocol, remote_addr=(HOST, port))
    try:
        transport.sendto(datagram)
        return [await asyncio.wait_for(replies.get(), 10) for _ in range(answers)]
    finally:
        transport.close()


async def test_an_eldes_frame_counting_its_cr_is_stored_and_acknowledged(receiver: int, sessions) -> None:  # noqa: F811
    frame = _eldes(f'"ADM-CID"0702R1L1#1001[#1001|1130 01 058]{_stamp()}')
    damaged = frame.replace(b"1130 01 058", b"1130 01 059")  # one character changed: CRC no longer agrees
    reader, writer = await asyncio.open_connection(HOST, receiver)
    try:
        answers = []
        for raw in (frame, damaged):
            writer.write(raw)
            await writer.drain()
            reply = await asyncio.wait_for(reader.readuntil(b"\r"), 10)
            answers.append(dc09.parse_answer(reply, key=None))
    finally:
        writer.close()
    assert [(a.token, a.sequence) for a in answers] == [("ACK", "0702"), ("NAK", "0000")]
    (row,) = await _signals(sessions)
    assert (row.account, row.event_code, row.zone, row.transport) == ("1001", "130", 58, "dc09_tcp")


async def test_two_frames_in_one_udp_datagram_are_each_stored_and_answered_in_order(
    receiver: int,  # noqa: F811
    sessions,
) -> None:
    panel = Dc09Panel(HOST, receiver, "1001", receiver="1")
    replies = await _udp_exchange(receiver, panel.event("FA", 3) + panel.event("BA", 4), answers=2)
    answers = [dc09.parse_answer(r, key=None) for r in replies]
    assert [(a.token, a.sequence) for a in answers] == [("ACK", "0001"), ("ACK", "0002")]
    assert [(r.account, r.event_code, r.transport) for r in await _signals(sessions)] == [
        ("1001", "FA", "dc09_udp"),
        ("1001", "BA", "dc09_udp"),
    ]


async def test_a_frame_without_its_cr_and_the_next_frame_are_both_stored_over_tcp(
    receiver: int,  # noqa: F811
    sessions,
) -> None:
    panel = Dc09Panel(HOST, receiver, "1001", receiver="1")
    poll, burglary = panel.poll(), panel.event("BA", 40)
    reader, writer = await asyncio.open_connection(HOST, receiver)
    try:
        writer.write(poll.rstrip(b"\r") + burglary)  # the poll's CR left out, as Ajax and Dahua hubs do
        await writer.drain()
        replies = [await asyncio.wait_for(reader.readuntil(b"\r"), 10) for _ in range(2)]
    finally:
        writer.close()
    answers = [dc09.parse_answer(r, key=None) for r in replies]
    assert [(a.token, a.sequence) for a in answers] == [("ACK", "0001"), ("ACK", "0002")]
    assert [(r.account, r.event_code, r.zone) for r in await _signals(sessions)] == [("1001", "BA", 40)]


async def test_a_padded_account_reaches_its_premises(receiver: int, sessions) -> None:  # noqa: F811
    panel = Dc09Panel(HOST, receiver, "001001", receiver="1")  # as Galaxy sends account 1001
    (answer,) = await panel.send_tcp(panel.frame("#001001|NBA05"))
    assert answer.token == "ACK"
    (row,) = await _signals(sessions)
    assert row.account == "1001"
    async with sessions() as session:
        await process_pending(session=session)
    async with sessions() as session:
        (incident,) = list(await session.scalars(select(Incident)))
        panel_row = await session.scalar(select(PanelAccount).where(PanelAccount.account == "1001"))
    assert (incident.account, incident.premises_id) == ("1001", panel_row.premises_id)
    assert panel_row.premises_id is not None
    assert panel_row.last_check_in_at is not None  # the frame is also 1001's check-in
