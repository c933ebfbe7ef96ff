"""SIA DC-03 data inside a DC-09 ``SIA-DCS`` block; pure, never raises on bad input.

The grammar (SIA DC-03, as DC-09 carries it after the account; see tests/panel_gateway/corpus/):

- The data is one or more *blocks* separated by ``|``. Each block opens with its function letter:
  ``N`` new event(s), ``O`` old event(s) (both carry events), ``A`` an ASCII text block that describes
  the events of the block before it (``Nri1/BA3|AFront door``).
- An event block is a run of *fields*, with or without ``/`` between them (panels send both
  ``Nri1/CL0`` and ``Nri1CL0``, ``Nid3OG2``):
  - a *modifier*: two lower-case letters and a value — ``ri`` area, ``id`` user, ``pi`` peripheral,
    ``ai`` automated id, ``ph`` telephone id (digits), ``ti`` time (``hh:mm`` or ``hh:mm:ss``),
    ``da`` date (``mm-dd-yy``); any other lower-case pair is kept with its digits. A modifier holds
    for every event after it in the block until it is sent again.
  - an *event*: two upper-case letters (the event code) and its address digits (zone, user or
    point): ``FA129``, ``RP0000``, ``AT`` (no address is address 0).
  - *text* in ``^…^``: belongs to the event before it (or, before any event, to the events after it).
- At most ``MAX_EVENTS`` events: one report, not a flood.
"""

from __future__ import annotations

import re

from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

MAX_EVENTS = 64  # a block is one report; more events than this is not a panel talking

# [0-9], not \d: \d also matches other scripts' digits ('١'), which are not SIA digits.
_SINGLE = re.compile(r"N(?:ri([0-9]{1,4})/)?([A-Z]{2})([0-9]{0,4})")  # the common case: one event
_EVENT = re.compile(r"[A-Z]{2}([0-9]{0,6})")
_MODIFIER_NAME = re.compile(r"[a-z]{2}")
_VALUES = {
    "ti": re.compile(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?"),
    "da": re.compile(r"[0-9]{2}-[0-9]{2}-[0-9]{2}(?:[0-9]{2})?"),
}
_DIGITS = re.compile(r"[0-9]{0,8}")
_LABELS = {"ri": "area", "id": "user", "pi": "peripheral", "ai": "automated id", "ph": "telephone id",
           "ti": "time", "da": "date"}  # fmt: skip
_BOUNDARY = frozenset("/^| ")
_EVENT_BLOCKS = frozenset("NO")


def parse_block(text: str) -> tuple[SiaEvent, ...] | ParseError:
    """The events of a data field (its blocks after the account); never raises on bad input."""
    if m := _SINGLE.fullmatch(text):
        area, code, number = m.groups()
        return (SiaEvent(code, int(number or 0), int(area or 0)),)
    events: list[SiaEvent] = []
    previous: list[SiaEvent] = []  # the events of the block before: what an A block describes
    for block in text.split("|"):
        kind = block[:1]
        if kind in _EVENT_BLOCKS:
            parsed = _event_block(block, len(events))
            if isinstance(parsed, ParseError):
                return parsed
            events.extend(parsed)
            previous = parsed
        elif kind == "A" and previous:
            words = block[1:].strip()
            start = len(events) - len(previous)
            for i in range(start, len(events)):
                event = events[i]
                joined = f"{event.text} {words}" if event.text else words
                events[i] = _with_text(event, joined)
            previous = events[start:]
        elif kind == "A":
            return ParseError("SIA text block (A) with no event before it", "format")
        else:
            return ParseError(f"SIA data block must start with N, O or A, got {block[:10]!r}", "format")
    if not events:
        return ParseError("SIA data holds no event", "format")
    return tuple(events)


def _with_text(event: SiaEvent, text: str) -> SiaEvent:
    return SiaEvent(event.code, event.zone, event.partition, event.modifiers, text or None)


def _event_block(block: str, before: int) -> list[SiaEvent] | ParseError:
    area = 0
    modifiers: dict[str, str] = {}
    events: list[SiaEvent] = []
    pending_text: str | None = None  # text before any event: for the events after it
    i, n = 1, len(block)
    while i < n:
        c = block[i]
        if c in "/ ":
            i += 1
        elif c == "^":
            end = block.find("^", i + 1)
            if end == -1:
                return ParseError("SIA text (^…^) is not closed", "format")
            words = block[i + 1 : end].strip() or None
            if events:
                events[-1] = _with_text(events[-1], words or "")
            else:
                pending_text = words
            i = end + 1
        elif "a" <= c <= "z":
            name = block[i : i + 2]
            if not _MODIFIER_NAME.fullmatch(name):
                return ParseError(f"SIA field not understood: {block[i : i + 10]!r}", "format")
            m = _VALUES.get(name, _DIGITS).match(block, i + 2)
            end = m.end() if m else i + 2
            if m is None or not _bounded(block, end):
                label = _LABELS.get(name, "modifier")
                return ParseError(f"SIA {name} ({label}) value not understood: {block[i : i + 12]!r}")
            value = m.group()
            if name == "ri":
                if not value:
                    return ParseError("SIA area (ri) must have digits", "format")
                area = int(value)
            else:
                modifiers[name] = value
            i = end
        elif "A" <= c <= "Z":
            m = _EVENT.match(block, i)
            if m is None:
                return ParseError(f"SIA field not understood: {block[i : i + 10]!r}", "format")
            end = m.end()
            if not _bounded(block, end):
                return ParseError(f"SIA field not understood: {block[i : i + 10]!r}", "format")
            events.append(SiaEvent(block[i : i + 2], int(m.group(1) or 0), area,
                                   tuple(modifiers.items()), pending_text))  # fmt: skip
            if before + len(events) > MAX_EVENTS:
                return ParseError(f"SIA data holds more than {MAX_EVENTS} events", "format")
            i = end
        else:
            return ParseError(f"SIA field not understood: {block[i : i + 10]!r}", "format")
    return events


def _bounded(block: str, end: int) -> bool:
    """Whether a field ends at ``end``: the block's end, a separator, or the next field's letter."""
    if end >= len(block):
        return True
    c = block[end]
    return c in _BOUNDARY or (c.isascii() and c.isalpha())


def encode_block(events: list[SiaEvent]) -> str:
    """``N`` with each event's area (``ri``) when it changes, its other modifiers and its text."""
    parts: list[str] = []
    area = None
    for event in events:
        if event.partition != area:
            parts.append(f"ri{event.partition}")
            area = event.partition
        parts.extend(f"{name}{value}" for name, value in event.modifiers)
        parts.append(f"{event.code}{event.zone:03d}" + (f"^{event.text}^" if event.text else ""))
    return "N" + "/".join(parts)
