"""Property tests for the other codecs: encode→decode round-trips; arbitrary input never raises."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from panel_gateway.protocols import contact_id, mqtt_payload, sia_dc03, surgard
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

NOW = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
accounts = st.text(alphabet="0123456789BCDEF", min_size=4, max_size=4)
events = st.builds(
    lambda account, q, code, group, zone: ContactIdEvent(account, "18", q, code, group, zone),
    accounts, st.sampled_from(list(Qualifier)), st.integers(0, 999), st.integers(0, 99), st.integers(0, 999),
)  # fmt: skip


@given(events)
def test_contact_id_round_trips(event: ContactIdEvent) -> None:
    assert contact_id.parse(event.encode()) == event


@given(events, st.integers(0, 15), st.sampled_from("0123456789BCDEF"))
def test_contact_id_catches_any_single_changed_digit(event: ContactIdEvent, index: int, digit: str) -> None:
    frame = event.encode()
    if frame[index] == digit:
        return
    changed = frame[:index] + digit + frame[index + 1 :]
    assert isinstance(contact_id.parse(changed), ParseError)


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_contact_id_never_raises(text: str) -> None:
    assert isinstance(contact_id.parse(text), ContactIdEvent | ParseError)


@given(st.integers(0, 99), st.integers(0, 9), events)
def test_receiver_line_round_trips(receiver: int, line: int, event: ContactIdEvent) -> None:
    result = surgard.parse(surgard.encode_contact_id(receiver, line, event)[:-1])
    assert (result.receiver, result.line, result.event) == (receiver, line, event)


@settings(max_examples=300)
@given(st.binary(max_size=80))
def test_receiver_line_never_raises(data: bytes) -> None:
    assert isinstance(surgard.parse(data), surgard.Heartbeat | surgard.LineMessage | ParseError)


@given(st.lists(st.builds(SiaEvent, st.sampled_from(["BA", "FA", "OP", "CL", "YT"]), st.integers(0, 999),
                          st.integers(0, 99)), min_size=1, max_size=6))  # fmt: skip
def test_sia_blocks_round_trip(sia_events: list[SiaEvent]) -> None:
    assert list(sia_dc03.parse_block(sia_dc03.encode_block(sia_events))) == sia_events


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_sia_blocks_never_raise(text: str) -> None:
    assert isinstance(sia_dc03.parse_block(text), tuple | ParseError)


@settings(max_examples=500)
@given(st.binary(max_size=400))
def test_mqtt_payloads_never_raise(data: bytes) -> None:
    result = mqtt_payload.parse("1234", data, keys={"1234": bytes(16)}, now=NOW)
    assert isinstance(result, list | ParseError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
)


@settings(max_examples=300)
@given(json_values)
def test_any_json_value_gets_an_answer(value: object) -> None:
    import json

    doc = {"msg_id": "x", "contact_id": value} if not isinstance(value, dict) else value
    result = mqtt_payload.parse("1234", json.dumps(doc).encode(), keys={}, now=NOW)
    assert isinstance(result, list | ParseError)
