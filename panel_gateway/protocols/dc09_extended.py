"""DC-09 extended data fields (``[V…]``, ``[X…]``, ``[H…]`` … after the data block), decoded; pure.

Each field is one identifier letter and its value (SIA DC-09-2013 5.5.1.8 and its table of
identifiers, also listed by pysiaalarm's ``data/xdata.json``):

====  =====================  ==================================================================
 A    authentication_hash    a hash of the message
 C    supervision_category   number of paths and link supervision category
 H    event_time             time the event occurred (may differ from the message time stamp)
 I    alarm_text             description of / comment on the event (Windows-1252 allowed; ``decode_text``)
 J    network_path           manufacturer's identifier of the path used
 K    encryption_key         key exchange (receiver to panel): never kept, only its length
 L    location               location of the event on site
 M    mac                    MAC address of the panel
 N    network_address        hardware network address of the path used
 O    building               building name
 P    programming            programming / interactive operation with the receiver
 R    room                   room of the event
 S    site                   site name
 T    trigger                trigger of the event
 V    verification           audio / video verification: where to get it (often a URL)
 X    longitude              location of the event
 Y    latitude               location of the event
 Z    altitude               location of the event
====  =====================  ==================================================================

Unknown letters are kept under ``unknown`` (a vendor's field is still the operator's information).
Nothing here refuses a frame: a field that cannot be read is kept as the text it came in.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

NAMES = {
    "A": "authentication_hash", "C": "supervision_category", "H": "event_time", "I": "alarm_text",
    "J": "network_path", "K": "encryption_key", "L": "location", "M": "mac", "N": "network_address",
    "O": "building", "P": "programming", "R": "room", "S": "site", "T": "trigger", "V": "verification",
    "X": "longitude", "Y": "latitude", "Z": "altitude",
}  # fmt: skip
MAX_VALUE = 512  # a field's value kept; the frame itself is at most 4,095 characters
_TIME = re.compile(r"_?([0-9]{2}):([0-9]{2}):([0-9]{2}),([0-9]{2})-([0-9]{2})-([0-9]{4})")
_COORDINATE = re.compile(r"([NSEW])?\s*([+-]?[0-9]{1,3}(?:\.[0-9]{1,10})?)\s*([NSEW])?")
_LINKABLE = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


def decode_text(raw: bytes) -> str:
    """A frame's bytes that are not ASCII, as text: UTF-8, else Shift_JIS, else Windows-1252.

    DC-09 5.5.1.8 allows Windows-1252 in text fields (``|A`` text, ``[I…]``, room, site…); Japanese panels
    send Shift_JIS there, which Windows-1252 turns into mojibake. UTF-8 and Shift_JIS are tried strictly
    (a wrong guess fails rather than garbles); Windows-1252, the standard's own, takes whatever is left.
    """
    for encoding in ("utf-8", "shift_jis"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("cp1252", errors="replace")


def decode(fields: tuple[str, ...]) -> dict[str, Any]:
    """The extended fields as a JSON-ready mapping (empty when there are none)."""
    out: dict[str, Any] = {}
    for raw in fields:
        if not raw:
            continue
        letter, value = raw[0], raw[1:][:MAX_VALUE]
        name = NAMES.get(letter)
        if name is None:
            out.setdefault("unknown", []).append({"id": letter, "value": value})
        elif name == "verification":
            out.setdefault("verification", []).append(value)
            if linkable(value):  # the ones a page may show as a link
                out.setdefault("verification_urls", []).append(value.strip())
        elif name == "encryption_key":
            out[name] = f"withheld ({len(raw) - 1} characters)"  # a key is never stored or shown
        elif name in ("longitude", "latitude"):
            out[name] = _coordinate(value, name)
        elif name == "event_time":
            out[name] = _time(value)
        elif name == "mac":
            out[name] = value.strip().upper()
        else:
            out[name] = value
    return out


def _coordinate(value: str, name: str) -> float | str:
    m = _COORDINATE.fullmatch(value.strip())
    if m is None:
        return value
    before, number, after = m.groups()
    hemisphere = before or after
    degrees = float(number)
    if hemisphere in ("S", "W"):
        degrees = -abs(degrees)
    letters, limit = ("NS", 90) if name == "latitude" else ("EW", 180)
    if (hemisphere and hemisphere not in letters) or abs(degrees) > limit:
        return value  # a longitude's letter on a latitude, or out of range: keep what came
    return round(degrees, 7)


def _time(value: str) -> str:
    m = _TIME.fullmatch(value.strip())
    if m is None:
        return value
    hh, mi, ss, mo, dd, yyyy = map(int, m.groups())
    try:
        at = dt.datetime(yyyy, mo, dd, hh, mi, ss, tzinfo=dt.UTC)
    except ValueError:
        return value
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def linkable(url: object) -> bool:
    """Whether a verification value may become a link on a page: http or https only (never
    ``javascript:`` or ``data:``, which a panel — or whoever wrote the frame — could send)."""
    return isinstance(url, str) and _LINKABLE.fullmatch(url.strip()) is not None
