"""DC-09 panels over TCP and UDP into the receiver, on both databases: store, then answer."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from control_center.secret_box import SecretBox
from control_center.subscribers.models import PanelAccount
from control_center.subscribers.seed import seed
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest
from panel_gateway.keys import KeyStore, set_key
from panel_gateway.models import DeadLetter, Signal
from panel_gateway.transports.dc09_ip import Dc09Receiver
from simulators.dc09_panel import Dc09Panel
from tests.conftest import free_port
from tests.helpers import count

KEY_HEX = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"


@pytest.fixture
async def receiver(sessions) -> AsyncIterator[int]:
    """A receiver on TCP and UDP (same port), with an AES-256 key sealed for account 1002."""
    box = SecretBox(bytes(range(32)))
    async with sessions() as session:
        await seed(session=session, count=3)
        await set_key(session=session, box=box, account="1002", key_hex=KEY_HEX)
        await session.commit()
    keys = KeyStore(sessions, box)
    await keys.load()
    committer = GroupCommitter(Ingest(sessions))
    dc09 = Dc09Receiver(committer, lambda: keys.keys)
    port = free_port()
    tcp = await dc09.serve_tcp("127.0.0.1", port)
    udp = await dc09.serve_udp("127.0.0.1", port)
    task = asyncio.create_task(committer.run())
    yield port
    tcp.close()
    udp.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_tcp_frames_are_stored_then_acknowledged(receiver: int, sessions) -> None:
    panel = Dc09Panel("127.0.0.1", receiver, "1001", receiver="1")
    answers = await panel.send_tcp(panel.event("FA", 3), panel.event("BA", 4))
    assert [a.token for a in answers] == ["ACK", "ACK"]
    assert [a.sequence for a in answers] == ["0001", "0002"]
    async with sessions() as session:
        rows = list(await session.scalars(select(Signal).order_by(Signal.id)))
    assert [(r.account, r.event_code, r.service_type, r.transport) for r in rows] == [
        ("1001", "FA", "B", "dc09_tcp"),
        ("1001", "BA", "A", "dc09_tcp"),
    ]


async def test_a_replayed_frame_is_stored_once_and_acknowledged_again(receiver: int, sessions) -> None:
    panel = Dc09Panel("127.0.0.1", receiver, "1001")
    frame = panel.event("PA", 1)
    first, again = await panel.send_tcp(frame, frame)
    assert (first.token, again.token) == ("ACK", "ACK")
    assert await count(sessions) == 1


async def test_a_stale_timestamp_is_refused_with_the_receivers_time(receiver: int, sessions) -> None:
    panel = Dc09Panel("127.0.0.1", receiver, "1001", clock_skew=dt.timedelta(minutes=-5))
    (answer,) = await panel.send_tcp(panel.event("BA", 1))
    assert answer.token == "NAK"
    assert abs(answer.timestamp - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
    assert await count(sessions) == 0
    assert "outside +20/-40" in (await _dead(sessions))[0].reason


async def test_encrypted_frames_over_udp(receiver: int, sessions) -> None:
    panel = Dc09Panel("127.0.0.1", receiver, "1002", key=bytes.fromhex(KEY_HEX))
    answer = await panel.send_udp(panel.event("MA", 2))
    assert answer.token == "ACK"  # decrypted with the panel's key: the answer was encrypted too
    async with sessions() as session:
        row = await session.scalar(select(Signal))
    assert (row.account, row.event_code, row.service_type, row.transport) == ("1002", "MA", "D", "dc09_udp")


async def test_an_encrypted_frame_from_an_account_without_key_gets_duh(receiver: int, sessions) -> None:
    panel = Dc09Panel("127.0.0.1", receiver, "1003", key=bytes(16))
    (answer,) = await panel.send_tcp(panel.event("BA", 1))
    assert answer.token == "DUH"
    assert "no key" in (await _dead(sessions))[0].reason


async def test_a_null_poll_is_a_check_in(receiver: int, sessions) -> None:
    panel = Dc09Panel("127.0.0.1", receiver, "1001")
    (answer,) = await panel.send_tcp(panel.poll())
    assert answer.token == "ACK"
    assert await count(sessions) == 0
    async with sessions() as session:
        account = await session.scalar(select(PanelAccount).where(PanelAccount.account == "1001"))
    assert account.last_check_in_at is not None
    assert account.check_in_deadline == int(account.last_check_in_at.timestamp()) + account.check_in_seconds


async def test_garbage_gets_nak_and_a_dead_letter(receiver: int, sessions) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", receiver)
    writer.write(b"\nhello there\r")
    await writer.drain()
    reply = await asyncio.wait_for(reader.readuntil(b"\r"), 10)
    writer.close()
    assert b'"NAK"' in reply
    assert len(await _dead(sessions)) == 1


async def _dead(sessions) -> list[DeadLetter]:
    async with sessions() as session:
        return list(await session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
