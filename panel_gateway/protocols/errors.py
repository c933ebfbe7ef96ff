from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a frame or payload was refused; goes on the wire (NAK/DUH) or into the dead-letter table.

    ``code`` is one of: ``format``, ``crc``, ``length``, ``checksum``, ``digits``, ``timestamp``,
    ``decrypt``, ``key``.
    """

    reason: str
    code: str = "format"
