"""A receiver's automation line over a pseudo-terminal: ACK after commit, NAK on garbage, silence alarms."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select as io_select
import tty
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from control_center.signals.models import DeadLetter, Signal
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest
from panel_gateway.protocols import contact_id, surgard
from panel_gateway.protocols.contact_id import Qualifier
from panel_gateway.transports.serial_line import SerialReceiverLine
from tests.helpers import count, eventually


class Line:
    """The receiver's end of the cable: writes messages, reads the automation's answers."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    async def send(self, message: bytes) -> bytes:
        os.write(self.fd, message)
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(
            loop.run_in_executor(None, os.read, self.fd, 1), 4
        )  # 4 s, as receivers wait

    async def answered(self, message: bytes, wait: float = 1.0) -> bool:
        """Send; whether any answer came back within ``wait`` seconds."""
        os.write(self.fd, message)
        loop = asyncio.get_running_loop()
        readable, _, _ = await loop.run_in_executor(None, io_select.select, [self.fd], [], [], wait)
        return bool(readable)


@pytest.fixture
def answer_window() -> float:
    return surgard.ANSWER_WINDOW


@pytest.fixture
async def line(sessions, answer_window: float) -> AsyncIterator[tuple[Line, SerialReceiverLine]]:
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    ingest = Ingest(sessions)
    committer = GroupCommitter(ingest)
    reader = SerialReceiverLine(committer, ingest, os.ttyname(slave), heartbeat_seconds=0.5,
                                answer_window=answer_window)  # fmt: skip
    tasks = [asyncio.create_task(committer.run()), asyncio.create_task(reader.run())]
    await asyncio.wait_for(reader.ready.wait(), 10)
    yield Line(master), reader
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    os.close(master)
    os.close(slave)


async def test_heartbeats_and_contact_id_messages_are_acknowledged(line, sessions) -> None:
    wire, _ = line
    assert await wire.send(surgard.encode_heartbeat()) == surgard.ACK
    fire = contact_id.parse(contact_id.encode("1234", Qualifier.NEW, 110, 1, 5))
    assert await wire.send(surgard.encode_contact_id(1, 2, fire)) == surgard.ACK
    async with sessions() as session:
        row = await session.scalar(select(Signal))
    assert (row.account, row.event_code, row.service_type, row.transport) == ("1234", "110", "B", "serial")


async def test_an_unreadable_message_gets_nak_and_a_dead_letter(line, sessions) -> None:
    wire, _ = line
    assert await wire.send(b"5011 18 12X4E11001005" + surgard.DC4) == surgard.NAK
    assert await count(sessions, DeadLetter) == 1


async def test_silence_raises_a_receiver_failure_and_the_next_heartbeat_restores_it(line, sessions) -> None:
    wire, reader = line
    await wire.send(surgard.encode_heartbeat())
    failure = await eventually(lambda: _signal(sessions, "receiver failure"), timeout=10)
    assert failure.account == reader.name and failure.service_type == "F" and failure.kind == "alarm"
    await wire.send(surgard.encode_heartbeat())
    restored = await eventually(lambda: _signal(sessions, "receiver restored"), timeout=10)
    assert restored.kind == "restore"


async def _signal(sessions, description: str) -> Signal | None:
    async with sessions() as session:
        return await session.scalar(select(Signal).where(Signal.description == description))


async def test_sia_messages_are_stored_with_their_account(line, sessions) -> None:
    wire, _ = line
    assert await wire.send(surgard.encode_sia(1, 2, "5678", "Nri1/BA3")) == surgard.ACK
    async with sessions() as session:
        row = await session.scalar(select(Signal))
    assert (row.account, row.format, row.event_code, row.zone, row.service_type) == (
        "5678",
        "sia",
        "BA",
        3,
        "A",
    )


async def test_a_message_sent_again_unchanged_after_nak_becomes_an_unknown_signal(line, sessions) -> None:
    # The receiver sends a message again after NAK: the same bytes twice is not line noise, so the
    # operators see it (issue 16) and the receiver gets ACK and goes on with its next message.
    wire, reader = line
    message = b"T01001    123456 A  01" + surgard.DC4  # Telenot, a protocol not decoded here
    assert await wire.send(message) == surgard.NAK
    assert await wire.send(message) == surgard.ACK
    async with sessions() as session:
        unknown = await session.scalar(select(Signal))
    assert await count(sessions, DeadLetter) == 1
    assert (unknown.account, unknown.format, unknown.kind, unknown.description) == (
        reader.name,
        "unknown",
        "alarm",
        "unknown signal",
    )
    assert "T01001" in unknown.raw


async def test_the_receivers_own_trouble_is_a_signal_of_the_line(line, sessions) -> None:
    wire, reader = line
    assert await wire.send(b"1011      0000 A  15" + surgard.DC4) == surgard.ACK  # CPM2: AC failure
    async with sessions() as session:
        row = await session.scalar(select(Signal))
    assert (row.account, row.service_type, row.kind) == (reader.name, "G", "alarm")


@pytest.mark.parametrize("answer_window", [0.0])
async def test_an_answer_too_late_for_the_receiver_is_not_sent_but_the_message_is_stored(
    line, sessions
) -> None:
    # Past the receiver's wait the ACK would answer its next transmission: it is held back, and the
    # receiver's retransmission (stored once) gets the answer. Window 0: every answer is "late".
    wire, _ = line
    fire = contact_id.parse(contact_id.encode("1234", Qualifier.NEW, 110, 1, 5))
    assert not await wire.answered(surgard.encode_contact_id(1, 2, fire))
    await eventually(lambda: _signal(sessions, "fire"), timeout=10)
