from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panel_gateway.protocols import dc09
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.crc16 import crc16_arc
from panel_gateway.protocols.dc09 import Frame, FrameError, Outgoing
from panel_gateway.protocols.sia_codes import SiaEvent

NOW = dt.datetime(2026, 11, 22, 3, 0, 0, tzinfo=dt.UTC)
KEY16 = bytes(range(16))
KEY24 = bytes(range(24))
KEY32 = bytes(range(32))

# SIA DC-09 Annex B examples (unencrypted): CRC and length as printed in the standard.
ANNEX_B_SIA = b'\nCE110032"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]\r'
ANNEX_B_CID = b'\n87CD0037"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]\r'


def test_crc16_arc_check_value() -> None:
    assert crc16_arc(b"123456789") == 0xBB3D  # the catalogue check value of CRC-16/ARC


def test_annex_b_sia_example() -> None:
    frame = dc09.parse(ANNEX_B_SIA, keys={}, now=NOW)
    assert (frame.id_token, frame.sequence, frame.receiver, frame.line, frame.account) == (
        "SIA-DCS", "9876", "579BDF", "789ABC", "12345A"
    )  # fmt: skip
    assert (frame.encrypted, frame.timestamp, frame.block_account) == (False, None, "12345A")
    assert frame.events == (SiaEvent("FA", 129, 0),)


def test_annex_b_adm_cid_example() -> None:
    frame = dc09.parse(ANNEX_B_CID, keys={}, now=NOW)
    assert frame.events == (ContactIdEvent("12345A", "18", Qualifier.NEW, 110, 0, 129),)


def test_the_envelope_is_optional() -> None:
    assert dc09.parse(ANNEX_B_SIA.strip(), keys={}, now=NOW) == dc09.parse(ANNEX_B_SIA, keys={}, now=NOW)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (ANNEX_B_SIA.replace(b"CE11", b"CE12"), "crc"),
        (ANNEX_B_SIA.replace(b"NFA129", b"NFA128"), "crc"),
        (ANNEX_B_SIA.replace(b"0032", b"0033"), "length"),
        (ANNEX_B_SIA.replace(b"0032", b"1032"), "length"),
        (ANNEX_B_SIA.replace(b"NFA129]", b"NFA129"), "length"),
        (b"\nZZZZ0032" + ANNEX_B_SIA[9:], "format"),
        (b"\n", "format"),
    ],
)
def test_damaged_frames_are_refused_with_the_reason(frame: bytes, code: str) -> None:
    result = dc09.parse(frame, keys={}, now=NOW)
    assert isinstance(result, FrameError)
    assert result.code == code
    assert dc09.response(result, keys={}, now=NOW).startswith(b"\n") and b'"NAK"' in dc09.response(
        result, keys={}, now=NOW
    )


def build(
    data: str,
    *,
    token: str = "SIA-DCS",
    key: bytes | None = None,
    at: dt.datetime | None = NOW,
    account: str = "1234",
    receiver: str | None = "12",
    extended: tuple[str, ...] = (),
) -> bytes:
    return dc09.encode(Outgoing(token, 7, account, data, "3", receiver, extended), at=at, key=key)


def test_header_fields_rcvr_optional_lpref_and_account_required() -> None:
    assert dc09.parse(build("Nri1/BA003", receiver=None), keys={}, now=NOW).receiver is None
    body = b'"SIA-DCS"0007#1234[Nri1/BA003]'
    no_line = b"\n%04X%04X%s\r" % (crc16_arc(body), len(body), body)
    assert dc09.parse(no_line, keys={}, now=NOW).code == "format"
    body = b'"SIA-DCS"0007L3[Nri1/BA003]'
    no_account = b"\n%04X%04X%s\r" % (crc16_arc(body), len(body), body)
    assert dc09.parse(no_account, keys={}, now=NOW).code == "format"


def test_several_events_in_one_block_with_areas() -> None:
    frame = dc09.parse(build("#1234|Nri1/FA129/BA003/ri2/BA004"), keys={}, now=NOW)
    assert frame.events == (SiaEvent("FA", 129, 1), SiaEvent("BA", 3, 1), SiaEvent("BA", 4, 2))


def test_a_block_without_its_own_account_takes_the_headers() -> None:
    frame = dc09.parse(build("Nri1/BA003", account="ABC123"), keys={}, now=NOW)
    assert frame.panel_account == "ABC123" and frame.block_account is None


