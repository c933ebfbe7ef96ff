from __future__ import annotations

import datetime as dt
import json

import pytest

from panel_gateway.protocols import contact_id, dc09, mqtt_payload
from panel_gateway.protocols.contact_id import Qualifier
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

FIRE = contact_id.encode("1234", Qualifier.NEW, 110, 1, 3)
KEY = bytes(range(16))


NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def parse(account: str, payload: bytes):
    return mqtt_payload.parse(account, payload, keys={"1234": KEY}, now=NOW)


def body(**fields: object) -> bytes:
    return json.dumps({"msg_id": "m-1", "sent_at": "2026-11-22T21:00:00+09:00", **fields}).encode()


def test_contact_id_payload_is_decoded_with_the_panel_clock_in_utc() -> None:
    (signal,) = parse("1234", body(contact_id=FIRE))
    assert signal.account == "1234"
    assert signal.message_id == "m-1"
    assert signal.panel_time == dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
    assert signal.event.code == 110


def test_sia_payload_and_device_are_decoded() -> None:
    (signal,) = parse("1234", body(sia={"code": "BA", "zone": 7}, device="outdoor_camera"))
    assert signal.event == SiaEvent("BA", 7, 0)
    assert signal.device == "outdoor_camera"


def test_integer_message_ids_are_accepted_as_text() -> None:
    assert parse("1234", body(msg_id=42, contact_id=FIRE))[0].message_id == "42"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (body(contact_id=FIRE, msg_id=""), "msg_id"),
        (body(contact_id=FIRE, sent_at="yesterday"), "ISO 8601"),
        (body(contact_id=FIRE, sent_at="2026-11-22T12:00:00"), "UTC offset"),
        (body(), "exactly one"),
        (body(contact_id=FIRE, sia={"code": "FA"}), "exactly one"),
        (body(contact_id="1234181131010159"), "checksum"),
        (body(contact_id=contact_id.encode("9999", Qualifier.NEW, 110, 1, 3)), "does not match"),
        (body(sia={"code": "fa"}), "two capital letters"),
        (body(sia={"code": "FA", "zone": -1}), "zone"),
        (body(contact_id=FIRE, device="toaster"), "unknown device"),
        (body(contact_id=FIRE, images=["file:///etc/passwd"]), "images"),
        (body(contact_id=FIRE, images="https://x"), "images"),
        (b"{" + b" " * 20000 + b"}", "larger than"),
    ],
)
def test_bad_payloads_get_a_reason(payload: bytes, reason: str) -> None:
    result = parse("1234", payload)
    assert isinstance(result, ParseError)
    assert reason in result.reason


@pytest.mark.parametrize(
    ("topic", "expected"),
    [("panels/1234/signals", "1234"), ("site/a/panels/77/signals", "77")],
)
def test_account_comes_from_the_topic(topic: str, expected: str) -> None:
    root = topic.rsplit("/", 2)[0]
    assert mqtt_payload.topic_account(topic, root) == expected


@pytest.mark.parametrize(
    "topic", ["panels/1234", "panels/1234/status", "other/1234/signals", "panels/a b/signals"]
)
def test_unexpected_topics_are_refused(topic: str) -> None:
    assert isinstance(mqtt_payload.topic_account(topic, "panels"), ParseError)


def test_a_heartbeat_is_a_check_in_without_an_event() -> None:
    (signal,) = parse("1234", body(heartbeat=True))
    assert signal.event is None and signal.account == "1234"


def test_a_raw_contact_id_message_is_accepted() -> None:
    (signal,) = parse("1234", FIRE.encode())
    assert signal.event.code == 110
    assert parse("1234", FIRE.encode())[0].message_id == signal.message_id  # same minute: one signal


def test_a_raw_dc09_frame_is_accepted_encrypted_too() -> None:
    frame = dc09.encode(dc09.Outgoing("SIA-DCS", 3, "1234", "Nri1/FA001/BA002"), at=NOW, key=KEY)
    signals = parse("1234", frame)
    assert [s.event.code for s in signals] == ["FA", "BA"]
    assert len({s.message_id for s in signals}) == 2
    assert parse("1234", frame.replace(b"*SIA", b"*SIB")).code == "crc"


def test_a_raw_frame_for_another_account_is_refused() -> None:
    frame = dc09.encode(dc09.Outgoing("SIA-DCS", 3, "9999", "Nri1/FA001"), at=NOW)
    assert "does not match" in parse("1234", frame).reason


def test_camera_images_travel_with_the_alarm() -> None:
    raw = body(
        contact_id=FIRE,
        device="outdoor_camera",
        images=["https://nvr.local/a.jpg", "data:image/jpeg;base64,AAA="],
    )
    assert isinstance(parse("1234", raw), list)
    assert mqtt_payload.images_in(raw.decode()) == ["https://nvr.local/a.jpg", "data:image/jpeg;base64,AAA="]
    assert mqtt_payload.images_in("not json") == []
