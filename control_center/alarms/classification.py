"""Sort a panel event into a service type A–I (or a non-alarm kind) and a priority. Pure tables."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from control_center.alarms.service_types import PRIORITY, Priority, ServiceType
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.sia_codes import SiaEvent

S = ServiceType


class SignalKind(StrEnum):
    ALARM = "alarm"  # opens or joins an incident (troubles included)
    RESTORE = "restore"  # the condition ended
    OPENING = "opening"  # disarmed
    CLOSING = "closing"  # armed
    TEST = "test"  # periodic or manual test
    INFO = "info"  # logged only (bypass, download, callback)


@dataclass(frozen=True, slots=True)
class Classification:
    kind: SignalKind
    service_type: ServiceType | None
    priority: Priority
    description: str


# Contact ID event codes (SIA DC-05) by range; the first matching range wins.
_CID_RANGES: list[tuple[range, ServiceType, str]] = [
    (range(100, 110), S.MEDICAL, "medical"),
    (range(110, 120), S.FIRE, "fire"),
    (range(120, 130), S.EMERGENCY, "panic / duress"),
    (range(130, 140), S.BURGLARY, "burglary"),
    (range(140, 150), S.BURGLARY, "general alarm"),
    (range(150, 152), S.GAS, "gas detected"),
    (range(162, 163), S.GAS, "carbon monoxide"),
    (range(155, 156), S.BURGLARY, "foil break"),
    (range(150, 170), S.EQUIPMENT, "24-hour non-burglary"),
    (range(200, 300), S.EQUIPMENT, "fire supervisory"),
    (range(350, 360), S.LINE_CUT, "communication trouble"),
    (range(300, 400), S.EQUIPMENT, "system trouble"),
    (range(641, 642), S.LIFE_WATCH, "senior watch trouble"),
    (range(654, 655), S.LIFE_WATCH, "system inactivity"),
]
_CID_OPEN_CLOSE = frozenset({400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 441, 442})
_CID_TESTS = range(600, 610)
_CID_INFO = (range(410, 420), range(570, 580))

_SIA_ALARMS: dict[str, tuple[ServiceType, str]] = {
    "BA": (S.BURGLARY, "burglary"),
    "TA": (S.BURGLARY, "tamper"),
    "UA": (S.BURGLARY, "untyped zone alarm"),
    "FA": (S.FIRE, "fire"),
    "KA": (S.FIRE, "heat"),
    "PA": (S.EMERGENCY, "panic"),
    "HA": (S.EMERGENCY, "holdup / duress"),
    "MA": (S.MEDICAL, "medical"),
    "GA": (S.GAS, "gas"),
    "LT": (S.LINE_CUT, "phone line trouble"),
    "YC": (S.LINE_CUT, "communication fail"),
    "YT": (S.EQUIPMENT, "battery trouble"),
    "XT": (S.EQUIPMENT, "transmitter battery"),
    "AT": (S.EQUIPMENT, "AC power trouble"),
    "WA": (S.EQUIPMENT, "water leak"),
    "ZA": (S.EQUIPMENT, "freeze"),
}
_SIA_RESTORES = frozenset(
    {"BR", "TR", "UR", "FR", "KR", "PR", "HR", "MR", "GR", "LR", "YR", "XR", "AR", "WR", "ZR"}
)
_SIA_KINDS = {
    "OP": SignalKind.OPENING,
    "CL": SignalKind.CLOSING,
    "RP": SignalKind.TEST,
    "RX": SignalKind.TEST,
    "BB": SignalKind.INFO,
    "BU": SignalKind.INFO,
}


def classify(event: ContactIdEvent | SiaEvent, device: str | None = None) -> Classification:
    result = _classify_cid(event) if isinstance(event, ContactIdEvent) else _classify_sia(event)
    if device == "outdoor_camera" and result.service_type is S.BURGLARY:
        # A camera's intrusion detection is the outdoor-camera service (I), not burglary.
        return _alarm(S.OUTDOOR_CAMERA, "outdoor camera: " + result.description)
    return result


def _alarm(service: ServiceType, description: str) -> Classification:
    return Classification(SignalKind.ALARM, service, PRIORITY[service], description)


def _other(kind: SignalKind, description: str) -> Classification:
    return Classification(kind, None, Priority.INFO, description)


def _classify_cid(event: ContactIdEvent) -> Classification:
    code = event.code
    if code in _CID_OPEN_CLOSE:
        # Contact ID: qualifier 1 = opening (disarm), 3 = closing (arm).
        closing = event.qualifier is Qualifier.RESTORE
        return _other(
            SignalKind.CLOSING if closing else SignalKind.OPENING, "armed" if closing else "disarmed"
        )
    if code in _CID_TESTS:
        return _other(SignalKind.TEST, "test report")
    if any(code in r for r in _CID_INFO):
        return _other(SignalKind.INFO, "status")
    for codes, service, description in _CID_RANGES:
        if code in codes:
            if event.qualifier is Qualifier.RESTORE:
                return Classification(SignalKind.RESTORE, service, Priority.INFO, description + " restored")
            return _alarm(service, description)
    # Never drop what we cannot read: an operator looks at it.
    return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, f"unclassified event {code:03d}")


def _classify_sia(event: SiaEvent) -> Classification:
    if event.code in _SIA_KINDS:
        kind = _SIA_KINDS[event.code]
        return _other(
            kind,
            {SignalKind.OPENING: "disarmed", SignalKind.CLOSING: "armed", SignalKind.TEST: "test report"}.get(
                kind, "status"
            ),
        )
    if event.code in _SIA_ALARMS:
        return _alarm(*_SIA_ALARMS[event.code])
    if event.code in _SIA_RESTORES:
        return _other(SignalKind.RESTORE, f"{event.code} restore")
    return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, f"unclassified event {event.code}")
