"""One line of text → the JSON a field technician reads (``control-center decode``). Pure: the command
and the decoders' fuzzer (``control-center bench fuzz``) both run it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from control_center.signals.classification import classify
from panel_gateway.protocols import contact_id, dc09
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.sia_codes import SiaEvent

_CONTACT_ID = re.compile(r"^[0-9A-Za-z ]{12,24}$")  # no quote: not a DC-09 frame


def event_json(event: ContactIdEvent | SiaEvent) -> dict[str, Any]:
    """One event; a SIA event's other DC-03 modifiers (``id`` user, ``pi``, ``ti``…) and its text
    appear as ``modifiers`` and ``text`` when it has them."""
    service = classify(event).service_type
    if isinstance(event, ContactIdEvent):
        return {"code": f"{event.code:03d}", "qualifier": int(event.qualifier.value), "group": event.group,
                "zone": event.zone, "service_type": service.value if service else None}  # fmt: skip
    kind = service.value if service else None
    out: dict[str, Any] = {"code": event.code, "qualifier": None, "group": event.partition,
                           "zone": event.zone, "service_type": kind}  # fmt: skip
    if event.modifiers:
        out["modifiers"] = dict(event.modifiers)
    if event.text:
        out["text"] = event.text
    return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def describe(frame: str, *, keys: Mapping[str, bytes], now: dt.datetime) -> dict[str, Any]:
    text = frame.strip("\r\n")
    if _CONTACT_ID.match(text) and '"' not in text:
        return _contact_id(text)
    result = dc09.parse(frame.encode("latin-1", errors="replace"), keys=keys, now=now)
    valid = isinstance(result, dc09.Frame)
    return {
        "protocol": "dc09",
        "valid": valid,
        "error": None if valid else result.code,
        "reason": None if valid else result.reason,
        "account": result.panel_account if valid else result.account,
        "sequence": result.sequence,
        "receiver": result.receiver,
        "line": result.line,
        "id_token": result.id_token,
        "encrypted": result.encrypted,
        "timestamp": _iso(result.timestamp),
        "events": [event_json(e) for e in result.events] if valid else [],
        # DC-09 extended fields decoded (dc09_extended: "verification", "latitude", "event_time"…).
        "extended": result.extended_data() if valid else {},
        # Sound frame, data nobody could read: stored as an unknown signal, acknowledged.
        "unreadable": result.unreadable if valid else None,
        "response": dc09.response(result, keys=keys, now=now).decode("ascii"),
    }


def _contact_id(text: str) -> dict[str, Any]:
    result = contact_id.parse(text)
    empty = {"sequence": None, "receiver": None, "line": None, "id_token": None, "encrypted": False,
             "timestamp": None, "response": None, "protocol": "contact-id", "extended": {},
             "unreadable": None}  # fmt: skip
    if isinstance(result, ParseError):
        return empty | {
            "valid": False,
            "error": result.code,
            "reason": result.reason,
            "account": None,
            "events": [],
        }
    return empty | {"valid": True, "error": None, "reason": None, "account": result.account,
                    "events": [event_json(result)]}  # fmt: skip


def unreadable(reason: str) -> dict[str, Any]:
    """The answer for a line that is not even text to decode (``--json`` and not a JSON string)."""
    return {"valid": False, "error": "format", "reason": reason, "protocol": None, "account": None,
            "sequence": None, "receiver": None, "line": None, "id_token": None, "encrypted": False,
            "timestamp": None, "events": [], "extended": {}, "unreadable": None,
            "response": None}  # fmt: skip