def test_extended_data_and_timestamp() -> None:
    frame = dc09.parse(build("#1234|Nri1/CL501", extended=("M0026B9E4268B", "V1")), keys={}, now=NOW)
    assert frame.extended == ("M0026B9E4268B", "V1")
    assert frame.timestamp == NOW


@pytest.mark.parametrize("key", [KEY16, KEY24, KEY32], ids=["aes128", "aes192", "aes256"])
def test_encrypted_frames_round_trip_and_are_answered_encrypted(key: bytes) -> None:
    raw = build("Nri1/BA003", key=key)
    assert raw[9:19] == b'"*SIA-DCS"'
    frame = dc09.parse(raw, keys={"1234": key}, now=NOW)
    assert frame.encrypted and frame.events == (SiaEvent("BA", 3, 1),)
    answer = dc09.response(frame, keys={"1234": key}, now=NOW)
    assert answer[9:15] == b'"*ACK"'
    assert dc09.parse_answer(answer, key=key) == dc09.Answer("ACK", "0007", NOW)


def test_encrypted_null_poll_with_empty_block() -> None:
    frame = dc09.parse(build("", token="NULL", key=KEY16), keys={"1234": KEY16}, now=NOW)
    assert frame.is_poll and frame.events == ()


def test_encryption_uses_random_padding() -> None:
    assert build("Nri1/BA003", key=KEY16) != build("Nri1/BA003", key=KEY16)


def test_encrypted_frame_without_a_configured_key_is_refused_as_key() -> None:
    result = dc09.parse(build("Nri1/BA003", key=KEY16), keys={}, now=NOW)
    assert result.code == "key"
    assert b'"DUH"0007R12L3#1234[]' in dc09.response(result, keys={}, now=NOW)


def test_wrong_key_is_a_decrypt_error() -> None:
    result = dc09.parse(build("Nri1/BA003", key=KEY16), keys={"1234": bytes(16)}, now=NOW)
    assert result.code == "decrypt"


def test_encrypted_frames_need_a_timestamp() -> None:
    assert (
        dc09.parse(build("Nri1/BA003", key=KEY16, at=None), keys={"1234": KEY16}, now=NOW).code == "timestamp"
    )


def test_an_encrypted_frame_without_timestamp_is_refused_with_the_receivers_time() -> None:
    for token in ("SIA-DCS", "ADM-CID", "NULL"):
        data = {"SIA-DCS": "#1234|Nri1/FA001", "ADM-CID": "#1234|1110 01 001", "NULL": ""}[token]
        result = dc09.parse(build(data, token=token, key=KEY16, at=None), keys={"1234": KEY16}, now=NOW)
        assert (result.code, result.encrypted) == ("timestamp", True), token
        assert dc09.parse_answer(
            dc09.response(result, keys={"1234": KEY16}, now=NOW), key=None
        ) == dc09.Answer("NAK", "0000", NOW)


def test_a_replayed_encrypted_frame_is_refused_the_next_day() -> None:
    raw = build("#1234|Nri1/FA001", key=KEY16)
    assert isinstance(dc09.parse(raw, keys={"1234": KEY16}, now=NOW), Frame)
    later = dc09.parse(raw, keys={"1234": KEY16}, now=NOW + dt.timedelta(days=1))
    assert later.code == "timestamp"


# --- a keyed account accepts only encrypted frames ------------------------------------------------


@pytest.mark.parametrize(
    ("token", "data"),
    [("SIA-DCS", "#1234|Nri1/FA001"), ("ADM-CID", "#1234|1110 01 001"), ("NULL", "")],
)
def test_a_plain_frame_to_a_keyed_account_is_refused(token: str, data: str) -> None:
    result = dc09.parse(build(data, token=token), keys={"1234": KEY16}, now=NOW)
    assert isinstance(result, FrameError)
    assert result.code == "plain" and "encrypted only" in result.reason
    # Received intact, but not acted on: DUH (a retry cannot help), echoing the header, in clear.
    answer = dc09.response(result, keys={"1234": KEY16}, now=NOW)
    assert b'"DUH"0007R12L3#1234[]' in answer


