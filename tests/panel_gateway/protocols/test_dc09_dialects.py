"""DC-09 as panels in the field send it: account forms, extended data, unreadable data, answers.

Each vendor quirk is a test with the public report it comes from. The frames themselves, with their
provenance, are in tests/panel_gateway/corpus/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from panel_gateway.protocols import dc09, dc09_extended, mqtt_payload, panel_signal
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.crc16 import crc16_arc
from panel_gateway.protocols.dc09 import Frame, FrameError, Outgoing
from panel_gateway.protocols.sia_codes import SiaEvent

NOW = dt.datetime(2026, 11, 22, 3, 0, 0, tzinfo=dt.UTC)
STAMP = dc09.timestamp_text(NOW)
KEY = bytes(range(16))


def wrap(body: str, encoding: str = "ascii") -> bytes:
    raw = body.encode(encoding)
    return b"\n%04X%04X%s\r" % (crc16_arc(raw), len(raw), raw)


def parse(body: str, keys: dict[str, bytes] | None = None, **kw: object) -> Frame | FrameError:
    return dc09.parse(wrap(body), keys=keys or {}, now=NOW, **kw)  # type: ignore[arg-type]


# --- the account, in every form a panel writes it -------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "#12345A|NFA129",  # DC-09 Annex B
        "12345A|NFA129",  # without "#": the form of DC-09's encrypted example (issue 16)
        "|NFA129",  # empty: the header's
        "NFA129",  # no account in the data at all
    ],
)
def test_the_data_account_in_every_legal_form(data: str) -> None:
    frame = parse(f'"SIA-DCS"0001L0#12345A[{data}]{STAMP}')
    assert isinstance(frame, Frame) and frame.unreadable is None
    assert (frame.panel_account, frame.events) == ("12345A", (SiaEvent("FA", 129, 0),))


def test_an_encrypted_frame_whose_data_names_the_account_without_hash() -> None:
    message = Outgoing("SIA-DCS", 9876, "12345A", "12345A|NFA129", "789ABC", "579BDF")
    sent = dc09.encode(message, at=NOW, key=KEY)
    frame = dc09.parse(sent, keys={"12345A": KEY}, now=NOW)
    assert isinstance(frame, Frame) and frame.encrypted
    assert frame.events == (SiaEvent("FA", 129, 0),)


def test_a_header_without_account_takes_the_data_blocks() -> None:
    # pysiaalarm tests/test_sia_package_cases.py, case_op: "R0001L0001[#006969|Nri04/OP001NM]".
    frame = parse('"SIA-DCS"4738R0001L0001[#006969|Nri04/OP001]')
    assert isinstance(frame, Frame)
    # The padded account is account 6969 (dc09.canonical_account; pysiaalarm issues 41 and 72).
    assert (frame.panel_account, frame.events) == ("6969", (SiaEvent("OP", 1, 4),))
    ack = dc09.response(frame, keys={}, now=NOW)
    assert b'"ACK"4738R0001L0001#006969[]' in ack


def test_a_frame_naming_no_account_anywhere_is_refused() -> None:
    result = parse('"SIA-DCS"0001L0[NFA129]')
    assert isinstance(result, FrameError) and result.code == "format" and "no account" in result.reason


def test_a_header_without_account_cannot_slip_a_plain_frame_past_a_keyed_account() -> None:
    result = parse('"SIA-DCS"0001L0[#1002|NBA1]', keys={"1002": KEY})
    assert isinstance(result, FrameError) and result.code == "plain"


def test_leading_zeros_name_the_same_account() -> None:
    # https://github.com/eavanvalkenburg/pysiaalarm/issues/61: header #1111, data #001111.
    frame = parse(f'"ADM-CID"0028R1L0#1111[#001111|3407 01 000]{STAMP}')
    assert isinstance(frame, Frame) and frame.panel_account == "1111"
    assert frame.events[0].code == 407


def test_an_all_zero_data_account_is_a_placeholder() -> None:
    # SATEL ETHM-1 sends "#0000" in the data block (https://github.com/eavanvalkenburg/pysiaalarm/pull/87).
    frame = parse(f'"SIA-DCS"0097L0#ABCD[#0000|Npi0/AT]{STAMP}')
    assert isinstance(frame, Frame) and frame.panel_account == "ABCD"
    assert frame.events == (SiaEvent("AT", 0, 0, (("pi", "0"),)),)


def test_another_account_in_the_data_is_still_refused() -> None:
    result = parse(f'"SIA-DCS"0001L0#1001[#1002|NBA1]{STAMP}')
    assert isinstance(result, FrameError) and result.code == "account"
    assert b'"DUH"' in dc09.response(result, keys={}, now=NOW)


def test_an_account_with_letters_beyond_hex() -> None:
    # Focus FC-7688 sends "#foc7688" (https://github.com/eavanvalkenburg/pysiaalarm/issues/36).
    frame = parse('"ADM-CID"6616R0L0#foc7688[#foc7688|1351 01 000]')
    assert isinstance(frame, Frame) and frame.panel_account == "FOC7688"
    assert frame.events == (ContactIdEvent("FOC7688", "18", frame.events[0].qualifier, 351, 1, 0),)


def test_an_empty_line_number_is_echoed_empty() -> None:
    # "L#7303658550" (https://github.com/schmupu/ioBroker.sia/issues/11): NAKed there, a check-in here.
    frame = parse(f'"NULL"0001L#7303658550[]{STAMP}')
    assert isinstance(frame, Frame) and (frame.line, frame.account) == ("", "7303658550")
    assert b'"ACK"0001L#7303658550[]' in dc09.response(frame, keys={}, now=NOW)


# --- answers ------------------------------------------------------------------------------------------------


def test_a_plain_null_poll_is_answered_ack_without_an_invented_receiver() -> None:
    # Pyronix Enforcer polls fail when the ACK carries "None" for the absent receiver
    # (https://github.com/home-assistant/core/issues/180511, https://github.com/eavanvalkenburg/pysiaalarm/issues/88).
    frame = dc09.parse(b'\nEA740027"NULL"0000L0#1409[]_20:38:07,08-27-2026\r', keys={},
                       now=dt.datetime(2026, 8, 27, 20, 38, 7, tzinfo=dt.UTC))  # fmt: skip
    assert isinstance(frame, Frame) and frame.is_poll
    ack = dc09.response(frame, keys={}, now=NOW)
    assert ack.startswith(b"\n") and ack.endswith(b"\r")
    assert b'"ACK"0000L0#1409[]' + STAMP.encode() in ack and b"None" not in ack and b"R" not in ack[9:20]
    assert dc09.parse_answer(ack, key=None).token == "ACK"


def test_an_encrypted_null_poll_is_answered_with_an_encrypted_ack() -> None:
    poll = dc09.encode(Outgoing("NULL", 0, "AAAB", "", "0", "0"), at=NOW, key=KEY)
    frame = dc09.parse(poll, keys={"AAAB": KEY}, now=NOW)
    ack = dc09.response(frame, keys={"AAAB": KEY}, now=NOW)
    assert b'"*ACK"0000R0L0#AAAB[' in ack
    answer = dc09.parse_answer(ack, key=KEY)
    assert (answer.token, answer.timestamp) == ("ACK", NOW)


def test_a_nak_carries_the_receivers_time_and_the_fixed_header() -> None:
    # The shape ioBroker.sia sends too: "NAK"0000R0L0A0[]_hh:mm:ss,MM-DD-YYYY (its issue 11 log).
    nak = dc09.nak(now=NOW)
    assert nak == wrap(f'"NAK"0000R0L0A0[]{STAMP}')
    answer = dc09.parse_answer(nak, key=None)
    assert (answer.token, answer.timestamp) == ("NAK", NOW)


# --- unreadable data in a sound frame: stored, acknowledged -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (f'"SIA-DCS"0001L0#1001[#1001|Zq!garbage]{STAMP}', "must start with N, O or A"),
        (f'"SIA-DCS"0001L0#1001[#1001|Nri1]{STAMP}', "no event"),
        (f'"ADM-CID"0001L0#1001[#1001|1A10 00 129]{STAMP}', "digit"),
    ],
)
def test_data_nobody_can_read_in_a_sound_frame_is_an_unreadable_frame_that_is_acknowledged(
    body: str, why: str
) -> None:
    frame = parse(body)
    assert isinstance(frame, Frame) and frame.events == ()
    assert frame.unreadable is not None and why in frame.unreadable
    assert b'"ACK"0001L0#1001[]' in dc09.response(frame, keys={}, now=NOW)
    (signal,) = panel_signal.from_dc09(frame, NOW)
    assert isinstance(signal.event, panel_signal.UnknownEvent) and signal.account == "1001"
    assert signal.details == {"unreadable": frame.unreadable}


@pytest.mark.parametrize("data", ["", "#1001|", "|"])
def test_an_event_frame_with_an_empty_data_block_is_a_check_in(data: str) -> None:
    frame = parse(f'"SIA-DCS"0001L0#1001[{data}]{STAMP}')
    assert isinstance(frame, Frame) and (frame.events, frame.unreadable) == ((), None)
    (signal,) = panel_signal.from_dc09(frame, NOW)
    assert signal.event is None and signal.account == "1001"


def test_a_plain_frame_with_junk_after_its_data_block_is_read() -> None:
    # As logged in https://github.com/eavanvalkenburg/pysiaalarm/issues/34 (a comxline 3516-2).
    frame = parse('"ADM-CID"0011R1L1#1001[#1001|1130 00 007]345678[] 2345678[] ')
    assert isinstance(frame, Frame) and frame.unreadable is None
    assert [(e.code, e.zone) for e in frame.events] == [(130, 7)]


@pytest.mark.parametrize("rest", ["#1001|NFA1", "#1001|NFA1[x]", "#1001|Zq]_2026-11-22 03:00:00"])
def test_a_plain_frame_whose_brackets_are_not_dc09s_is_unreadable_not_refused(rest: str) -> None:
    frame = parse(f'"SIA-DCS"0011R1L1#1001[{rest}')
    assert isinstance(frame, Frame) and frame.unreadable is not None and frame.events == ()
    (signal,) = panel_signal.from_dc09(frame, NOW)
    assert isinstance(signal.event, panel_signal.UnknownEvent)


def test_an_encrypted_frame_whose_structure_is_broken_is_still_refused() -> None:
    # Its timestamp cannot be checked, and DC-09 needs it against replays of encrypted frames.
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(bytes(16))).encryptor()
    plain = b"pad|#1001|NFA1 no bracket.."  # 28 bytes
    plain += b"." * (32 - len(plain))
    body = '"*SIA-DCS"0001L0#1001[' + (encryptor.update(plain) + encryptor.finalize()).hex().upper()
    result = dc09.parse(wrap(body), keys={"1001": KEY}, now=NOW)
    assert isinstance(result, FrameError) and result.code == "format"


def test_what_fails_the_envelope_is_still_refused_not_unreadable() -> None:
    good = wrap(f'"SIA-DCS"0001L0#1001[#1001|Zq!garbage]{STAMP}')
    damaged = good[:20] + b"X" + good[21:]
    assert dc09.parse(damaged, keys={}, now=NOW).code == "crc"
    stale = parse(f'"SIA-DCS"0001L0#1001[#1001|Zq!garbage]{dc09.timestamp_text(NOW - dt.timedelta(hours=1))}')
    assert isinstance(stale, FrameError) and stale.code == "timestamp"


# --- extended data ------------------------------------------------------------------------------------------


def test_extended_fields_are_decoded() -> None:
    frame = parse(
        '"SIA-DCS"0001L0#1001[#1001|Nri1/BA3][Vhttps://cam.example/clip/42][X139.6917][YN35.6895]'
        f"[H09:59:58,11-22-2026][M0026B9E4268B][RLiving room][IDoor forced][Z40][Q7]{STAMP}"
    )
    assert isinstance(frame, Frame)
    assert frame.extended_data() == {
        "verification": ["https://cam.example/clip/42"],
        "verification_urls": ["https://cam.example/clip/42"],
        "longitude": 139.6917,
        "latitude": 35.6895,
        "event_time": "2026-11-22T09:59:58Z",
        "mac": "0026B9E4268B",
        "room": "Living room",
        "alarm_text": "Door forced",
        "altitude": "40",
        "unknown": [{"id": "Q", "value": "7"}],
    }
    (signal,) = panel_signal.from_dc09(frame, NOW)
    assert signal.details == {"extended": frame.extended_data()}


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
     "https://cam.example/a b", 'https://x.example/"onmouseover="alert(1)', "ftp://cam.example/x"],
)  # fmt: skip
def test_only_http_and_https_verification_urls_may_become_links(url: str) -> None:
    decoded = dc09_extended.decode((f"V{url}",))
    assert decoded["verification"] == [url] and "verification_urls" not in decoded


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (("X-122.4194", "Y37.7749"), {"longitude": -122.4194, "latitude": 37.7749}),
        (("XW122.4194", "YS33.8688"), {"longitude": -122.4194, "latitude": -33.8688}),
        (("X181", "YE10"), {"longitude": "181", "latitude": "E10"}),  # kept as sent, not guessed
        (("Hnot a time",), {"event_time": "not a time"}),
        (("K00112233445566778899AABBCCDDEEFF",), {"encryption_key": "withheld (32 characters)"}),
    ],
)
def test_coordinates_times_and_keys(fields: tuple[str, ...], expected: dict) -> None:
    assert dc09_extended.decode(fields) == expected


def test_windows_1252_text_in_an_extended_field() -> None:
    # DC-09 5.5.1.8 allows Windows-1252 in some fields (https://github.com/schmupu/ioBroker.sia/issues/63).
    frame = dc09.parse(wrap(f'"SIA-DCS"0001L0#1001[#1001|NBA1][RSalle à manger]{STAMP}', "cp1252"),
                       keys={}, now=NOW)  # fmt: skip
    assert isinstance(frame, Frame) and frame.extended_data() == {"room": "Salle à manger"}


def test_modifiers_and_text_reach_the_signal() -> None:
    frame = parse(f'"SIA-DCS"0001L0#1001[#1001|Nri1/id3/OG2^by keypad^|Afront][VCAM1]{STAMP}')
    (signal,) = panel_signal.from_dc09(frame, NOW)
    assert signal.event == SiaEvent("OG", 2, 1, (("id", "3"),), "by keypad front")
    assert signal.details == {"extended": {"verification": ["CAM1"]}, "modifiers": {"id": "3"},
                              "text": "by keypad front"}  # fmt: skip


# --- encryption quirks --------------------------------------------------------------------------------------


def test_a_pad_of_random_bytes_is_accepted() -> None:
    # ioBroker.sia test/siaCommandENC (key "0123456789ABCDEF" as text, test/siatest.txt): the panel
    # filled the pad with random bytes, not characters.
    frame = dc09.parse(IOBROKER_ENCRYPTED, keys={"12345": b"0123456789ABCDEF"},
                       now=dt.datetime(2018, 10, 26, 7, 50, 26, tzinfo=dt.UTC))  # fmt: skip
    assert isinstance(frame, Frame) and frame.encrypted
    (event,) = frame.events
    assert (event.code, event.zone, event.modifier("ti")) == ("UT", 0, "09:50:24")
    assert event.modifier("pi") == "0006"


@pytest.mark.parametrize("pad", [b"\xad\xb0\x07\xc4", b"\x91|\xfe\x00\x80", b"|\x81"])
def test_a_random_byte_pad_may_hold_the_separator_itself(pad: bytes) -> None:
    tail = f"#1001|NBA1]{STAMP}".encode()
    size = (16 - (len(pad) + 1 + len(tail)) % 16) % 16  # the pad makes whole blocks
    plain = pad + b"\xee" * size + b"|" + tail
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(bytes(16))).encryptor()
    body = '"*SIA-DCS"0001L0#1001[' + (encryptor.update(plain) + encryptor.finalize()).hex().upper()
    frame = dc09.parse(wrap(body), keys={"1001": KEY}, now=NOW)
    assert isinstance(frame, Frame) and frame.events == (SiaEvent("BA", 1, 0),)


def test_a_wrong_key_is_still_a_decrypt_error_not_an_unreadable_frame() -> None:
    result = dc09.parse(IOBROKER_ENCRYPTED, keys={"12345": b"0123456789ABCDEX"},
                        now=dt.datetime(2018, 10, 26, 7, 50, 26, tzinfo=dt.UTC))  # fmt: skip
    assert isinstance(result, FrameError) and result.code == "decrypt"


IOBROKER_ENCRYPTED = (
    b'\nAEAE0137"*SIA-DCS"0018L0#12345[4cea0b8eb4752a51724c2c55f3801a6e35cb21d25e014290c29995e7cdbbb4659747c1e1'
    b"85c3627db922513d6d5cbb33440d09eefa204e96d62c9c9fc6ffaa5abeccfce859dd540f74cba79c04a048a9b597c12b027f6366a3"
    b"817d1dd6e26e2019d33075a67ab4a74221f57450070a7f0de890d087c64e76db6893c192ef5e16762ef9934bbfc516d041ad71c47d4dd0\r"
)


def test_every_identifier_of_the_extended_data_table_has_its_name() -> None:
    letters = "ACHIJLMNOPRSTVXYZ"
    decoded = dc09_extended.decode(tuple(f"{letter}value-{letter}" for letter in letters if letter != "K"))
    assert set(decoded) == {dc09_extended.NAMES[letter] for letter in letters if letter != "K"}
    assert (
        decoded["site"] == "value-S"
        and decoded["programming"] == "value-P"
        and decoded["trigger"] == "value-T"
    )


def test_an_unreadable_raw_frame_over_mqtt_is_an_unknown_signal_too() -> None:
    raw = wrap(f'"SIA-DCS"0005L0#1001[#1001|Zq!garbage]{STAMP}')
    (signal,) = mqtt_payload.parse("1001", raw.strip(), keys={}, now=NOW)
    assert isinstance(signal.event, panel_signal.UnknownEvent) and signal.account == "1001"


def test_shift_jis_text_from_a_japanese_panel_is_read_as_japanese() -> None:
    # Japanese panels may write Shift_JIS in text fields; Windows-1252 would show "ƒLƒbƒ`ƒ“".
    body = '"SIA-DCS"0001L0#1001[#1001|Nri1/BA005^キッチン^][Rキッチン]'.encode("shift_jis")
    frame = dc09.parse(b"\n%04X%04X%s\r" % (crc16_arc(body), len(body), body), keys={}, now=NOW)
    assert isinstance(frame, Frame), frame
    assert frame.events[0].text == "キッチン" and frame.extended_data() == {"room": "キッチン"}
    body = '"SIA-DCS"0002L0#1001[#1001|Nri1/BA005^Küche^]'.encode("cp1252")  # still Windows-1252
    frame = dc09.parse(b"\n%04X%04X%s\r" % (crc16_arc(body), len(body), body), keys={}, now=NOW)
    assert isinstance(frame, Frame) and frame.events[0].text == "Küche"
