"""Sort a panel event into a service type A–I (or a non-alarm kind) and a priority. Pure tables."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from control_center.core.i18n import N_
from control_center.signals.service_types import PRIORITY, Priority, ServiceType
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
    (range(100, 110), S.MEDICAL, N_("medical")),
    (range(110, 120), S.FIRE, N_("fire")),
    (range(120, 130), S.EMERGENCY, N_("panic / duress")),
    (range(130, 140), S.BURGLARY, N_("burglary")),
    (range(140, 150), S.BURGLARY, N_("general alarm")),
    (range(150, 152), S.GAS, N_("gas detected")),
    (range(162, 163), S.GAS, N_("carbon monoxide")),
    (range(155, 156), S.BURGLARY, N_("foil break")),
    (range(150, 170), S.EQUIPMENT, N_("24-hour non-burglary")),
    (range(200, 300), S.EQUIPMENT, N_("fire supervisory")),
    (range(350, 360), S.LINE_CUT, N_("communication trouble")),
    (range(301, 302), S.EQUIPMENT, N_("AC power loss")),
    (range(300, 400), S.EQUIPMENT, N_("system trouble")),
    (range(641, 642), S.LIFE_WATCH, N_("senior watch trouble")),
    (range(654, 655), S.LIFE_WATCH, N_("system inactivity")),
]
# A power loss that comes back by itself within minutes closes its incident (incidents/inbox.py).
POWER_LOSS = frozenset({"AC power loss", "AC power trouble"})
_CID_OPEN_CLOSE = frozenset({400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 441, 442})
_CID_TESTS = range(600, 610)
_CID_INFO = (range(410, 420), range(570, 580))

_SIA_ALARMS: dict[str, tuple[ServiceType, str]] = {
    "BA": (S.BURGLARY, N_("burglary")),
    "TA": (S.BURGLARY, N_("tamper")),
    "UA": (S.BURGLARY, N_("untyped zone alarm")),
    "FA": (S.FIRE, N_("fire")),
    "KA": (S.FIRE, N_("heat")),
    "PA": (S.EMERGENCY, N_("panic")),
    "HA": (S.EMERGENCY, N_("holdup / duress")),
    "MA": (S.MEDICAL, N_("medical")),
    "GA": (S.GAS, N_("gas")),
    "LT": (S.LINE_CUT, N_("phone line trouble")),
    "YC": (S.LINE_CUT, N_("communication fail")),
    "YT": (S.EQUIPMENT, N_("battery trouble")),
    "XT": (S.EQUIPMENT, N_("transmitter battery")),
    "AT": (S.EQUIPMENT, N_("AC power trouble")),
    "WA": (S.EQUIPMENT, N_("water leak")),
    "ZA": (S.EQUIPMENT, N_("freeze")),
}
_KIND_WORDS = {SignalKind.OPENING: N_("disarmed"), SignalKind.CLOSING: N_("armed"),
               SignalKind.TEST: N_("test report")}  # fmt: skip
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
        return _alarm(S.OUTDOOR_CAMERA, N_("outdoor camera intrusion"))
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
            SignalKind.CLOSING if closing else SignalKind.OPENING, N_("armed") if closing else N_("disarmed")
        )
    if code in _CID_TESTS:
        return _other(SignalKind.TEST, N_("test report"))
    if any(code in r for r in _CID_INFO):
        return _other(SignalKind.INFO, N_("status"))
    for codes, service, description in _CID_RANGES:
        if code in codes:
            if event.qualifier is Qualifier.RESTORE:
                return Classification(SignalKind.RESTORE, service, Priority.INFO, N_("restore"))
            return _alarm(service, description)
    # Never drop what we cannot read: an operator looks at it.
    return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, f"unclassified event {code:03d}")


def _classify_sia(event: SiaEvent) -> Classification:
    if event.code in _SIA_KINDS:
        kind = _SIA_KINDS[event.code]
        return _other(kind, _KIND_WORDS.get(kind, N_("status")))
    if event.code in _SIA_ALARMS:
        return _alarm(*_SIA_ALARMS[event.code])
    if event.code in _SIA_RESTORES:
        return _other(SignalKind.RESTORE, N_("restore"))
    return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, f"unclassified event {event.code}")
