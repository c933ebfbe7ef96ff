"""SIA DC-09 (IP event reporting) frames, pure and I/O-free.

``LF crc 0LLL "ID" seq [Rrcvr] Lpref #acct [data][x-data…] [_HH:MM:SS,MM-DD-YYYY] CR``

- ``crc``: CRC-16/ARC of the body (from the opening quote of the ID to the end of the timestamp),
  4 hex digits; ``0LLL``: the body's length in hex.
- ID tokens ``SIA-DCS``, ``ADM-CID``, ``NULL`` (a supervision poll), encrypted as ``*SIA-DCS`` etc.
- Encrypted frames carry, after ``[``, the hex of AES-CBC (zero IV, key 16/24/32 bytes) over
  ``pad|data][x-data]_timestamp``; the pad is random characters (not ``|[]``) filling a block.
- The receiver's timestamp window is +20 s / −40 s; encrypted frames must carry a timestamp.
- An account with a key accepts only encrypted frames (plain ones only while its transition lasts), and
  an event frame's data block, when it names an account (``#acct|``, ``acct|``), must name the
  header's (leading zeros aside; ``#0000`` is a placeholder). A header without ``#acct`` takes the
  block's.
- Extended data (``[V…]`` verification, ``[X…]``/``[Y…]`` location, ``[H…]`` time …): ``dc09_extended``.
- A frame whose envelope is sound but whose data cannot be understood is a ``Frame`` with
  ``unreadable`` set: it is stored as an unknown signal and acknowledged, never refused. An event
  frame with an empty data block carries nothing: a check-in, like a NULL poll.
- Answers: ``ACK`` (echoing sequence, receiver, line and account; encrypted if the frame was),
  ``NAK`` (``"NAK"0000R0L0A0[]`` with the receiver's time so the panel can set its clock),
  ``DUH`` (understood as a frame, but not what it asks: 5.5.3.3, "unable to process an otherwise
  correctly received message").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from panel_gateway.protocols import contact_id, dc09_extended, sia_dc03
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.crc16 import crc16_arc
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

TOKENS = frozenset({"SIA-DCS", "ADM-CID", "NULL"})
WINDOW_AHEAD = dt.timedelta(seconds=20)
WINDOW_BEHIND = dt.timedelta(seconds=40)
KEY_SIZES = frozenset({16, 24, 32})
DEDUP_MINUTES = 5  # a retransmission is recognised within this window of the receiver's clock
MAX_BODY = 0xFFF  # the most a 0LLL length field can say
MAX_FRAME = 1 + 8 + MAX_BODY + 1  # LF, CRC and length, body, CR
_ZERO_IV = bytes(16)
# Eldes panels count the closing CR in both the 0LLL length and the CRC ("F19A002B"ADM-CID"0056L9999#9999
# [#9999|1900 00 001]": 42 characters, length 0x2B, CRC-16/ARC over body + CR is F19A; sia-ha issue 3,
# pysiaalarm issues 17 and 28). Tolerated only when length and CRC both say so: a frame damaged by one
# character still fails one of them.
CR_COUNTED = "length and CRC include the CR (Eldes)"
ACCOUNT_DIGITS = 4  # registered accounts are at least 4 characters (Contact ID's, zero-padded: "0123")
_CRC_LENGTH = re.compile(rb"[0-9A-Fa-f]{4}0[0-9A-Fa-f]{3}")
# The account is optional here: some panels name it only in the data block ("R0001L0001[#006969|…");
# the line number may be empty ("L#7303658550[", a Trikdis-style NULL in ioBroker.sia issue 11).
_HEADER = re.compile(
    r'"(\*?)([A-Z][A-Z-]{1,14})"(\d{4})(?:R([0-9A-Fa-f]{1,6}))?L([0-9A-Fa-f]{0,6})(?:#([0-9A-Za-z]{3,16}))?\['
)  # accounts are hex in DC-09; a Focus FC-7688 sends "#foc7688" (pysiaalarm issue 36)
_HEX = re.compile(r"[0-9A-Fa-f]+")
_TIMESTAMP = re.compile(r"_(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})$")
# A data block's own account: "#12345A|…", or without its "#" ("12345A|NFA129", DC-09's encrypted
# example), or empty ("|NFA129").
_BLOCK_ACCOUNT = re.compile(r"(?:#([0-9A-Za-z]{3,16})|([0-9A-Fa-f]{3,16}))?\|")
_PAD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

Event = ContactIdEvent | SiaEvent


@dataclass(frozen=True, slots=True)
class Frame:
    id_token: str
    encrypted: bool
    sequence: str
    receiver: str | None
    line: str
    account: str  # the header's #acct
    data: str
    extended: tuple[str, ...] = ()
    timestamp: dt.datetime | None = None
    events: tuple[Event, ...] = ()
    block_account: str | None = None  # a data block's own #acct, when it has one
    # Why the data could not be understood, for a frame whose envelope is sound (CRC, length,
    # account, key, timestamp): it is still an alarm, stored as an unknown signal.
    unreadable: str | None = None

    @property
    def panel_account(self) -> str:
        """The account the events belong to: the header's (the data block's must be the same number), in
        its canonical form (:func:`canonical_account`)."""
        return canonical_account(self.account)

    def extended_data(self) -> dict[str, object]:
        """The extended fields (``[V…]``, ``[X…]``, ``[H…]`` …) decoded: ``dc09_extended``."""
        return dc09_extended.decode(self.extended)

    @property
    def is_poll(self) -> bool:
        return self.id_token == "NULL"

    def message_id(self, received_at: dt.datetime) -> str:
        """The dedup key: a retransmission repeats sequence and data (its timestamp may move on), within
        the few minutes a panel keeps retrying. Not longer: panels that send every event with sequence
        0000 (Scantronic, pysiaalarm issue 8) or restart their count would have a later, real alarm with
        the same data taken for a copy. A copy that falls across a window's edge is stored twice and
        joins the same open incident; a lost alarm would be worse."""
        digest = hashlib.blake2s(self.data.encode(), digest_size=6).hexdigest()
        window = (received_at.hour * 60 + received_at.minute) // DEDUP_MINUTES
        return f"dc09-{self.sequence}-{digest}-{received_at:%Y%m%d}-{window:03d}"


@dataclass(frozen=True, slots=True)
class FrameError(ParseError):
    """A refused frame, with what of its header could be read (for the answer and the log)."""

    sequence: str | None = None
    receiver: str | None = None
    line: str | None = None
    account: str | None = None
    id_token: str | None = None
    encrypted: bool = False
    timestamp: dt.datetime | None = None


def _err(code: str, reason: str, **header: object) -> FrameError:
    return FrameError(reason, code, **header)  # type: ignore[arg-type]


def parse(
    frame: bytes | str,
    *,
    keys: Mapping[str, bytes],
    now: dt.datetime,
    plain_until: Mapping[str, dt.datetime] | None = None,
    require_encryption: bool = False,
) -> Frame | FrameError:
    """Decode one frame (the LF/CR envelope optional); never raises on bad input.

    ``keys``: the accounts that have a key; they are held to encrypted frames, except before their
    moment in ``plain_until`` (a transition while the panel is re-programmed). ``require_encryption``:
    every account is (a center whose IP panels all have keys; unknown accounts included).
    """
    raw = frame.encode("latin-1", errors="replace") if isinstance(frame, str) else frame
    if raw[:1] == b"\n":
        raw = raw[1:]
    if raw[-1:] == b"\r":
        raw = raw[:-1]
    if len(raw) < 9:
        return _err("format", "frame too short")
    body = raw[8:]
    if not _CRC_LENGTH.match(raw):
        if not _is_hex(raw[:8]):
            return _err("format", "CRC and length must be hex digits")
        return _err("length", f"length field {raw[4:8].decode()} must be 0LLL")
    length, given_crc = int(raw[4:8], 16), int(raw[:4], 16)
    if length == len(body) + 1 and given_crc == crc16_arc(body + b"\r"):
        pass  # Eldes: length and CRC count the closing CR (see CR_COUNTED); both agree, so it is intact
    elif length != len(body):
        return _err("length", f"length field {raw[4:8].decode()} but body has {len(body)} characters")
    elif given_crc != (crc := crc16_arc(body)):
        return _err("crc", f"CRC {raw[:4].decode()} does not match {crc:04X}")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        text = dc09_extended.decode_text(body)
        if not text[: text.find("[") + 1].isascii():
            return _err("format", "frame header must be ASCII")

    header = _HEADER.match(text)
    if header is None:
        return _err("format", 'header must be "ID"seq[Rrcvr]Lpref[#acct][')
    star, token, sequence, receiver, line, header_account = header.groups()
    encrypted = bool(star)
    receiver = receiver.upper() if receiver else None
    line = line.upper()
    account = header_account.upper() if header_account else None

    def refuse(code: str, reason: str, timestamp: dt.datetime | None = None) -> FrameError:
        return FrameError(reason, code, sequence, receiver, line, account, token, encrypted, timestamp)

    def plain_refused(named: str) -> FrameError | None:
        account = canonical_account(named)
        if encrypted or not (account in keys or require_encryption):
            return None
        if _plain_allowed(account, plain_until, now):
            return None
        # A plain frame anyone on the network could have written: the key is what proves the panel.
        why = "which has a key" if account in keys else "and this center requires encryption"
        return refuse("plain", f"plain {token} frame for account {account}, {why}: encrypted only")

    if token not in TOKENS:
        return refuse("format", f"unsupported ID token {token!r}")
    if account is not None and (refused := plain_refused(account)):
        return refused
    rest = text[header.end() :]
    if encrypted:
        if account is None:
            return refuse("format", "an encrypted frame must name its account in the header (its key)")
        if not rest.isascii():
            return refuse("decrypt", "encrypted data must be hex")
        key = keys.get(canonical_account(account))
        if key is None:
            return refuse("key", f"encrypted frame from account {account} with no key")
        content = _decrypt(rest, key)
        if isinstance(content, FrameError):
            return refuse(content.code, content.reason)
    else:
        content = rest

    parts = _split_content(content)
    if isinstance(parts, FrameError):
        if encrypted or account is None or token == "NULL":
            return refuse(parts.code, parts.reason)
        # CRC and length sound, a plain frame from a named account whose brackets or timestamp are not
        # DC-09's ("[#1001|1130 00 007]345678[] …", pysiaalarm issue 34): still a panel's message. Its
        # data block is read when it is closed (what follows is ignored), else it is an unknown signal.
        close = content.find("]")
        if close == -1 or "[" in content[:close]:
            header_fields = (token, encrypted, sequence, receiver, line, account)
            return Frame(*header_fields, content, (), None, (), None, parts.reason)
        parts = (content[:close], (), None)
    data, extended, timestamp = parts

    block_account = None
    block_data = data
    if token == "NULL":
        pass  # a poll's block carries no events (Hikvision sends "#0000|…" there): the header's check-in
    elif m := _BLOCK_ACCOUNT.match(data):
        named = m.group(1) or m.group(2)
        block_account = named.upper() if named else None
        block_data = data[m.end() :]
        if block_account is not None and not block_account.strip("0"):
            block_account = None  # "#0000|": a placeholder (SATEL), not a claim to another account
    if account is None:
        if block_account is None:
            return refuse("format", "the frame names no account, in its header or its data")
        account = block_account
        if refused := plain_refused(account):
            return refused
    elif block_account is not None and block_account.lstrip("0") != account.lstrip("0"):
        # The key (or its absence) was chosen by the header's account: events may not claim another.
        # Leading zeros name the same account ("#1111[#001111|…", pysiaalarm issue 61).
        return refuse(
            "account", f"data account {block_account} differs from header account {account}", timestamp
        )

    if timestamp is None and encrypted:
        return refuse("timestamp", "an encrypted frame must carry a timestamp")
    if timestamp is not None and not (now - WINDOW_BEHIND <= timestamp <= now + WINDOW_AHEAD):
        return refuse(
            "timestamp", f"timestamp {timestamp:%H:%M:%S} outside +20/-40 s of {now:%H:%M:%S}", timestamp
        )

    # An event frame with an empty data block ("[#1001|]") carries no event to lose: a check-in.
    events = _events(token, account, block_data) if block_data.strip() else ()
    unreadable = None
    if isinstance(events, ParseError):
        # CRC, length, account, key and timestamp are sound: a panel sent this, and it may be an
        # alarm. It is stored as an unknown signal, not refused (docs/architecture.md, "DUH or ACK").
        unreadable, events = events.reason, ()
    header_fields = (token, encrypted, sequence, receiver, line, account)
    return Frame(*header_fields, data, extended, timestamp, events, block_account, unreadable)


def canonical_account(account: str) -> str:
    """The account as the center registers it: leading zeros beyond ``ACCOUNT_DIGITS`` characters dropped.

    DC-09 accounts are 3-16 hex characters (2.1.3 of the 2013 edition) and panels pad them: Galaxy sends
    ``#001001`` for 1001 (pysiaalarm issue 41), Sigma ``#008312`` (issue 72); the center registers Contact
    ID's 4-digit form (``0123`` keeps its zero). The one place accounts from DC-09 frames are named: keys,
    signals, check-ins and incidents all see this form; the ACK echoes the panel's own.
    """
    account = account.upper()
    trimmed = account.lstrip("0")
    if len(trimmed) >= ACCOUNT_DIGITS:
        return trimmed
    return account[len(account) - ACCOUNT_DIGITS :] if len(account) > ACCOUNT_DIGITS else account


def _plain_allowed(account: str, plain_until: Mapping[str, dt.datetime] | None, now: dt.datetime) -> bool:
    until = plain_until.get(account) if plain_until else None
    return until is not None and now < until


def _is_hex(value: bytes) -> bool:
    return all(c in b"0123456789ABCDEFabcdef" for c in value)


def _decrypt(rest: str, key: bytes) -> str | FrameError:
    if not rest or len(rest) % 32 or not _HEX.fullmatch(rest):
        return _err("decrypt", "encrypted data must be hex of whole 16-byte blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).decryptor()
    plain = decryptor.update(bytes.fromhex(rest)) + decryptor.finalize()
    try:
        text = plain.decode("ascii")
    except UnicodeDecodeError:
        # The pad is meant to be random characters; some panels fill it with random bytes (the encrypted
        # test frame of ioBroker.sia, test/siaCommandENC). What follows the pad must still be text.
        after = _after_binary_pad(plain)
        if after is None:
            return _err("decrypt", "decrypted data is not text: wrong key or corrupted frame")
        return after
    bar, close = text.find("|"), text.find("]")
    if bar != -1 and (close == -1 or bar < close):
        return text[bar + 1 :]
    if close != -1 and not any(c in "[" for c in text[:close]):
        return text[close:]  # pad]…: an empty data block
    return _err("decrypt", "decrypted data has no pad separator: wrong key or corrupted frame")


def _after_binary_pad(plain: bytes) -> str | None:
    """What follows a pad of random bytes, or None when that is not text. Such a pad may itself hold
    a "|": the separator is the first "|" within the pad's 1-16 bytes after which all is text."""
    bar = plain.find(b"|", 0, 17)
    while bar != -1:
        try:
            return plain[bar + 1 :].decode("ascii")
        except UnicodeDecodeError:
            bar = plain.find(b"|", bar + 1, 17)
    return None