def test_a_plain_frame_to_a_keyed_account_is_accepted_while_its_transition_lasts() -> None:
    raw = build("#1234|Nri1/FA001")
    keys, until = {"1234": KEY16}, {"1234": NOW + dt.timedelta(hours=1)}
    frame = dc09.parse(raw, keys=keys, now=NOW, plain_until=until)
    assert isinstance(frame, Frame) and frame.events == (SiaEvent("FA", 1, 1),)
    assert dc09.response(frame, keys=keys, now=NOW)[9:14] == b'"ACK"'  # in clear, as the frame came
    after = dc09.parse(raw, keys=keys, now=NOW + dt.timedelta(hours=1), plain_until=until)
    assert after.code == "plain"


def test_a_transition_of_another_account_lets_nothing_through() -> None:
    result = dc09.parse(
        build("#1234|Nri1/FA001"),
        keys={"1234": KEY16},
        now=NOW,
        plain_until={"5678": NOW + dt.timedelta(hours=1)},
    )
    assert result.code == "plain"


# --- the header's account and the data's must agree -------------------------------------------------


@pytest.mark.parametrize("key", [None, KEY16], ids=["plain", "encrypted"])
@pytest.mark.parametrize(
    ("token", "data"), [("SIA-DCS", "#1020|Nri1/FA001"), ("ADM-CID", "#1020|1110 01 001")]
)
def test_events_claiming_another_account_than_the_header_are_refused(
    token: str, data: str, key: bytes | None
) -> None:
    keys = {"9999": key} if key else {}
    result = dc09.parse(build(data, token=token, key=key, account="9999"), keys=keys, now=NOW)
    assert isinstance(result, FrameError)
    assert result.code == "account"
    assert result.reason == "data account 1020 differs from header account 9999"
    assert b'"DUH"0007R12L3#9999[]' in dc09.response(result, keys=keys, now=NOW)


def test_the_same_account_in_other_case_agrees() -> None:
    assert isinstance(dc09.parse(build("#abc1|Nri1/FA001", account="ABC1"), keys={}, now=NOW), Frame)


def test_a_polls_block_account_is_ignored_and_the_check_in_is_the_headers() -> None:
    # Hikvision hubs send "NULL" with "#0000|0000 00 000" in the block (eavanvalkenburg/sia #17).
    frame = dc09.parse(build("#0000|0000 00 000", token="NULL", account="AAAB"), keys={}, now=NOW)
    assert isinstance(frame, Frame)
    assert (frame.panel_account, frame.events) == ("AAAB", ())


@pytest.mark.parametrize(
    ("offset", "ok"), [(-40, True), (-41, False), (20, True), (21, False), (0, True)]
)  # fmt: skip
def test_timestamp_window_is_plus_20_minus_40_seconds(offset: int, ok: bool) -> None:
    at = NOW + dt.timedelta(seconds=offset)
    result = dc09.parse(build("Nri1/BA003", at=at), keys={}, now=NOW)
    assert isinstance(result, Frame) is ok
    if not ok:
        assert result.code == "timestamp"
        # The NAK carries the receiver's clock so the panel can correct its own.
        assert dc09.response(
            result, keys={}, now=NOW
        ) == b'\n%04X0025"NAK"0000R0L0A0[]_03:00:00,11-22-2026\r' % (
            crc16_arc(b'"NAK"0000R0L0A0[]_03:00:00,11-22-2026')
        )


def test_unknown_id_token_gets_duh() -> None:
    result = dc09.parse(build("Nri1/BA003", token="SIA-DCX"), keys={}, now=NOW)
    assert result.code == "format"
    assert b'"DUH"' in dc09.response(result, keys={}, now=NOW)


def test_ack_echoes_sequence_receiver_line_and_account() -> None:
    frame = dc09.parse(build("Nri1/BA003"), keys={}, now=NOW)
    assert dc09.response(frame, keys={}, now=NOW).endswith(b'"ACK"0007R12L3#1234[]_03:00:00,11-22-2026\r')


def test_an_adm_cid_block_with_bad_digits_is_an_unreadable_frame_not_a_refusal() -> None:
    frame = dc09.parse(build("#1234|1A10 00 129", token="ADM-CID"), keys={}, now=NOW)
    assert isinstance(frame, Frame) and frame.events == ()
    assert frame.unreadable is not None and "digit" in frame.unreadable


