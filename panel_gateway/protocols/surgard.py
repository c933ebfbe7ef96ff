"""A central-station receiver's automation output, Sur-Gard MLR2 / System 5 style. Pure.

Each message ends with DC4 (0x14); the automation computer answers ACK (0x06) once it has the
message, NAK (0x15) when it cannot read it. Accepted messages:

- heartbeat ``1RRL`` + spaces + ``@`` + spaces (``1011           @    ``), about every 30 s;
- Contact ID ``5RRL 18AAAAQXYZGGCCC`` — receiver RR, line L, account AAAA (4–10 hex digits),
  qualifier ``E`` new / ``R`` restore / ``P`` previously reported (or the digits 1/3/6),
  event XYZ, group GG, zone or user CCC; spaces between fields are allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.errors import ParseError

DC4 = b"\x14"
ACK = b"\x06"
NAK = b"\x15"
_HEARTBEAT = re.compile(r"^1(\d{2})(\d)\s*@\s*$")
_CONTACT_ID = re.compile(
    r"^5(\d{2})(\d)\s*18\s*([0-9A-Fa-f]{4,10})\s*([ERP136])\s*(\d{3})\s*(\d{2})\s*(\d{3})\s*$"
)
_QUALIFIERS = {"E": Qualifier.NEW, "R": Qualifier.RESTORE, "P": Qualifier.REPEAT, "1": Qualifier.NEW,
               "3": Qualifier.RESTORE, "6": Qualifier.REPEAT}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Heartbeat:
    receiver: int
    line: int


@dataclass(frozen=True, slots=True)
class LineMessage:
    receiver: int
    line: int
    event: ContactIdEvent


def parse(message: bytes) -> Heartbeat | LineMessage | ParseError:
    """One message without its DC4; never raises."""
    try:
        text = message.decode("ascii").strip("\r\n")
    except UnicodeDecodeError:
        return ParseError("receiver message is not ASCII")
    if m := _HEARTBEAT.match(text):
        return Heartbeat(int(m.group(1)), int(m.group(2)))
    if m := _CONTACT_ID.match(text):
        rr, line, account, q, xyz, gg, ccc = m.groups()
        event = ContactIdEvent(account.upper(), "18", _QUALIFIERS[q], int(xyz), int(gg), int(ccc))
        return LineMessage(int(rr), int(line), event)
    return ParseError(f"receiver message not understood: {text[:40]!r}")


def encode_contact_id(receiver: int, line: int, event: ContactIdEvent) -> bytes:
    q = {Qualifier.NEW: "E", Qualifier.RESTORE: "R", Qualifier.REPEAT: "P"}[event.qualifier]
    text = f"5{receiver:02d}{line} 18{event.account}{q}{event.code:03d}{event.group:02d}{event.zone:03d}"
    return text.encode() + DC4


def encode_heartbeat(receiver: int = 1, line: int = 1) -> bytes:
    return f"1{receiver:02d}{line}           @    ".encode() + DC4