def _split_content(content: str) -> tuple[str, tuple[str, ...], dt.datetime | None] | FrameError:
    close = content.find("]")
    if close == -1:
        return _err("format", "data block is not closed with ]")
    data, rest = content[:close], content[close + 1 :]
    if "[" in data:
        return _err("format", "[ inside the data block")
    extended: list[str] = []
    while rest.startswith("["):
        end = rest.find("]")
        if end == -1:
            return _err("format", "extended data block is not closed with ]")
        extended.append(rest[1:end])
        rest = rest[end + 1 :]
    if not rest:
        return data, tuple(extended), None
    m = _TIMESTAMP.match(rest)
    if m is None:
        return _err("format", f"expected _HH:MM:SS,MM-DD-YYYY, got {rest[:24]!r}")
    hh, mi, ss, mo, dd, yyyy = map(int, m.groups())
    try:
        timestamp = dt.datetime(yyyy, mo, dd, hh, mi, ss, tzinfo=dt.UTC)
    except ValueError:
        return _err("format", f"timestamp is not a date: {rest[1:]!r}")
    return data, tuple(extended), timestamp


def _events(token: str, account: str, data: str) -> tuple[Event, ...] | ParseError:
    if token == "NULL":
        return ()
    if token == "ADM-CID":
        event = contact_id.parse_adm_block(account, data)
        return event if isinstance(event, ParseError) else (event,)
    return sia_dc03.parse_block(data)


