"""Decoders never raise on input: whatever a panel (or anyone on the panel network) sends gets a value.

Arbitrary bytes and text, JSON of any shape under the payload's keys, other scripts' digits, and the
inputs that used to raise (issue 15), each answered with a ParseError and a reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panel_gateway import decode_output as decode
from panel_gateway.protocols import contact_id, dc09, mqtt_payload, sia_codes, sia_dc03, surgard
from panel_gateway.protocols.errors import ParseError

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
KEY = bytes(range(16))
KEYS = {"1234": KEY}

BYTE_DECODERS: dict[str, Callable[[bytes], object]] = {
    "mqtt_payload.parse": lambda b: mqtt_payload.parse("1234", b, keys=KEYS, now=NOW),
    "mqtt_payload.parse_json": lambda b: mqtt_payload.parse_json("1234", b),
    "dc09.parse": lambda b: dc09.parse(b, keys=KEYS, now=NOW),
    "dc09.parse_answer": lambda b: dc09.parse_answer(b, key=KEY),
    "surgard.parse": surgard.parse,
}
TEXT_DECODERS: dict[str, Callable[[str], object]] = {
    "mqtt_payload.topic_account": lambda s: mqtt_payload.topic_account(s, "panels"),
    "mqtt_payload.images_in": mqtt_payload.images_in,
    "contact_id.parse": contact_id.parse,
    "contact_id.parse_adm_block": lambda s: contact_id.parse_adm_block("1234", s),
    "sia_dc03.parse_block": sia_dc03.parse_block,
    "dc09.parse (text)": lambda s: dc09.parse(s, keys=KEYS, now=NOW),
    "dc09.parse_key": dc09.parse_key,
    "decode.describe": lambda s: decode.describe(s, keys=KEYS, now=NOW),
}
# Digits of other scripts: '١' and '０' are decimal to int(), '²' only to str.isdigit(); none is a panel's.
ODD_DIGITS = "١٢٣٤٥٦٧٨٩٠０１²³¹߁৩๓"
protocol_text = st.text(alphabet=st.sampled_from('0123456789 /|#[]^_,:-NriFABCDEOPRTYZ"' + ODD_DIGITS))
# Values each field would accept, so that a mutation of one field meets the checks of the others.
valid_values = st.sampled_from(
    ["m-1", 42, "FA", "2026-11-22T12:00:00+09:00", "0001-01-01T00:00:00+01:00", "outdoor_camera", True,
     "https://cam/1.jpg", "1234181110010015", {"code": "FA", "zone": 3}]
)  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | protocol_text
    | valid_values,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = ["sent_at", "contact_id", "sia", "device", "images", "heartbeat"]
payloads = st.fixed_dictionaries(
    {"msg_id": st.just("m-1") | json_values}, optional={field: json_values | valid_values for field in FIELDS}
)
payload_keys = st.sampled_from(["msg_id", *FIELDS])


@pytest.mark.parametrize("name", BYTE_DECODERS)
@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_get_an_answer(name: str, data: bytes) -> None:
    BYTE_DECODERS[name](data)


@pytest.mark.parametrize("name", TEXT_DECODERS)
@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80) | protocol_text)
def test_arbitrary_text_gets_an_answer(name: str, text: str) -> None:
    TEXT_DECODERS[name](text)


@settings(max_examples=300, deadline=None)
@given(doc=payloads)
def test_any_shape_under_the_payload_keys_is_refused_or_read(doc: dict[str, object]) -> None:
    result = mqtt_payload.parse("1234", json.dumps(doc).encode(), keys=KEYS, now=NOW)
    assert isinstance(result, list | ParseError)


@settings(max_examples=100, deadline=None)
@given(key=payload_keys, depth=st.integers(1, 12_000), opener=st.sampled_from(["[", '{"a":']))
def test_nesting_of_any_depth_is_refused_or_read(key: str, depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    body = f'{{"msg_id": "m", "{key}": {opener * depth}1{closer * depth}}}'.encode()
    result = mqtt_payload.parse("1234", body, keys=KEYS, now=NOW)
    assert isinstance(result, list | ParseError)


@settings(max_examples=200, deadline=None)
@given(sia=json_values)
def test_any_value_as_a_sia_event_is_refused_or_read(sia: object) -> None:
    result = sia_codes.parse(sia)
    assert isinstance(result, sia_codes.SiaEvent | ParseError)


@pytest.mark.parametrize(
    ("decoder", "text", "reason"),
    [
        (sia_dc03.parse_block, "Nri1²/FA1", "area"),
        (sia_dc03.parse_block, "Nri١/FA1", "area"),
        (sia_dc03.parse_block, "NFA١٢", "not understood"),
        (sia_dc03.parse_block, "N" + "/FA1" * 65, "more than 64 events"),
        (lambda t: contact_id.parse_adm_block("1234", t), "1²10 01 001", "decimal"),
        (lambda t: contact_id.parse_adm_block("1234", t), "1١10 01 001", "decimal"),
        (contact_id.parse, "12341811١0010013", "invalid digits"),
        (lambda t: mqtt_payload.topic_account(t, "panels"), "panels/1234\n/signals", "invalid account"),
    ],
    ids=["superscript-area", "arabic-area", "arabic-zone", "event-flood", "superscript-adm", "arabic-adm",
         "arabic-cid", "newline-account"],
)  # fmt: skip
def test_other_scripts_digits_and_trailing_newlines_are_refused(
    decoder: Callable[[str], object], text: str, reason: str
) -> None:
    result = decoder(text)
    assert isinstance(result, ParseError)
    assert reason in result.reason


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"msg_id":"p","device":{"x":1},"sia":{"code":"FA"}}', "unknown device"),
        (b'{"msg_id":"p","sia":' + b"[" * 5000 + b"]" * 5000 + b"}", "nested deeper than 8"),
        (b'{"msg_id":"p","sia":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}}', "nested deeper than 8"),
        (b'{"msg_id":"p","sia":{"code":"FA","zone":' + b"9" * 5000 + b"}}", "not JSON"),
        (b'{"msg_id":"p","sent_at":"0001-01-01T00:00:00+01:00","sia":{"code":"FA"}}', "out of range"),
        (b'{"msg_id":"p\\n","sia":{"code":"FA"}}', "msg_id"),
        ('{"msg_id":"p","sia":{"code":"ΦΑ"}}'.encode(), "two capital letters"),
        (b'{"msg_id":"p","contact_id":"\xff"}', "not JSON"),
        (b"{" + b" " * (1 << 20) + b"}", "payload too large: 1048578 bytes"),
    ],
    ids=["dict-device", "deep-nesting", "nine-levels", "5000-digit-int", "year-1", "newline-id", "greek-code",
         "not-utf8", "1-mib"],
)  # fmt: skip
def test_the_payloads_that_used_to_raise_get_a_reason(payload: bytes, reason: str) -> None:
    result = mqtt_payload.parse("1234", payload, keys=KEYS, now=NOW)
    assert isinstance(result, ParseError)
    assert reason in result.reason
