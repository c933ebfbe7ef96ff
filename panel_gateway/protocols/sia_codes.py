"""SIA DC-03 two-letter event codes as they arrive in an MQTT payload (``{"sia": {"code": "FA"}}``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from panel_gateway.protocols.errors import ParseError

_CODE = re.compile(r"[A-Z]{2}")  # ASCII: str.isupper() also takes 'ΑΒ'


@dataclass(frozen=True, slots=True)
class SiaEvent:
    code: str  # two letters, e.g. "FA" fire alarm
    zone: int  # the event's address field (zone, user or point number)
    partition: int  # the ``ri`` modifier in force (area)
    # The other DC-03 modifiers in force for this event, as sent (``("id", "3")``, ``("ti", "14:37")``).
    modifiers: tuple[tuple[str, str], ...] = ()
    text: str | None = None  # ASCII text sent with the event (``^…^`` or an ``A`` block)

    def modifier(self, name: str) -> str | None:
        return next((value for key, value in self.modifiers if key == name), None)


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
