"""A receiver's automation line over a pseudo-terminal: ACK after commit, NAK on garbage, silence alarms."""

from __future__ import annotations

import asyncio
import contextlib
import os
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


@pytest.fixture
async def line(sessions) -> AsyncIterator[tuple[Line, SerialReceiverLine]]:
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    ingest = Ingest(sessions)
    committer = GroupCommitter(ingest)
    reader = SerialReceiverLine(committer, ingest, os.ttyname(slave), heartbeat_seconds=0.5)
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
