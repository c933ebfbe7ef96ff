"""SIA DC-03 two-letter event codes as they arrive in an MQTT payload (``{"sia": {"code": "FA"}}``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from panel_gateway.protocols.errors import ParseError

_CODE = re.compile(r"[A-Z]{2}")  # ASCII: str.isupper() also takes 'ΑΒ'


@dataclass(frozen=True, slots=True)
class SiaEvent:
    code: str  # two letters, e.g. "FA" fire alarm
    zone: int
    partition: int


def parse(obj: object) -> SiaEvent | ParseError:
    """``{"code": "FA", "zone": 3, "partition": 1}`` as JSON gave it; never raises on bad input."""
    if not isinstance(obj, dict):
        return ParseError("sia must be an object with a code")
    code = obj.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        return ParseError("sia code must be two capital letters")
    zone, partition = obj.get("zone", 0), obj.get("partition", 0)
    if not (_small_int(zone) and _small_int(partition)):
        return ParseError("sia zone and partition must be integers 0-9999")
    return SiaEvent(code, zone, partition)


def _small_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9999
