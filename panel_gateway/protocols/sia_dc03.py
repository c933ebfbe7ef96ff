"""SIA DC-03 data inside a DC-09 ``SIA-DCS`` block: ``N`` then ``/``-separated fields.

``Nri1/FA129`` is a fire alarm in area 1, zone 129. Modifiers (``ri`` area, ``ti`` time, ``id`` user,
``pi`` peripheral) apply to the events after them; several events may share one block
(``Nri1/BA003/BA004``, ``Nri1/FA129/ri2/BA003``). Text in ``^…^`` is kept out of the codes.
"""

from __future__ import annotations

import re

from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

_EVENT = re.compile(r"^([A-Z]{2})(\d{0,4})$")
_MODIFIER = re.compile(r"^(ri|ti|id|pi|lt)(.*)$")
_TEXT = re.compile(r"\^[^^]*\^")


_SINGLE = re.compile(r"^N(?:ri(\d{1,4})/)?([A-Z]{2})(\d{0,4})$")  # the common case: one event


def parse_block(text: str) -> tuple[SiaEvent, ...] | ParseError:
    if m := _SINGLE.match(text):
        area, code, number = m.groups()
        return (SiaEvent(code, int(number or 0), int(area or 0)),)
    if not text.startswith("N"):
        return ParseError(f"SIA data must start with N (new event), got {text[:10]!r}", "format")
    body = _TEXT.sub("", text[1:]).strip()
    area = 0
    events: list[SiaEvent] = []
    for field in filter(None, (f.strip() for f in body.split("/"))):
        if m := _MODIFIER.match(field):
            name, value = m.groups()
            if name == "ri":
                if not value.isdigit() or len(value) > 4:
                    return ParseError(f"SIA area must be 1-4 digits, got {value!r}", "format")
                area = int(value)
            continue
        if m := _EVENT.match(field):
            code, number = m.groups()
            events.append(SiaEvent(code, int(number or 0), area))
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
