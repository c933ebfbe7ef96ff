"""SIA DC-03 data inside a DC-09 ``SIA-DCS`` block: ``N`` then ``/``-separated fields.

``Nri1/FA129`` is a fire alarm in area 1, zone 129. Modifiers (``ri`` area, ``ti`` time, ``id`` user,
``pi`` peripheral) apply to the events after them; several events may share one block
(``Nri1/BA003/BA004``, ``Nri1/FA129/ri2/BA003``). Text in ``^…^`` is kept out of the codes.
"""

from __future__ import annotations

import re

from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

# [0-9], not \d: \d also matches other scripts' digits ('١'), which are not SIA digits.
_EVENT = re.compile(r"([A-Z]{2})([0-9]{0,4})")
_MODIFIER = re.compile(r"(ri|ti|id|pi|lt)(.*)", re.DOTALL)
_AREA = re.compile(r"[0-9]{1,4}")
_TEXT = re.compile(r"\^[^^]*\^")
MAX_EVENTS = 64  # a block is one report; more events than this is not a panel talking

_SINGLE = re.compile(r"N(?:ri([0-9]{1,4})/)?([A-Z]{2})([0-9]{0,4})")  # the common case: one event


def parse_block(text: str) -> tuple[SiaEvent, ...] | ParseError:
    """The events of one data block; never raises on bad input."""
    if m := _SINGLE.fullmatch(text):
        area, code, number = m.groups()
        return (SiaEvent(code, int(number or 0), int(area or 0)),)
    if not text.startswith("N"):
        return ParseError(f"SIA data must start with N (new event), got {text[:10]!r}", "format")
    body = _TEXT.sub("", text[1:]).strip()
    area = 0
    events: list[SiaEvent] = []
    for field in filter(None, (f.strip() for f in body.split("/"))):
        if m := _MODIFIER.fullmatch(field):
            name, value = m.groups()
            if name == "ri":
                if not _AREA.fullmatch(value):
                    return ParseError(f"SIA area must be 1-4 digits, got {value!r}", "format")
                area = int(value)
            continue
        if m := _EVENT.fullmatch(field):
            code, number = m.groups()
            events.append(SiaEvent(code, int(number or 0), area))
            if len(events) > MAX_EVENTS:
                return ParseError(f"SIA data holds more than {MAX_EVENTS} events", "format")
            continue
        return ParseError(f"SIA field not understood: {field!r}", "format")
    if not events:
        return ParseError("SIA data holds no event", "format")
    return tuple(events)


def encode_block(events: list[SiaEvent]) -> str:
    parts: list[str] = []
    area = None
    for event in events:
        if event.partition != area:
            parts.append(f"ri{event.partition}")
            area = event.partition
        parts.append(f"{event.code}{event.zone:03d}")
    return "N" + "/".join(parts)
