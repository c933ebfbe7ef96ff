from __future__ import annotations

import pytest

from panel_gateway.protocols import contact_id
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.errors import ParseError

# Digit values for the checksum: 0 counts as 10, B-F as 11-15; the 16 digits sum to a multiple of 15.
VALUE = {**{str(d): d for d in range(1, 10)}, "0": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15}


def test_parses_the_fields_of_a_burglary_report() -> None:
    # 1234 18 1 131 01 015: sum of digit values is 52, so the checksum digit is 15 - 52 % 15 = 8.
    event = contact_id.parse("1234 18 1 131 01 015 8")
    assert event == ContactIdEvent("1234", "18", Qualifier.NEW, 131, 1, 15)


@pytest.mark.parametrize(
    "frame",
    ["1234181131010159", "1234181131010158"[:15] + "7", "123418113101015"],
    ids=["wrong checksum", "off by one", "15 digits"],
)
def test_refuses_corrupted_frames(frame: str) -> None:
    assert isinstance(contact_id.parse(frame), ParseError)


def test_zero_counts_as_ten_in_the_checksum() -> None:
    # 1234 18 1 130 01 001: with 0 as 10 the digits sum to 66 -> S = 9; counting 0 as 0 would give 4.
    assert contact_id.checksum_digit("123418113001001") == "9"
    assert isinstance(contact_id.parse("1234181130010019"), ContactIdEvent)
    assert isinstance(contact_id.parse("1234181130010014"), ParseError)


def test_checksum_is_f_when_the_digits_already_sum_to_a_multiple_of_fifteen() -> None:
    # Search a body whose own sum is a multiple of 15: its checksum digit must be F (15), not 0 (10).
    for zone in range(1000):
        body = f"123418113001{zone:03d}"
        if sum(VALUE[d] for d in body) % 15 == 0:
            break
    assert contact_id.checksum_digit(body) == "F"
    assert isinstance(contact_id.parse(body + "F"), ContactIdEvent)


def test_hex_account_digits_are_allowed() -> None:
    frame = contact_id.encode("BCDE", Qualifier.NEW, 110, 1, 3)
    assert contact_id.parse(frame).account == "BCDE"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("123419113101015", "message type"),
        ("123418213101015", "qualifier"),
        ("1234181B3101015", "decimal"),
    ],
)
def test_refuses_fields_out_of_range_with_a_reason(body: str, reason: str) -> None:
    result = contact_id.parse(body + contact_id.checksum_digit(body))
    assert isinstance(result, ParseError)
    assert reason in result.reason


def test_round_trip_for_every_qualifier() -> None:
    for qualifier in Qualifier:
        event = contact_id.parse(contact_id.encode("0042", qualifier, 602, 0, 0))
        assert (event.account, event.qualifier, event.code) == ("0042", qualifier, 602)