@pytest.mark.parametrize(("text", "size"), [("00" * 16, 16), ("ab" * 24, 24), ("0F" * 32, 32)])
def test_keys_are_hex_of_16_24_or_32_bytes(text: str, size: int) -> None:
    assert len(dc09.parse_key(text)) == size


@pytest.mark.parametrize(
    ("text", "key"), [("0123456789ABCDEF", b"0123456789ABCDEF"), ("z" * 24, b"z" * 24), ("k" * 32, b"k" * 32)]
)
def test_keys_of_16_24_or_32_characters_are_taken_as_they_are(text: str, key: bytes) -> None:
    # pysiaalarm and ioBroker.sia take the key as text (ioBroker.sia test/siatest.txt: 0123456789ABCDEF).
    assert dc09.parse_key(text) == key


@pytest.mark.parametrize("text", ["00" * 15, "zz" * 15 + "z", "00" * 33, "é" * 16])
def test_bad_keys_are_refused(text: str) -> None:
    assert dc09.parse_key(text).code == "key"


# --- properties ---------------------------------------------------------------------------------------

accounts = st.text(alphabet="0123456789ABCDEF", min_size=3, max_size=16)
sia_events = st.lists(
    st.builds(
        SiaEvent,
        st.sampled_from(["BA", "FA", "PA", "MA", "GA", "OP", "CL", "RP", "YT"]),
        st.integers(0, 999),
        st.integers(0, 99),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(
    account=accounts,
    sequence=st.integers(0, 9999),
    events=sia_events,
    key=st.sampled_from([None, KEY16, KEY24, KEY32]),
    skew=st.integers(-40, 20),
    receiver=st.one_of(st.none(), st.text(alphabet="0123456789ABCDEF", min_size=1, max_size=6)),
)
def test_encode_then_parse_round_trips(account, sequence, events, key, skew, receiver) -> None:
    from panel_gateway.protocols.sia_dc03 import encode_block

    message = Outgoing("SIA-DCS", sequence, account, f"#{account}|{encode_block(events)}", "1", receiver)
    raw = dc09.encode(message, at=NOW + dt.timedelta(seconds=skew), key=key)
    # Keys are registered under the canonical account; a padded "#001001" is account 1001's.
    frame = dc09.parse(raw, keys={dc09.canonical_account(account): key} if key else {}, now=NOW)
    assert isinstance(frame, Frame), frame
    assert (frame.account, int(frame.sequence), frame.receiver) == (account, sequence, receiver)
    assert frame.panel_account == dc09.canonical_account(account)
    assert list(frame.events) == events


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data: bytes) -> None:
    result = dc09.parse(data, keys={"1234": KEY16}, now=NOW)
    assert isinstance(result, Frame | FrameError)


@settings(max_examples=500, deadline=None)
@given(position=st.integers(0, 200), value=st.integers(0, 255), key=st.sampled_from([None, KEY16]))
def test_a_changed_byte_in_the_body_is_always_caught(position: int, value: int, key: bytes | None) -> None:
    raw = bytearray(build("#1234|Nri1/BA003/FA004", key=key))
    body_start, body_end = 9, len(raw) - 1
    index = body_start + position % (body_end - body_start)
    if raw[index] == value:
        return
    raw[index] = value
    result = dc09.parse(bytes(raw), keys={"1234": KEY16}, now=NOW)
    assert isinstance(result, FrameError)
    assert result.code in {"crc", "length"}


def test_a_retransmission_is_one_signal_but_the_same_event_later_is_another() -> None:
    """Scantronic panels send every event with sequence 0000 (pysiaalarm issue 8,
    https://github.com/eavanvalkenburg/pysiaalarm/issues/8), and a restarted panel counts again from 1:
    the same sequence and data hours later is a new fire, not a copy. A copy comes within the few
    minutes a panel keeps retrying (each resend stamped anew)."""
    message = Outgoing("SIA-DCS", 0, "1005", "#1005|NFA77", line="0")

    def received(at: dt.datetime) -> str:
        frame = dc09.parse(dc09.encode(message, at=at), keys={}, now=at)
        assert isinstance(frame, Frame), frame
        return frame.message_id(at)

    first = received(NOW)
    assert received(NOW + dt.timedelta(seconds=40)) == first  # the panel's retry, stamped anew
    assert received(NOW + dt.timedelta(hours=2)) != first  # a second fire on the same day
