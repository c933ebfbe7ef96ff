"""DC-09 panels over TCP and UDP into the receiver, on both databases: store, then answer."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from control_center.core.db import utcnow
from control_center.core.secret_box import SecretBox
from control_center.signals.models import DeadLetter, Signal
from control_center.subscribers.models import PanelAccount
from panel_gateway.dc09_keys import KeyStore, set_key, set_plain_until
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest
from panel_gateway.protocols import dc09
from panel_gateway.transports.dc09_ip import Dc09Receiver
from simulators.dc09_panel import Dc09Panel
from simulators.demo.subscribers import seed
from tests.conftest import free_port
from tests.helpers import at_least, count, eventually

KEY_HEX = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
KEY = bytes.fromhex(KEY_HEX)
BOX = SecretBox(bytes(range(32)))
HOST = "127.0.0.1"


@pytest.fixture
async def seeded(sessions) -> None:
    """Accounts 1001–1003; 1002 has an AES-256 key, sealed."""
    async with sessions() as session:
        await seed(session=session, count=3)
        await set_key(session=session, box=BOX, account="1002", key_hex=KEY_HEX)
        await session.commit()


@contextlib.asynccontextmanager
async def running(
    sessions, key_clock: Callable[[], float] = time.monotonic, **limits: float | bool
) -> AsyncIterator[int]:
    """A receiver on TCP and UDP (same port) with the keys as they are now; its port."""
    keys = KeyStore(sessions, BOX, clock=key_clock)
    await keys.load()
    committer = GroupCommitter(Ingest(sessions))
    dc09 = Dc09Receiver(committer, keys, **limits)  # type: ignore[arg-type]
    port = free_port()
    tcp = await dc09.serve_tcp(HOST, port)
    udp = await dc09.serve_udp(HOST, port)
    tasks = [asyncio.create_task(committer.run()), asyncio.create_task(keys.run())]  # as the runtime does
    try:
        yield port
    finally:
        tcp.close()
        udp.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@pytest.fixture
async def receiver(sessions, seeded) -> AsyncIterator[int]:
    async with running(sessions) as port:
        yield port


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
    panel = Dc09Panel("127.0.0.1", receiver, "1002", key=KEY)
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


# --- the attacks of issue 15: spoofing and slowing the receiver from the panel network ------------------


async def test_a_plain_frame_to_a_keyed_account_is_refused(receiver: int, sessions) -> None:
    attacker = Dc09Panel(HOST, receiver, "1002")  # knows the account, not the key
    answers = await attacker.send_tcp(attacker.event("FA", 1), attacker.poll())
    assert [a.token for a in answers] == ["DUH", "DUH"]
    assert await count(sessions) == 0
    assert await _checked_in(sessions, "1002") is None  # a spoofed poll must not hide a cut line
    reasons = [d.reason for d in await _dead(sessions)]
    assert len(reasons) == 2 and all("encrypted only" in r for r in reasons)


async def test_a_plain_frame_to_a_keyed_account_is_accepted_while_its_transition_lasts(
    sessions, seeded, caplog: pytest.LogCaptureFixture
) -> None:
    seconds = [0.0]  # the clock that spaces the receiver's look-ups of one account (one a second)
    async with running(sessions, key_clock=lambda: seconds[0]) as port:
        async with sessions() as session:  # set after the receiver started, as the CLI would elsewhere
            now = utcnow()
            until = now + dt.timedelta(hours=1)
            await set_plain_until(session=session, account="1002", until=until, now=now)
            await session.commit()
        panel = Dc09Panel(HOST, port, "1002")  # not yet re-programmed for its key
        (answer,) = await panel.send_tcp(panel.event("FA", 1))
        assert answer.token == "ACK"
        assert await count(sessions) == 1
        assert "plain DC-09 frame from keyed account 1002 accepted" in caplog.text
        async with sessions() as session:  # the transition ends early: plain is refused again
            await set_plain_until(session=session, account="1002", until=None, now=utcnow())
            await session.commit()
        seconds[0] += 1.0
        (answer,) = await panel.send_tcp(panel.event("FA", 2))
        assert answer.token == "DUH"
        assert await count(sessions) == 1


async def test_an_encrypted_frame_without_timestamp_is_refused(receiver: int, sessions) -> None:
    panel = Dc09Panel(HOST, receiver, "1002", key=KEY)
    (answer,) = await panel.send_tcp(panel.frame("#1002|Nri1/FA001", stamped=False))
    assert answer.token == "NAK" and answer.timestamp is not None  # the receiver's clock, per 5.5.3.2
    assert await count(sessions) == 0
    assert "must carry a timestamp" in (await _dead(sessions))[0].reason


@pytest.mark.parametrize(("header", "key"), [("1001", None), ("1002", KEY)], ids=["plain", "encrypted"])
async def test_events_claiming_another_account_are_refused_and_stored_under_neither(
    receiver: int, sessions, header: str, key: bytes | None
) -> None:
    panel = Dc09Panel(HOST, receiver, header, key=key)
    (answer,) = await panel.send_tcp(panel.frame("#1003|Nri1/FA001"))
    assert answer.token == "DUH"
    assert await count(sessions) == 0
    assert (await _checked_in(sessions, header), await _checked_in(sessions, "1003")) == (None, None)
    (dead,) = await _dead(sessions)
    assert dead.reason == f"data account 1003 differs from header account {header}"


async def test_a_key_set_after_the_receiver_started_works_for_the_very_next_frame(
    receiver: int, sessions
) -> None:
    new_key = bytes(range(100, 116))
    async with sessions() as session:  # another process (console, CLI) sets it; no reload, no bus
        await set_key(session=session, box=BOX, account="1003", key_hex=new_key.hex())
        await set_key(session=session, box=BOX, account="1002", key_hex=new_key.hex())  # and replaces one
        await session.commit()
    for account in ("1003", "1002"):
        panel = Dc09Panel(HOST, receiver, account, key=new_key)
        (answer,) = await panel.send_tcp(panel.event("FA", 1))
        assert answer.token == "ACK"  # and it decrypted with the new key: the answer was encrypted
    assert await count(sessions) == 2


async def test_a_key_set_elsewhere_for_a_panel_sending_plain_frames_is_in_force_within_a_second(
    receiver: int, sessions
) -> None:
    """The red team's attack: a key set (CLI, console) for an account that had none, and plain frames
    forged for it afterwards. No refusal makes the receiver look, so it must learn of the change."""
    plain = Dc09Panel(HOST, receiver, "1003")
    assert [a.token for a in await plain.send_tcp(plain.poll())] == ["ACK"]
    async with sessions() as session:
        await set_key(session=session, box=BOX, account="1003", key_hex=bytes(range(100, 116)).hex())
        await session.commit()

    async def refused() -> bool:
        (answer,) = await plain.send_tcp(plain.poll())
        return answer.token == "DUH"

    await eventually(refused, timeout=5)
    (answer,) = await plain.send_tcp(plain.event("FA", 1))
    assert answer.token == "DUH"
    assert await count(sessions) == 0


async def test_a_center_that_requires_encryption_refuses_plain_frames_for_every_account(
    sessions, seeded
) -> None:
    """The red team forged a plain fire, a disarm and a restore for accounts without a key, and one for
    an account nobody has: where every IP panel has a key, the center can refuse them all."""
    async with running(sessions, require_encryption=True) as port:
        for account in ("1001", "9999"):  # no key; unknown
            forger = Dc09Panel(HOST, port, account)
            answers = await forger.send_tcp(forger.event("FA", 1), forger.poll())
            assert [a.token for a in answers] == ["DUH", "DUH"]
        keyed = Dc09Panel(HOST, port, "1002", key=KEY)
        assert [a.token for a in await keyed.send_tcp(keyed.event("FA", 1))] == ["ACK"]
    assert await count(sessions) == 1
    assert "requires encryption" in (await _dead(sessions))[0].reason


async def test_the_33rd_connection_from_one_address_is_refused_while_the_others_work(
    receiver: int, sessions
) -> None:
    panel = Dc09Panel(HOST, receiver, "1001")
    held = [await asyncio.open_connection(HOST, receiver) for _ in range(32)]
    try:
        for reader, writer in held:  # each one served, so each one counted
            assert await _exchange(reader, writer, panel.poll()) == "ACK"
        extra = [await asyncio.open_connection(HOST, receiver) for _ in range(2)]
        for reader, writer in extra:
            assert await _closed(reader)
            writer.close()
        reader, writer = held[0]
        assert await _exchange(reader, writer, panel.event("FA", 1)) == "ACK"
    finally:
        for _, writer in held:
            writer.close()
    assert await count(sessions) == 1
    (dead,) = await eventually(lambda: at_least(_dead(sessions), 1))
    assert dead.reason == "32 DC-09 connections from 127.0.0.1 already open: further ones closed"


async def test_an_idle_connection_is_closed(sessions, seeded) -> None:
    async with running(sessions, idle_seconds=0.3) as port:
        reader, writer = await asyncio.open_connection(HOST, port)
        assert await _closed(reader)
        writer.close()
    assert await _dead(sessions) == []  # nothing was refused: a quiet panel reconnects


async def test_a_frame_left_unfinished_is_refused_and_closed(sessions, seeded) -> None:
    async with running(sessions, idle_seconds=0.3) as port:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(Dc09Panel(HOST, port, "1001").event("FA", 1)[:20])  # and then nothing, slowly
        reply = await asyncio.wait_for(reader.readuntil(b"\r"), 10)
        assert b'"NAK"' in reply
        assert await _closed(reader)
        writer.close()
    (dead,) = await _dead(sessions)
    assert dead.reason == "incomplete frame: no CR within 0.3 s"


async def test_a_megabyte_without_terminator_is_refused_once_while_a_fire_gets_through(
    receiver: int, sessions
) -> None:
    reader, writer = await asyncio.open_connection(HOST, receiver)
    flood = asyncio.create_task(_send_quietly(writer, b"A" * 1024 * 1024))
    replies = await _read_to_end(reader)
    await flood
    writer.close()
    assert replies.count(b'"NAK"') == 1 and replies.endswith(b"\r")  # one answer, then closed

    panel = Dc09Panel(HOST, receiver, "1001")
    (answer,) = await panel.send_tcp(panel.event("FA", 1))
    assert answer.token == "ACK"
    assert await count(sessions) == 1
    (dead,) = await _dead(sessions)
    assert dead.reason.startswith("no frame end (CR) within")
    assert len(dead.payload) <= 4096 and dead.payload_length >= 4096


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frame: bytes) -> str:
    writer.write(frame)
    await writer.drain()
    answer = dc09.parse_answer(await asyncio.wait_for(reader.readuntil(b"\r"), 10), key=None)
    return answer.token


async def _closed(reader: asyncio.StreamReader) -> bool:
    """True once the receiver has closed the connection (the wait is only a guard against hanging)."""
    try:
        return await asyncio.wait_for(reader.read(), 10) == b""
    except ConnectionResetError:
        return True


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := await asyncio.wait_for(reader.read(65536), 10):
            data += chunk
    return data


async def _send_quietly(writer: asyncio.StreamWriter, data: bytes) -> None:
    """Send until the receiver closes on us (it refuses long before the end)."""
    with contextlib.suppress(ConnectionError):
        writer.write(data)
        await writer.drain()


async def _checked_in(sessions, account: str) -> dt.datetime | None:
    async with sessions() as session:
        panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    return panel.last_check_in_at


async def _dead(sessions) -> list[DeadLetter]:
    async with sessions() as session:
        return list(await session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