# --- building frames (panels, simulators, tests) and answers (the receiver) -----------------------


def timestamp_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("_%H:%M:%S,%m-%d-%Y")


def _wrap(body: str) -> bytes:
    raw = body.encode("ascii")
    return b"\n%04X%04X%s\r" % (crc16_arc(raw), len(raw), raw)


def _encrypt(plain: str, key: bytes, pad: str | None = None) -> str:
    if pad is None:
        size = 16 - (len(plain) + 1) % 16
        pad = "".join(secrets.choice(_PAD_ALPHABET) for _ in range(size))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV)).encryptor()
    return (encryptor.update(f"{pad}|{plain}".encode("ascii")) + encryptor.finalize()).hex().upper()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a panel sends: build with :func:`encode`."""

    id_token: str
    sequence: int
    account: str
    data: str = ""
    line: str = "0"
    receiver: str | None = None
    extended: tuple[str, ...] = field(default_factory=tuple)


def encode(
    message: Outgoing, *, at: dt.datetime | None, key: bytes | None = None, pad: str | None = None
) -> bytes:
    """A complete frame with LF/CR; encrypted (the ID gets its ``*``) when a key is given."""
    token = ("*" if key else "") + message.id_token
    rcvr = f"R{message.receiver}" if message.receiver is not None else ""
    head = f'"{token}"{message.sequence:04d}{rcvr}L{message.line}#{message.account}['
    tail = message.data + "]" + "".join(f"[{x}]" for x in message.extended)
    tail += timestamp_text(at) if at else ""
    if key:
        return _wrap(head + _encrypt(tail, key, pad))
    return _wrap(head + tail)


def ack(frame: Frame, *, now: dt.datetime, key: bytes | None = None) -> bytes:
    return _answer(
        "ACK",
        frame.sequence,
        frame.receiver,
        frame.line,
        frame.account,
        now,
        key if frame.encrypted else None,
    )


def duh(error: FrameError, *, now: dt.datetime) -> bytes:
    line = "0" if error.line is None else error.line
    return _answer("DUH", error.sequence or "0000", error.receiver, line, error.account or "0", now, None)


def nak(*, now: dt.datetime) -> bytes:
    """NAK with the receiver's time, so a panel with a wrong clock can correct it."""
    return _wrap(f'"NAK"0000R0L0A0[]{timestamp_text(now)}')


