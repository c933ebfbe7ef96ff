"""The Sur-Gard automation output as DSC documents it ("SG Automation Output Protocol" rev. 161, 2008;
MLR2-DG / MLR2-E installation manuals; SG-System III and SG-System 5 operating manuals). Each case is a
message shape from those documents, most of them their own examples."""

from __future__ import annotations

import pytest

from control_center.signals.classification import PanelNote, SignalKind, classify
from panel_gateway.protocols import surgard
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent


@pytest.mark.parametrize(
    "message",
    [
        b"1011           @    ",  # MLR2-DG: RRL header
        b"101000           @    ",  # Automation Output §4.2: 1RR000, receiver 01
    ],
)
def test_the_supervisory_heartbeat_in_both_header_lengths(message: bytes) -> None:
    assert surgard.parse(message) == surgard.Heartbeat(1)


@pytest.mark.parametrize(
    ("message", "line"),
    [
        (b"5011 181234E12101001", 1),  # MLR2-E manual: account 1234, duress, group 01, zone 001
        (b"501100 181234E12101001", 100),  # Automation Output §4.10's example, receiver 01 line 100
        (b"501100 981234E12101001", 100),  # §4.9: "98 can also be used"
        (b"5011 181234E12101001 16:02:15-22/04", 1),  # MLR2-E clock variant: time accepted, not used
    ],
)
def test_contact_id_messages(message: bytes, line: int) -> None:
    result = surgard.parse(message)
    assert isinstance(result, surgard.LineMessage)
    assert (result.receiver, result.line, result.account) == (1, line, "1234")
    assert result.event == ContactIdEvent("1234", "18", Qualifier.NEW, 121, 1, 1)


def test_contact_id_with_a_ten_digit_account() -> None:
    result = surgard.parse(b"Q01001 580123456789E13001003")  # §4.10, protocol Q, format 58
    assert isinstance(result, surgard.LineMessage)
    assert result.event == ContactIdEvent("0123456789", "18", Qualifier.NEW, 130, 1, 3)


@pytest.mark.parametrize(
    ("message", "events"),
    [
        (b"S01001[#1234|Nri1BA01]", [SiaEvent("BA", 1, 1)]),  # MLR2-DG "SIA protocol 2" example
        (b"S011[#1234|Lri1BA01]", [SiaEvent("BA", 1, 1)]),  # listen-in block
        (b"S011[#1234|Nri1BA01/L90]", [SiaEvent("BA", 1, 1)]),  # panel stays on line 90 s
    ],
)
def test_sia_messages(message: bytes, events: list[SiaEvent]) -> None:
    result = surgard.parse(message)
    assert isinstance(result, surgard.LineMessage)
    assert (result.account, list(result.events), result.internal) == ("1234", events, False)


def test_the_sia_example_of_the_automation_output_document() -> None:
    # §4.7: the panel sends "#1234 NdaMM-DD-YYtiHH:MM:SS/id22/CL/PA31".
    result = surgard.parse(b"S01001[#1234|Nda04-22-94ti16:02:15/id22/CL/PA31]")
    assert isinstance(result, surgard.LineMessage)
    assert [(e.code, e.zone, e.modifier("id")) for e in result.events] == [("CL", 0, "22"), ("PA", 31, "22")]


def test_a_4_2_report_in_the_basic_protocol() -> None:
    # §4.3 example 2: a 4/2 panel sends "1234 E2"; the receiver outputs event code R and the code E2.
    result = surgard.parse(b"101001      1234 R  E2")
    assert isinstance(result, surgard.LineMessage) and result.account == "1234"
    event = result.event
    assert (event.code, event.text) == ("UR", "SG R  E2")
    assert classify(event).kind == SignalKind.RESTORE


def test_open_close_by_area_in_the_basic_protocol() -> None:
    # §4.3 example 3: panel 0012 armed on area 1 by user 134 (RRL header as the MLR2-DG prints it).
    result = surgard.parse(b"1011      0012 C1134")
    assert isinstance(result, surgard.LineMessage)
    assert (result.account, result.event.code, result.event.partition, result.event.zone) == (
        "0012",
        "CL",
        1,
        134,
    )
    assert classify(result.event).kind == SignalKind.CLOSING


@pytest.mark.parametrize(
    ("x", "kind", "note"),
    [("3", SignalKind.ALARM, None), ("1", SignalKind.ALARM, None), ("0", SignalKind.TEST, None),
     ("F", SignalKind.NOTE, PanelNote.CANCELLED), ("B", SignalKind.INFO, None),
     ("T", SignalKind.ALARM, None)],
)  # fmt: skip
def test_the_basic_protocol_event_codes(x: str, kind: SignalKind, note: PanelNote | None) -> None:
    result = surgard.parse(surgard.encode_basic(1, 1, "1234", x, " ", "3")[:-1])
    assert isinstance(result, surgard.LineMessage)
    assert (classify(result.event).kind, classify(result.event).note) == (kind, note)


@pytest.mark.parametrize(
    "message",
    [b"1011      0000 A  15", b"001000[#0000|NYC0001]"],  # §4.4 CPM2 AC failure; System III protocol 0
)
def test_the_receivers_own_messages(message: bytes) -> None:
    result = surgard.parse(message)
    assert isinstance(result, surgard.LineMessage) and result.internal
    assert classify(result.event).kind == SignalKind.ALARM


@pytest.mark.parametrize(
    "message",
    [
        b"T01001    123456 A  01",  # Telenot (§4.26): a protocol not decoded here
        b"5011 18 12X4E11001005",  # a broken account
        b"S011[1234|NBA01]",  # SIA without its account block
        "5011 18１２３４E12101001".encode(),  # not ASCII
    ],
)
def test_what_cannot_be_read_is_refused(message: bytes) -> None:
    assert isinstance(surgard.parse(message), ParseError)


def test_an_answer_must_reach_the_receiver_within_its_4_seconds() -> None:
    assert surgard.answered_in_time(100.0, 103.9)
    assert not surgard.answered_in_time(100.0, 104.0)


@pytest.mark.parametrize("short_header", [False, True])
def test_the_encoders_write_what_the_parser_reads(short_header: bool) -> None:
    event = ContactIdEvent("1234", "18", Qualifier.RESTORE, 401, 2, 7)
    result = surgard.parse(surgard.encode_contact_id(3, 4, event, short_header=short_header)[:-1])
    assert isinstance(result, surgard.LineMessage) and (result.receiver, result.line, result.event) == (
        3,
        4,
        event,
    )
    assert surgard.parse(surgard.encode_heartbeat(7, short_header=short_header)[:-1]) == surgard.Heartbeat(7)
    sia = surgard.parse(surgard.encode_sia(1, 2, "5678", "Nri2/FA129")[:-1])
    assert isinstance(sia, surgard.LineMessage) and sia.event == SiaEvent("FA", 129, 2)
