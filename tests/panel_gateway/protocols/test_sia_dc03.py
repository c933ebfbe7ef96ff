"""The SIA DC-03 data grammar: modifiers, events, text, several blocks (sia_dc03.parse_block)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from panel_gateway.protocols import sia_dc03
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent


def events(text: str) -> list[tuple[str, int, int, dict[str, str], str | None]]:
    result = sia_dc03.parse_block(text)
    assert not isinstance(result, ParseError), result
    return [(e.code, e.zone, e.partition, dict(e.modifiers), e.text) for e in result]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("NFA129", [("FA", 129, 0, {}, None)]),
        ("Nri1/FA129", [("FA", 129, 1, {}, None)]),
        # Without "/" between the fields (pysiaalarm issue 11; its test case "bug").
        ("Nri1CL0^VX FRONTE ^", [("CL", 0, 1, {}, "VX FRONTE")]),
        # A user-id block: id3, then the event OG2 (issue 16).
        ("Nid3OG2", [("OG", 2, 0, {"id": "3"}, None)]),
        ("Nri2/id12/CL1", [("CL", 1, 2, {"id": "12"}, None)]),
        # Peripheral, date (mm-dd-yy) and time with seconds, then the event and its text (ioBroker.sia).
        (
            "Nri0000pi0006da10-25-18ti14:37:53UT0000^Zona1^",
            [("UT", 0, 0, {"pi": "0006", "da": "10-25-18", "ti": "14:37:53"}, "Zona1")],
        ),
        ("Nti09:15/id0001/OP0001", [("OP", 1, 0, {"ti": "09:15", "id": "0001"}, None)]),
        # An event without an address (SATEL "Npi0/AT", pysiaalarm pull request 87).
        ("Npi0/AT", [("AT", 0, 0, {"pi": "0"}, None)]),
        # Modifiers hold for the events after them until sent again.
        (
            "Nri1/id3/BA003/BA004/ri2/id4/FA001",
            [
                ("BA", 3, 1, {"id": "3"}, None),
                ("BA", 4, 1, {"id": "3"}, None),
                ("FA", 1, 2, {"id": "4"}, None),
            ],
        ),
        # An ASCII text block (A) describes the events of the block before it.
        ("Nri1/BA003|AFront door", [("BA", 3, 1, {}, "Front door")]),
        ("Nri1/BA003^hall^|Aground floor", [("BA", 3, 1, {}, "hall ground floor")]),
        # Several event blocks; an old-event block (O) carries events too.
        ("Nri1/FA001|Nri2/BA002", [("FA", 1, 1, {}, None), ("BA", 2, 2, {}, None)]),
        ("Ori1/BA002", [("BA", 2, 1, {}, None)]),
        # Text before any event belongs to the event after it; unknown modifiers are kept.
        ("N^kitchen^WA001", [("WA", 1, 0, {}, "kitchen")]),
        ("Nxy77/TA5", [("TA", 5, 0, {"xy": "77"}, None)]),
        # Adjacent events without separator are two events (nothing is dropped into a text).
        ("Nri04/OP001NM", [("OP", 1, 4, {}, None), ("NM", 0, 4, {}, None)]),
    ],
)
def test_the_grammar(data: str, expected: list) -> None:
    assert events(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("", "must start with N, O or A"),
        ("Xri1/FA1", "must start with N, O or A"),
        ("AText only", "no event before it"),
        ("Nri1", "no event"),
        ("Nri/FA1", "area"),
        ("Nri1²/FA1", "area"),
        ("Nti9:5/FA1", "time"),
        ("NFA1^open text", "not closed"),
        ("NF", "not understood"),
        ("N12/FA1", "not understood"),
        ("NFA1234567", "not understood"),
        ("N" + "/FA1" * 65, "more than 64 events"),
    ],
)
def test_what_is_not_dc03_is_a_reason(data: str, reason: str) -> None:
    result = sia_dc03.parse_block(data)
    assert isinstance(result, ParseError) and reason in result.reason


def test_the_common_case_keeps_its_plain_shape() -> None:
    assert sia_dc03.parse_block("Nri1/FA129") == (SiaEvent("FA", 129, 1),)


@given(
    st.lists(
        st.tuples(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
            st.integers(0, 9999),
            st.integers(0, 99),
            st.integers(0, 9999).map(str),  # a modifier holds until sent again: every event sends its own
            st.one_of(st.none(), st.text("abcdefghijklmnopqrstuvwxyz ,.0123456789", min_size=1, max_size=20)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_encode_then_parse_round_trips(spec: list) -> None:
    sent = [
        SiaEvent(code, zone, area, (("id", user),), text.strip() or None if text else None)
        for code, zone, area, user, text in spec
    ]
    assert list(sia_dc03.parse_block(sia_dc03.encode_block(sent))) == sent


@given(st.text("NOAXri0123456789/^|: -idpitda FABACLOPé١", max_size=60))
def test_any_text_is_events_or_a_reason(text: str) -> None:
    result = sia_dc03.parse_block(text)
    assert isinstance(result, tuple | ParseError)