def _answer(
    token: str, seq: str, rcvr: str | None, line: str, account: str, now: dt.datetime, key: bytes | None
) -> bytes:
    r = f"R{rcvr}" if rcvr is not None else ""
    if key:
        return _wrap(f'"*{token}"{seq}{r}L{line}#{account}[' + _encrypt("]" + timestamp_text(now), key))
    return _wrap(f'"{token}"{seq}{r}L{line}#{account}[]{timestamp_text(now)}')


_UNABLE = frozenset({"key", "format", "plain", "account"})


def response(result: Frame | FrameError, *, keys: Mapping[str, bytes], now: dt.datetime) -> bytes:
    """The answer a receiver sends: ACK a good frame, DUH what it cannot act on, NAK the rest.

    DUH (5.5.3.3) for a frame received intact that this receiver will not act on, so a retry cannot
    help: an unknown ID token, encrypted for an account without a key, plain for an account with one,
    events claiming another account. NAK (with the receiver's time, 5.5.3.2) for the rest: a failed
    timestamp, damage, a wrong key.
    """
    if isinstance(result, Frame):
        return ack(result, now=now, key=keys.get(result.panel_account))
    if result.code in _UNABLE and result.sequence is not None:
        return duh(result, now=now)
    return nak(now=now)


_ANSWER = re.compile(
    rb'"(\*?)(ACK|NAK|DUH)"(\d{4})(?:R([0-9A-Fa-f]{1,6}))?L([0-9A-Fa-f]{1,6})(?:#([0-9A-Fa-f]{3,16})|A0)\['
)


