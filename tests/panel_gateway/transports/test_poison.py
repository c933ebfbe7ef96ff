"""Poison can't block: every message is judged alone, stored or dead-lettered, and then acknowledged.

Written as the attacks of issue 15, on SQLite and PostgreSQL, with the embedded broker and Mosquitto.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator, Mapping

import aiomqtt
import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError, StatementError

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.signals.models import DeadLetter, Signal
from panel_gateway.ingest import DEAD_LETTER_KEEP, Ingest, Received, database_away
from panel_gateway.protocols import contact_id
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.transports.mqtt import MqttGateway, decode
from simulators.dc09_panel import Dc09Panel
from simulators.panel import payload
from tests.helpers import (
    at_least,
    batches_after_a_restart,
    commissioned,
    commissioned_panel,
    count,
    dead_letters,
    eventually,
    mqtt_packet,
    mqtt_text,
    raw_mqtt_login,
    running_gateway,
)

# What one panel (or anyone publishing as it) can send; each used to raise inside the decoder.
POISON = [
    b'{"msg_id": "p-dict", "device": {"x": 1}, "sia": {"code": "FA"}}',  # a dict where a string belongs
    b'{"msg_id": "p-deep", "sia": ' + b"[" * 5000 + b"]" * 5000 + b"}",  # deeply nested, under 16 KiB
    b'{"msg_id": "p-utf8", "contact_id": "\xff\xfe1234"}',  # not UTF-8
    b'{"msg_id": ["p-list"], "contact_id": 1234}',  # wrong types
    b'{"msg_id": "p-time", "sent_at": "0001-01-01T00:00:00+01:00", "sia": {"code": "FA"}}',
    b'{"msg_id": "p-huge", "sia": {"code": "FA", "zone": ' + b"9" * 5000 + b"}}",  # 5,000 digits
    '{"msg_id": "p-greek", "sia": {"code": "ΦΑ"}}'.encode(),  # capital letters, not SIA's
]


async def test_poison_before_a_fire_from_the_same_panel_does_not_stop_the_fire(
    clean_broker: Settings, sessions, caplog
) -> None:
    settings = clean_broker
    async with (
        running_gateway(settings, sessions) as gateway,
        commissioned_panel(settings, sessions, "6601") as panel,
    ):
        for body in POISON:
            await panel.send_raw(body)
        fire = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=fire))
        rows = await eventually(lambda: at_least(dead_letters(sessions), len(POISON)))
        await eventually(lambda: settled(gateway))
    assert await count(sessions, Signal) == 1
    assert sorted(r.payload_sha256 for r in rows) == sorted(hashlib.sha256(b).hexdigest() for b in POISON)
    assert all(r.reason for r in rows)

    # All of them were acknowledged: the gateway's session, started again, is given nothing more.
    assert await batches_after_a_restart(settings, sessions, caplog) == []
    assert await count(sessions, DeadLetter) == len(POISON)


async def test_more_poison_than_the_in_flight_window_then_a_fire_the_fire_is_stored(
    clean_broker: Settings, sessions
) -> None:
    settings = clean_broker
    async with (
        running_gateway(settings, sessions),
        commissioned_panel(settings, sessions, "6602") as panel,
    ):
        for i in range(30):  # Mosquitto lets 20 unacknowledged messages out to the gateway at once
            await panel.send_raw(
                json.dumps({"msg_id": f"p{i}", "device": {"x": i}, "sia": {"code": "FA"}}).encode()
            )
        fire = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=fire))
        await eventually(lambda: at_least(count(sessions, DeadLetter), 30))
    assert await count(sessions, DeadLetter) == 30


async def test_a_megabyte_payload_before_a_fire_keeps_at_most_4_kib_of_it(
    clean_broker: Settings, sessions
) -> None:
    settings = clean_broker
    huge = b'{"msg_id": "big", "sia": {"code": "FA"}, "pad": "' + b"x" * (1 << 20) + b'"}'
    async with (
        running_gateway(settings, sessions),
        commissioned_panel(settings, sessions, "6603") as panel,
    ):
        await panel.send_raw(huge)
        fire = await panel.alarm("fire")
        await eventually(lambda: count(sessions, message_id=fire))
        await asyncio.sleep(0.5)  # were the payload still under way, its dead letter would be in by now
    # A broker with a message size limit refuses it before the gateway sees it; if it does reach the
    # gateway, the dead letter keeps 4 KiB and says how long the payload was, and what it hashed to.
    for row in await dead_letters(sessions):
        assert len(row.payload.encode()) <= DEAD_LETTER_KEEP
        assert (row.payload_length, row.payload_sha256) == (len(huge), hashlib.sha256(huge).hexdigest())
        assert row.reason.startswith("payload too large")
    assert await count(sessions, Signal) == 1


async def test_a_megabyte_payload_that_reaches_the_gateway_is_kept_as_4_kib_with_its_length_and_hash(
    sessions,
) -> None:
    huge = bytes(range(256)) * 4096  # 1 MiB, not UTF-8 either
    message = aiomqtt.Message("panels/6604/signals", huge, qos=1, retain=False, mid=1, properties=None)
    result = await Ingest(sessions).store(decode(message, "panels", {}))
    assert (result.stored, result.dead_letters) == (0, 1)
    (row,) = await dead_letters(sessions)
    assert len(row.payload.encode()) <= DEAD_LETTER_KEEP
    assert row.payload.startswith("\\x00\x01\x02")  # NUL and undecodable bytes as escapes
    assert (row.payload_length, row.payload_sha256) == (len(huge), hashlib.sha256(huge).hexdigest())
    assert row.reason == f"payload too large: {len(huge)} bytes, larger than 16384"


class FailingKeys(Mapping[str, bytes]):
    """Keys that raise when looked up: a way to make decoding one message fail from the inside."""

    def __getitem__(self, account: str) -> bytes:
        raise RuntimeError("no keys today")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no keys today")

    def __len__(self) -> int:
        raise RuntimeError("no keys today")


async def test_a_message_whose_decoding_fails_unexpectedly_is_dead_lettered_and_the_batch_goes_on(
    sessions, caplog
) -> None:
    frame = Dc09Panel("-", 0, "6606").frame("#6606|Nri1/FA001")  # decoding it looks up the account's key
    fire = payload("6606", "fire-1", 110)
    batch = [
        aiomqtt.Message("panels/6606/signals", body, qos=1, retain=False, mid=mid, properties=None)
        for mid, body in ((1, frame), (2, fire))
    ]
    items = [item for message in batch for item in decode(message, "panels", FailingKeys())]
    result = await Ingest(sessions).store(items)
    assert (result.stored, result.dead_letters) == (1, 1)
    (row,) = await dead_letters(sessions)
    assert row.reason == "decoder failed: RuntimeError"
    assert row.payload_sha256 == hashlib.sha256(frame).hexdigest()
    assert await count(sessions, message_id="fire-1") == 1
    # Logged with its trace, so the bug can be found.
    assert any(r.exc_info and "decoder failed" in r.getMessage() for r in caplog.records)


# --- a message the database refuses (a decoder bug let it through) --------------------------------------


def _fire(account: str, message_id: str) -> Received:
    event = contact_id.parse(contact_id.encode(account, Qualifier.NEW, 110, 1, 1))
    assert isinstance(event, ContactIdEvent)
    signal = PanelSignal(event.account, message_id, None, event)
    return Received("mqtt", f"panels/{account}/signals", b"{}", utcnow(), signal)


async def test_a_message_the_database_refuses_is_dead_lettered_and_the_fire_beside_it_is_stored(
    sessions,
) -> None:
    # A lone surrogate neither database can store: had a decoder let one through, the commit of the
    # whole batch fails. Retrying that batch forever would hold back the fire in it.
    poison = _fire("6605", "bad-\ud800")
    fire = _fire("6605", "fire-1")
    result = await Ingest(sessions).store([poison, fire])
    assert (result.stored, result.dead_letters) == (1, 1)
    async with sessions() as session:
        stored = await session.scalar(select(Signal))
    assert stored.message_id == "fire-1"
    (row,) = await dead_letters(sessions)
    assert row.reason.startswith("storage refused: ")
    assert row.payload_sha256 == hashlib.sha256(b"{}").hexdigest()


@pytest.mark.parametrize(
    ("error", "away"),
    [
        pytest.param(OperationalError("INSERT", {}, psycopg.OperationalError("refused")), True, id="pg-down"),
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.AdminShutdown()), True, id="pg-shutdown"),
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.DeadlockDetected()), True, id="deadlock"),
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.DiskFull()), True, id="disk-full"),
        pytest.param(InterfaceError("INSERT", {}, psycopg.InterfaceError("closed")), True, id="pg-closed"),
        pytest.param(
            OperationalError("INSERT", {}, Exception("database is locked")), True, id="sqlite-locked"
        ),
        pytest.param(ConnectionRefusedError(), True, id="refused"),
        pytest.param(
            OperationalError("INSERT", {}, psycopg.errors.ProgramLimitExceeded()), False, id="row-size"
        ),
        pytest.param(
            DataError("INSERT", {}, psycopg.errors.StringDataRightTruncation()), False, id="too-long"
        ),
        pytest.param(IntegrityError("INSERT", {}, psycopg.errors.NotNullViolation()), False, id="not-null"),
        pytest.param(
            StatementError("bind", "INSERT", {}, UnicodeEncodeError("utf-8", "\ud800", 0, 1, "x")),
            False,
            id="unencodable",
        ),
        pytest.param(TypeError("unhashable type: 'dict'"), False, id="bug"),
    ],
)
def test_only_a_database_that_is_away_gets_the_batch_retried(error: Exception, away: bool) -> None:
    assert database_away(error) is away


async def settled(gateway: MqttGateway) -> bool:
    """Every message received has been acknowledged, and the PUBACKs have had a moment to leave."""
    if gateway.unacknowledged:
        return False
    await asyncio.sleep(0.2)
    return True


async def test_what_the_broker_acknowledged_before_the_panel_vanished_still_reaches_the_gateway(
    clean_broker: Settings, sessions
) -> None:
    """The red team's lost fire: a panel publishes a burst (poison, then a fire) and its connection
    drops at once. Every message the broker read (and acknowledged) must reach the gateway, not wait
    in the panel's session until it reconnects, or vanish with a clean session."""
    settings = clean_broker
    password = await commissioned(sessions, "6609")
    target = settings.broker
    topic = f"{settings.mqtt_topic_root}/6609/signals"
    burst = [*POISON * 20, payload("6609", "burst-fire", 110)]
    async with running_gateway(settings, sessions):
        reader, writer = await raw_mqtt_login(target.host, target.port, "6609", "6609", password, clean=True)
        for n, body in enumerate(burst, start=1):
            writer.write(mqtt_packet(0x32, mqtt_text(topic) + n.to_bytes(2, "big") + body))  # QoS 1
        await writer.drain()
        await reader.readexactly(4 * len(burst))  # every PUBACK: the broker has them all
        writer.transport.abort()  # gone, without a DISCONNECT
        await eventually(lambda: count(sessions, message_id="burst-fire"))
        await eventually(lambda: at_least(dead_letters(sessions), len(POISON) * 20))
