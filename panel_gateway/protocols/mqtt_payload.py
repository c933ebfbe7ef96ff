"""What a panel publishes to ``<root>/<account>/signals`` over MQTT (see docs/mqtt-payload.md).

A JSON object (one event, or a heartbeat), or a raw DC-09 frame or Contact ID message as sent on
other transports.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping

from panel_gateway.protocols import contact_id, dc09, panel_signal, sia_codes
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.protocols.sia_codes import SiaEvent

# Used with fullmatch: "$" would also accept a trailing newline.
ACCOUNT = re.compile(r"[0-9A-Za-z_-]{1,32}")
MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,64}")  # printable ASCII, no spaces
DEVICES = frozenset({"outdoor_camera", "intercom"})  # intercom: the resident sent camera images
# The largest payload the gateway reads; the brokers' own limit (message_size_limit) should match it.
MAX_PAYLOAD = 16 * 1024
MAX_DEPTH = 8  # the format is two levels deep; deeper JSON is refused before anything walks it
MAX_IMAGES = 10
MAX_IMAGE_REF = 12 * 1024
IMAGE_PREFIXES = ("https://", "http://", "data:image/jpeg;base64,", "data:image/png;base64,")
_RAW_CONTACT_ID = re.compile(rb"^[0-9A-Fa-f ]{16,24}$")


def topic_account(topic: str, root: str) -> str | ParseError:
    """``panels/1234/signals`` → ``1234``; never raises on bad input."""
    parts = topic.split("/")
    root_parts = root.split("/")
    if len(parts) != len(root_parts) + 2 or parts[: len(root_parts)] != root_parts or parts[-1] != "signals":
        return ParseError(f"unexpected topic {topic!r}")
    account = parts[-2]
    if not ACCOUNT.fullmatch(account):
        return ParseError(f"invalid account {account!r} in topic")
    return account


def parse(
    account: str, payload: bytes, *, keys: Mapping[str, bytes], now: dt.datetime
) -> list[PanelSignal] | ParseError:
    """Decode one panel message into its signals; never raises on bad input."""
    if len(payload) > MAX_PAYLOAD:
        return _too_large(payload)
    stripped = payload.strip()
    if stripped[:1] != b"{" and b'"' in stripped:
        return _raw_dc09(account, payload, keys, now)
    if _RAW_CONTACT_ID.match(stripped):
        return _raw_contact_id(account, stripped.decode(), now)
    result = parse_json(account, payload)
    return result if isinstance(result, ParseError) else [result]


def _raw_dc09(
    account: str, payload: bytes, keys: Mapping[str, bytes], now: dt.datetime
) -> list[PanelSignal] | ParseError:
    frame = dc09.parse(payload, keys=keys, now=now)
    if isinstance(frame, ParseError):
        return frame
    if frame.panel_account.lstrip("0") != account.upper().lstrip("0"):
        return ParseError(f"DC-09 account {frame.panel_account} does not match topic account {account}")
    return panel_signal.from_dc09(frame, now)


def _raw_contact_id(account: str, text: str, now: dt.datetime) -> list[PanelSignal] | ParseError:
    event = contact_id.parse(text)
    if isinstance(event, ParseError):
        return event
    if event.account.lstrip("0") != account.upper().lstrip("0"):
        return ParseError(f"contact id account {event.account} does not match topic account {account}")
    return [panel_signal.from_contact_id(event, now)]


def parse_json(account: str, payload: bytes) -> PanelSignal | ParseError:
    """One JSON object (docs/mqtt-payload.md); never raises on bad input."""
    if len(payload) > MAX_PAYLOAD:
        return _too_large(payload)
    doc = _load(payload)
    if isinstance(doc, ParseError):
        return doc
    if not isinstance(doc, dict):
        return ParseError("payload must be a JSON object")

    message_id = doc.get("msg_id")
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        return ParseError("msg_id must be 1-64 printable characters")

    panel_time = _panel_time(doc.get("sent_at"))
    if isinstance(panel_time, ParseError):
        return panel_time

    device = doc.get("device")
    if device is not None and not (isinstance(device, str) and device in DEVICES):
        return ParseError(f"unknown device {repr(device)[:60]}")
    images = doc.get("images", [])
    if not isinstance(images, list) or len(images) > MAX_IMAGES or not all(_image_ref(i) for i in images):
        return ParseError(f"images must be a list of at most {MAX_IMAGES} http(s) URLs or JPEG/PNG data URIs")

    if doc.get("heartbeat") is True and "contact_id" not in doc and "sia" not in doc:
        return PanelSignal(account, message_id, panel_time, None)
    has_cid, has_sia = "contact_id" in doc, "sia" in doc
    if has_cid == has_sia:
        return ParseError("payload needs exactly one of contact_id or sia")
    event: ContactIdEvent | SiaEvent | ParseError
    if has_cid:
        raw = doc["contact_id"]
        event = contact_id.parse(raw) if isinstance(raw, str) else ParseError("contact_id must be a string")
        if isinstance(event, ContactIdEvent) and event.account.lstrip("0") != account.upper().lstrip("0"):
            return ParseError(f"contact id account {event.account} does not match topic account {account}")
    else:
        event = sia_codes.parse(doc["sia"])
    if isinstance(event, ParseError):
        return event
    return PanelSignal(account, message_id, panel_time, event, device)


def _too_large(payload: bytes) -> ParseError:
    return ParseError(f"payload too large: {len(payload)} bytes, larger than {MAX_PAYLOAD}", "length")


def _load(payload: bytes) -> object | ParseError:
    try:
        doc = json.loads(payload)
    except RecursionError:
        return ParseError(f"payload nested deeper than {MAX_DEPTH} levels")
    except ValueError as exc:  # not JSON, not UTF-8, or an integer of more than 4,300 digits
        return ParseError(f"payload is not JSON: {exc}")
    if _depth_exceeds(doc, MAX_DEPTH):
        return ParseError(f"payload nested deeper than {MAX_DEPTH} levels")
    return doc


def _depth_exceeds(doc: object, limit: int) -> bool:
    """Without recursion, so that nesting cannot exhaust the stack here either."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def _image_ref(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_IMAGE_REF and value.startswith(IMAGE_PREFIXES)


def images_in(raw: str) -> list[str]:
    """The camera images a stored payload carried (validated when it was received)."""
    try:
        doc = json.loads(raw)
    except (ValueError, TypeError, RecursionError):
        return []
    images = doc.get("images", []) if isinstance(doc, dict) else []
    return [i for i in images if _image_ref(i)] if isinstance(images, list) else []


def _panel_time(value: object) -> dt.datetime | ParseError | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return ParseError("sent_at must be an ISO 8601 string")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return ParseError(f"sent_at is not ISO 8601: {value[:40]!r}")
    if parsed.tzinfo is None:
        return ParseError("sent_at must carry a UTC offset")
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable UTC instant
        return ParseError(f"sent_at is out of range: {value[:40]!r}")