@dataclass(frozen=True, slots=True)
class Answer:
    token: str  # ACK | NAK | DUH
    sequence: str
    timestamp: dt.datetime | None


def parse_answer(raw: bytes, *, key: bytes | None) -> Answer | FrameError:
    """What a panel makes of the receiver's reply (used by the simulated panels)."""
    raw = raw.strip(b"\r\n")
    if len(raw) < 9 or not _is_hex(raw[:8]) or int(raw[4:8], 16) != len(raw) - 8:
        return _err("length", "answer length does not match")
    body = raw[8:]
    if int(raw[:4], 16) != crc16_arc(body):
        return _err("crc", "answer CRC does not match")
    m = _ANSWER.match(body)
    if m is None:
        return _err("format", "not an ACK, NAK or DUH")
    rest = body[m.end() :].decode("ascii", errors="replace")
    if m.group(1):
        if key is None:
            return _err("key", "encrypted answer and no key")
        content = _decrypt(rest, key)
        if isinstance(content, FrameError):
            return content
    else:
        content = rest
    parts = _split_content(content)
    if isinstance(parts, FrameError):
        return parts
    return Answer(m.group(2).decode(), m.group(3).decode(), parts[2])


def parse_key(text: str) -> bytes | ParseError:
    """An account's key as configured: 32, 48 or 64 hex digits (AES-128/192/256), or 16, 24 or 32
    characters taken as they are (the form pysiaalarm and ioBroker.sia take, e.g. ``0123456789ABCDEF``;
    Hikvision asks for the hex form). A text that is both (32 hex digits) is read as hex."""
    text = text.strip()
    try:
        key = bytes.fromhex(text)  # 32 hex digits stay a 16-byte key (not a 32-character one)
    except ValueError:
        key = b""
    if len(key) in KEY_SIZES:
        return key
    if len(text) in KEY_SIZES and text.isascii() and text.isprintable():
        return text.encode("ascii")
    if not key and not text.isascii():
        return ParseError("key must be hex digits or 16, 24 or 32 characters", "key")
    return ParseError(f"key must be 16, 24 or 32 bytes (hex) or characters, got {len(text)}", "key")
