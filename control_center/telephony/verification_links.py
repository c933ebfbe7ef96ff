"""The digital-verification link's token: signed, expiring, naming one recipient of one incident. Pure.

``v1.<recipient>.<incident>.<expiry, Unix seconds>.<HMAC-SHA256, 128 bits>`` in URL-safe base64: the MAC
(under a subkey of the center's key, ``SecretBox.subkey(PURPOSE)``) covers every field, so a changed
recipient, incident or expiry is a forgery; nothing in it is secret or personal (no house code, no phone
number), and it is useless after the expiry. What a recipient may do with it is decided by the rows
(``verification.py``), which the token only points at.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

PURPOSE = "verification-links"
VERSION = "v1"
MAC_BYTES = 16
MAX_TOKEN = 200  # anything longer is not ours: refused before decoding


@dataclass(frozen=True, slots=True)
class Claim:
    recipient_id: int
    incident_id: int
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a token is refused: ``forged`` (not ours, altered, malformed) or ``expired``."""

    reason: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> bytes:
    return hmac.new(key, payload.encode(), hashlib.sha256).digest()[:MAC_BYTES]


def sign(key: bytes, recipient_id: int, incident_id: int, expires_at: dt.datetime) -> str:
    payload = f"{VERSION}.{recipient_id}.{incident_id}.{int(expires_at.timestamp())}"
    return f"{_b64(payload.encode())}.{_b64(_mac(key, payload))}"


def read(key: bytes, token: str, now: dt.datetime) -> Claim | Refusal:
    """The token's claim if we signed it and it has not expired; never raises on bad input."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        return Refusal("forged")
    encoded, mac = token.split(".")
    try:
        raw = _unb64(encoded)
        payload = raw.decode("ascii")
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        return Refusal("forged")
    if _b64(raw) != encoded or _b64(given) != mac:  # one spelling per token: no padding, no spare bits
        return Refusal("forged")
    if not hmac.compare_digest(given, _mac(key, payload)):
        return Refusal("forged")
    parts = payload.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not all(p.isdigit() for p in parts[1:]):
        return Refusal("forged")  # signed by us but not a link: another subkey's use would never get here
    recipient, incident, expiry = (int(p) for p in parts[1:])
    try:
        expires_at = dt.datetime.fromtimestamp(expiry, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return Refusal("forged")
    if now >= expires_at:
        return Refusal("expired")
    return Claim(recipient, incident, expires_at)
