"""A DSC Sur-Gard receiver's automation output, as the vendor documents it. Pure: no I/O, no clock.

Source: DSC, "SG Automation Output Protocol", revision 161 (22 April 2008, form 7-3005), §1 and §4,
and the receivers' manuals, which repeat it: MLR2-DG / MLR2-E installation manuals ("Communication
protocol with central station computer"), SG-System III operating manual (options 10–12), SG-System 5
operating manual §5.4 (automation). Facts taken from them:

- ASCII; every message ends with DC4 (0x14). A header of protocol id, receiver number RR and line
  number: ``L`` (one digit: MLR2 / CPM2, "RRL") or ``LLL`` (SG-System III / 5 default, "RRLLL";
  System III option 11 sets 4 or 5 header digits). Receiver numbers may be hex (01–FE).
- §4.2 supervisory heartbeat ``1RR000`` + 11 spaces + ``@`` + 4 spaces (``1011           @    `` in the
  RRL form), sent about every 30 s (System III option 12: 01–99 s) only when nothing else was sent.
- §4.3 basic protocol (SG 3/1, 4/1, 4/2, 4/3 formats): ``1RRLLL`` + 4 spaces + account in 6 characters
  (leading spaces) + space + event code X + area G (1–F or space) + YYY (alarm code, zone or user),
  e.g. a 4/2 panel's ``1234 E2`` → ``1RRLLL      1234 R  E2``. X from the recommended table: 0 test,
  1 fire, 2 panic, 3 burglary, 4 arming, 5 disarming, 6 service, 7 medical, 8 message, 9 restore,
  A alarm, B bypass, C arming, F cancel, H unbypass, O disarming, R restore, T trouble, Z common.
- §4.4/4.5 the receiver's own messages in that shape with account ``0000`` (X = A/R/T/P; YY the
  internal event, e.g. ``0000 A 15`` AC failure), and on SG-System III/5 ``0RRLLL[#AAAA|Nxxyy]``.
- §4.7 SIA: ``SRRLLL[#AAAAAA|Nri1BA01]`` — the panel's SIA DC-03 data as received (``L`` block for
  listen-in).
- §4.9 Contact ID: ``5RRLLL 18AAAAQXYZGGCCC`` (``98`` also used), Q = ``E`` new / ``R`` restore /
  ``P`` previous; §4.10 with a 10-digit account: ``QRRLLL 58AAAAAAAAAAQXYZGGCCC``. The MLR2's clock
  variant appends ``HH:MM:SS-dd/mm`` (local time, no year): accepted and not used.
- Acknowledgement (MLR2-E §9.2, SG-System 5 §5.4.4, Automation Output §4.34 and its timing charts):
  the automation answers ACK (0x06) within 4 s of each message; no answer → the receiver sends the
  same message again, and after 4 unanswered attempts falls back to manual mode (it annunciates
  locally) and sends only heartbeats until one is acknowledged; NAK (0x15) → the same message again
  (the CPM2 chart shows up to 20 attempts).

Other protocol ids of the document (BFSK, Telenot, Robofon, caller id…) are not decoded: a message
with one of them is refused with NAK and kept as a dead letter; the line's transport keeps a message
the receiver sends again unchanged as an unknown signal for the operators (serial_line.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from panel_gateway.protocols import sia_dc03
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

DC4 = b"\x14"
ACK = b"\x06"
NAK = b"\x15"
ANSWER_WINDOW = 4.0  # seconds the receiver waits for ACK/NAK before it sends the message again
ATTEMPTS = 4  # unanswered attempts before the receiver falls back to manual mode
HEARTBEAT_SECONDS = 30.0  # the receivers' default heartbeat period

_H = r"([0-9A-F]{2})([0-9A-F]{3}|[0-9A-F])"  # RR, then LLL or L
_CLOCK = r"(?:\s*[0-9]{2}:[0-9]{2}:[0-9]{2}-[0-9]{2}/[0-9]{2})?"
_HEARTBEAT = re.compile(rf"1{_H} +@ *")
_BASIC = re.compile(rf"1{_H} {{4}}([ 0-9A-F]{{6}}) ([0-9A-Z ])([0-9A-F ])([ 0-9A-F]{{3}}){_CLOCK} *")
_CID = r"\s*([ERP136])\s*([0-9]{3})\s*([0-9]{2})\s*([0-9]{3})"
_CONTACT_ID = re.compile(rf"5{_H}\s+[19]8\s*([0-9A-F]{{4}}){_CID}{_CLOCK}\s*")
_CONTACT_ID_10 = re.compile(rf"Q{_H}\s+58\s*([0-9A-F]{{10}}){_CID}{_CLOCK}\s*")
_SIA = re.compile(rf"([S0]){_H}\[#([0-9A-F]{{1,16}})\|([NOL].*)\]\s*")
_LISTEN_IN = re.compile(r"/L[0-9]{1,3}$")
_QUALIFIERS = {"E": Qualifier.NEW, "R": Qualifier.RESTORE, "P": Qualifier.REPEAT, "1": Qualifier.NEW,
               "3": Qualifier.RESTORE, "6": Qualifier.REPEAT}  # fmt: skip
# §4.3's event codes as the SIA DC-03 codes of the same meaning, so that one table classifies them.
BASIC_CODES = {"0": "RP", "1": "FA", "2": "PA", "3": "BA", "4": "CL", "5": "OP", "6": "YX", "7": "MA",
               "8": "MI", "9": "UR", "A": "UA", "B": "UB", "C": "CL", "F": "OC", "H": "UU", "O": "OP",
               "R": "UR", "T": "UT", "Z": "UA", " ": "UA"}  # fmt: skip
# §4.4/4.5 the receiver's own events: alarm / trouble, restore, audio (two-way voice) on a line.
_INTERNAL_CODES = {"A": "IA", "T": "IA", "R": "IR", "P": "LF"}
INTERNAL_ACCOUNT = "0000"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    receiver: int


@dataclass(frozen=True, slots=True)
class LineMessage:
    """One message of the automation line: a panel's report, or (``internal``) the receiver's own."""

    receiver: int
    line: int
    account: str
    events: tuple[ContactIdEvent | SiaEvent, ...]
    internal: bool = False

    @property
    def event(self) -> ContactIdEvent | SiaEvent:
        return self.events[0]


def parse(message: bytes) -> Heartbeat | LineMessage | ParseError:
    """One message without its DC4; never raises."""
    try:
        text = message.decode("ascii").strip("\r\n")
    except UnicodeDecodeError:
        return ParseError("receiver message is not ASCII")
    if m := _HEARTBEAT.fullmatch(text):
        return Heartbeat(_number(m.group(1)))
    if m := _CONTACT_ID.fullmatch(text) or _CONTACT_ID_10.fullmatch(text):
        rr, line, account, q, xyz, gg, ccc = m.groups()
        event = ContactIdEvent(account, "18", _QUALIFIERS[q], int(xyz), int(gg), int(ccc))
        return LineMessage(_number(rr), _number(line), account, (event,))
    if m := _BASIC.fullmatch(text):
        return _basic(*m.groups())
    if m := _SIA.fullmatch(text):
        return _sia(*m.groups())
    return ParseError(f"receiver message not understood: {text[:40]!r}")


def _number(digits: str) -> int:
    return int(digits) if digits.isdigit() else int(digits, 16)


def _basic(rr: str, line: str, account_field: str, x: str, g: str, yyy: str) -> LineMessage | ParseError:
    account = account_field.strip()
    if not account or " " in account:
        return ParseError("receiver message: no account")
    code = yyy.strip()
    zone = int(code) if code.isdigit() else 0
    if account == INTERNAL_ACCOUNT and x in _INTERNAL_CODES:
        event = SiaEvent(_INTERNAL_CODES[x], zone, 0, text=f"receiver event {x} {code}")
        return LineMessage(_number(rr), _number(line), account, (event,), internal=True)
    if x not in BASIC_CODES:
        return ParseError(f"receiver message: event code {x!r} not in the SG table")
    area = int(g, 16) if g != " " else 0
    # The panel's own code (a 4/2 "E2", a zone or a user) is kept as the event's text.
    event = SiaEvent(BASIC_CODES[x], zone, area, text=f"SG {x}{g}{yyy}".rstrip())
    return LineMessage(_number(rr), _number(line), account, (event,))


def _sia(protocol: str, rr: str, line: str, account: str, data: str) -> LineMessage | ParseError:
    if data.startswith("L"):  # listen-in block: the same events, the panel stays on line for audio
        data = "N" + data[1:]
    data = _LISTEN_IN.sub("", data)  # ``/L90``: the panel stays on line 90 s for listen-in (MLR2-DG)
    events = sia_dc03.parse_block(data)
    if isinstance(events, ParseError):
        return events
    if not events:
        return ParseError("receiver SIA message without an event")
    return LineMessage(_number(rr), _number(line), account, events, internal=protocol == "0")


def answered_in_time(heard_at: float, answer_at: float, window: float = ANSWER_WINDOW) -> bool:
    """Whether an answer still reaches the receiver while it waits for it (monotonic seconds). A later
    ACK would be taken for the answer to the receiver's next transmission — a message we never saw —
    so a late answer is not sent: the receiver sends the message again and that copy is answered."""
    return answer_at - heard_at < window


def encode_contact_id(
    receiver: int, line: int, event: ContactIdEvent, *, short_header: bool = False
) -> bytes:
    q = {Qualifier.NEW: "E", Qualifier.RESTORE: "R", Qualifier.REPEAT: "P"}[event.qualifier]
    header = f"{receiver:02d}{line:01d}" if short_header else f"{receiver:02d}{line:03d}"
    body = f"{event.code:03d}{event.group:02d}{event.zone:03d}"
    if len(event.account) == 10:
        return f"Q{header} 58{event.account}{q}{body}".encode() + DC4
    return f"5{header} 18{event.account}{q}{body}".encode() + DC4


def encode_sia(receiver: int, line: int, account: str, data: str) -> bytes:
    return f"S{receiver:02d}{line:03d}[#{account}|{data}]".encode() + DC4


def encode_basic(receiver: int, line: int, account: str, x: str, area: str, code: str) -> bytes:
    return f"1{receiver:02d}{line:03d}    {account:>6} {x}{area}{code:>3}".encode() + DC4


def encode_heartbeat(receiver: int = 1, *, short_header: bool = False) -> bytes:
    header = f"{receiver:02d}1" if short_header else f"{receiver:02d}000"
    return f"1{header}           @    ".encode() + DC4
