"""SIA DC-05 Contact ID: ``ACCT MT Q XYZ GG CCC S`` (16 hex-digit message with checksum)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from panel_gateway.protocols.errors import ParseError

MESSAGE_TYPES = frozenset({"18", "98"})
# Digit values in the checksum: 0 counts as 10, B–F as 11–15 (A is not a Contact ID digit).
_VALUES = {**{str(d): d for d in range(1, 10)}, "0": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15}
_DIGIT_FOR = {v: k for k, v in _VALUES.items()}
_DECIMAL = re.compile(r"[0-9]+")


class Qualifier(StrEnum):
    NEW = "1"  # new event or opening
    RESTORE = "3"  # restore or closing
    REPEAT = "6"  # previously reported condition still present


@dataclass(frozen=True, slots=True)
class ContactIdEvent:
    account: str
    message_type: str
    qualifier: Qualifier
    code: int  # XYZ, e.g. 130 burglary
    group: int  # GG partition
    zone: int  # CCC zone or user number

    def encode(self) -> str:
        return encode(self.account, self.qualifier, self.code, self.group, self.zone, self.message_type)


def checksum_digit(digits: str) -> str:
    """The digit S that makes the sum of all 16 digit values a multiple of 15."""
    total = sum(_VALUES[d] for d in digits)
    return _DIGIT_FOR[15 - total % 15]


def encode(
    account: str, qualifier: Qualifier, code: int, group: int, zone: int, message_type: str = "18"
) -> str:
    body = f"{account:>04}{message_type}{qualifier.value}{code:03d}{group:02d}{zone:03d}"
    return body + checksum_digit(body)


def parse(text: str) -> ContactIdEvent | ParseError:
    """Parse 16 digits (spaces allowed between fields); never raises on bad input."""
    digits = "".join(text.split()).upper()
    if len(digits) != 16:
        return ParseError(f"contact id must be 16 digits, got {len(digits)}", "digits")
    bad = sorted({d for d in digits if d not in _VALUES})
    if bad:
        return ParseError(f"contact id has invalid digits: {''.join(bad)}", "digits")
    if sum(_VALUES[d] for d in digits) % 15:
        return ParseError("contact id checksum mismatch", "checksum")
    account, mt, q, xyz, gg, ccc = (
        digits[:4],
        digits[4:6],
        digits[6],
        digits[7:10],
        digits[10:12],
        digits[12:15],
    )
    if mt not in MESSAGE_TYPES:
        return ParseError(f"contact id message type must be 18 or 98, got {mt}")
    try:
        qualifier = Qualifier(q)
    except ValueError:
        return ParseError(f"contact id qualifier must be 1, 3 or 6, got {q}")
    if not _DECIMAL.fullmatch(xyz + gg + ccc):
        return ParseError("contact id event, group and zone must be decimal", "digits")
    return ContactIdEvent(account, mt, qualifier, int(xyz), int(gg), int(ccc))


def parse_adm_block(account: str, text: str) -> ContactIdEvent | ParseError:
    """The Contact ID inside a DC-09 ``ADM-CID`` data block: ``QXYZ GG CCC`` (no account, no checksum)."""
    parts = text.split()
    if len(parts) != 3 or [len(p) for p in parts] != [4, 2, 3]:
        return ParseError(f"ADM-CID block must be 'QXYZ GG CCC', got {text!r}", "format")
    q, xyz, gg, ccc = parts[0][0], parts[0][1:], parts[1], parts[2]
    # ASCII only: str.isdigit() also takes '²' or '١', which int() then refuses.
    if not _DECIMAL.fullmatch(q + xyz + gg + ccc):
        return ParseError(f"ADM-CID block must be decimal digits, got {text!r}", "digits")
    try:
        qualifier = Qualifier(q)
    except ValueError:
        return ParseError(f"contact id qualifier must be 1, 3 or 6, got {q}", "format")
    return ContactIdEvent(account, "18", qualifier, int(xyz), int(gg), int(ccc))
