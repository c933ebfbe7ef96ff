"""Sort a panel event into a service type A–I (or a non-alarm kind) and a priority. Pure tables."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from control_center.core.i18n import N_
from control_center.signals.service_types import PRIORITY, Priority, ServiceType
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.panel_signal import UnknownEvent
from panel_gateway.protocols.sia_codes import SiaEvent

S = ServiceType


class SignalKind(StrEnum):
    ALARM = "alarm"  # opens or joins an incident (troubles included)
    RESTORE = "restore"  # the condition ended
    OPENING = "opening"  # disarmed
    CLOSING = "closing"  # armed
    TEST = "test"  # periodic or manual test
    INFO = "info"  # logged only (bypass, download, callback)
    NOTE = "note"  # a panel's report about an alarm (PanelNote): changes the open incident, opens none


class PanelNote(StrEnum):
    """What a panel says about an alarm to reduce false alarms (ANSI/SIA CP-01) or to verify it
    (CLC/TS 50131-9). It changes the incident (incidents/flows.py, ``record_panel_note``); the plan
    for it is in alarms/action_plans.py (``PANEL_NOTES``)."""

    CANCELLED = "cancelled"  # CP-01 cancel: a user disarmed after the alarm was sent (CID 406, SIA OC/BC/FC)
    ABORTED = "aborted"  # SIA AB: a report the user stopped inside the abort window
    RECENT_CLOSING = "recent_closing"  # CP-01: an alarm shortly after arming (CID 459, SIA CR)
    EXIT_ERROR = "exit_error"  # CP-01 exit error (CID 374 zone / 457 user, SIA EA / EE)
    CONFIRMED = "confirmed"  # a second detector confirmed it (CID 139, SIA BV / BM / FM)
    UNVERIFIED = "unverified"  # one detector of a cross-zone group only (SIA BG / FG)
    SWINGER_SHUTDOWN = "swinger_shutdown"  # CP-01 swinger shutdown: the zone is bypassed (CID 575)


NOTE_WORDS = (N_("cancelled"), N_("aborted"), N_("recent_closing"), N_("exit_error"), N_("confirmed"),
              N_("unverified"), N_("swinger_shutdown"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Classification:
    kind: SignalKind
    service_type: ServiceType | None
    priority: Priority
    description: str
    note: PanelNote | None = None  # what the panel says about the alarm beyond the alarm itself


N = PanelNote
# Contact ID event codes (SIA DC-05, Appendix C; the same list as spandsp's ademco_contactid.c and
# homebridge-envisalink-ademco's cid.js) by range; the first matching range wins. Checked code by code
# against DC-05 and the services A–I of shared/domain.md §1 (issue 21): a 24-hour zone that is not a
# gas detector (150, 152–161, 163) is equipment (G), never the gas company (E).
_CID_RANGES: list[tuple[range, ServiceType, str]] = [
    (range(102, 103), S.LIFE_WATCH, N_("fail to report in")),  # DC-05 102: the user did not check in
    (range(100, 110), S.MEDICAL, N_("medical")),
    (range(110, 120), S.FIRE, N_("fire")),
    # DC-05 121 duress, 122 silent hold-up, 124/125 duress at an access point: someone is being forced,
    # and the plan handles them silently (control_center/alarms/action_plans.py, SILENT).
    (range(121, 122), S.EMERGENCY, N_("duress")),
    (range(122, 123), S.EMERGENCY, N_("silent hold-up")),
    (range(124, 126), S.EMERGENCY, N_("duress")),
    (range(120, 130), S.EMERGENCY, N_("panic / duress")),
    (range(139, 140), S.BURGLARY, N_("intrusion verified")),  # DC-05 139 "intrusion verifier"
    (range(130, 140), S.BURGLARY, N_("burglary")),
    # DC-05 141/142 polling loop open/short, 143 expansion module failure, 147 sensor supervision
    # failure: the equipment has failed, nobody has broken in.
    (range(141, 144), S.EQUIPMENT, N_("equipment failure")),
    (range(147, 148), S.EQUIPMENT, N_("sensor supervision failure")),
    (range(144, 146), S.BURGLARY, N_("tamper")),
    (range(140, 150), S.BURGLARY, N_("general alarm")),
    (range(151, 152), S.GAS, N_("gas detected")),
    (range(162, 163), S.GAS, N_("carbon monoxide")),
    (range(155, 156), S.BURGLARY, N_("foil break")),  # window foil: glass protection, 24 hours
    (range(157, 158), S.EQUIPMENT, N_("low bottled gas level")),  # a tank running low, not a leak
    (range(154, 155), S.EQUIPMENT, N_("water leak")),
    (range(150, 170), S.EQUIPMENT, N_("24-hour non-burglary")),
    (range(200, 300), S.EQUIPMENT, N_("fire supervisory")),
    (range(350, 360), S.LINE_CUT, N_("communication trouble")),
    (range(301, 302), S.EQUIPMENT, N_("AC power loss")),
    (range(374, 375), S.BURGLARY, N_("exit error alarm")),  # CP-01 exit error: an alarm, sent as such
    (range(377, 378), S.EQUIPMENT, N_("swinger trouble")),
    (range(378, 379), S.EQUIPMENT, N_("cross-zone trouble")),  # one detector only: not an intrusion alarm
    (range(300, 400), S.EQUIPMENT, N_("system trouble")),
    (range(641, 643), S.LIFE_WATCH, N_("senior watch trouble")),  # 641 senior watch, 642 latch-key
    (range(654, 655), S.LIFE_WATCH, N_("system inactivity")),
    # Vendor extensions for cross-zoning (Climax HSGW manual §10.3): 693 "cross zone first trip" (one
    # detector; 130 + 139 follow if a second trips in time, 378 if none), 694 the timer's end.
    (range(693, 694), S.BURGLARY, N_("cross-zone first trip")),
]
_CID_NOTES: dict[int, PanelNote] = {406: N.CANCELLED, 459: N.RECENT_CLOSING, 457: N.EXIT_ERROR,
                                    374: N.EXIT_ERROR, 139: N.CONFIRMED, 575: N.SWINGER_SHUTDOWN,
                                    693: N.UNVERIFIED}  # fmt: skip
# Reports about an alarm, not alarms: they change the open incident and open none (PanelNote).
_CID_NOTE_REPORTS: dict[int, tuple[ServiceType, str]] = {
    406: (S.BURGLARY, N_("cancelled by the user")),
    459: (S.BURGLARY, N_("recent closing")),
    457: (S.BURGLARY, N_("exit error by the user")),
    575: (S.BURGLARY, N_("swinger shutdown")),
}
# A power loss that comes back by itself within minutes closes its incident (incidents/inbox.py).
POWER_LOSS = frozenset({"AC power loss", "AC power trouble"})
_CID_OPEN_CLOSE = frozenset({400, 401, 402, 403, 404, 405, 407, 408, 409, 441, 442})
_CID_TESTS = (range(600, 610), range(611, 616))
# DC-05 410–469 remote access, access control and open/close exceptions (early, late, partial arm,
# user on premises, wrong code…), 501–577 disables and bypasses, 616–632 service and log reports:
# logged and shown with the premises' signals; none of them is an alarm.
_CID_INFO = (range(410, 470), range(500, 580), range(616, 640), range(694, 695))

_SIA_ALARMS: dict[str, tuple[ServiceType, str]] = {
    "BA": (S.BURGLARY, N_("burglary")),
    "BV": (S.BURGLARY, N_("burglary verified")),
    "BM": (S.BURGLARY, N_("burglary verified")),  # cross point also in alarm
    "BG": (S.BURGLARY, N_("burglary unverified")),  # one point of a cross-point group
    "EA": (S.BURGLARY, N_("exit error alarm")),
    "TA": (S.BURGLARY, N_("tamper")),
    "UA": (S.BURGLARY, N_("untyped zone alarm")),
    "FA": (S.FIRE, N_("fire")),
    "FM": (S.FIRE, N_("fire verified")),
    "FG": (S.FIRE, N_("fire unverified")),
    "KA": (S.FIRE, N_("heat")),
    "PA": (S.EMERGENCY, N_("panic")),
    "HA": (S.EMERGENCY, N_("silent hold-up")),  # SIA hold-up alarm: silent handling, as Contact ID 122
    "MA": (S.MEDICAL, N_("medical")),
    "QA": (S.MEDICAL, N_("personal emergency")),
    "GA": (S.GAS, N_("gas")),
    "LT": (S.LINE_CUT, N_("phone line trouble")),
    "YC": (S.LINE_CUT, N_("communication fail")),
    "YT": (S.EQUIPMENT, N_("battery trouble")),
    "XT": (S.EQUIPMENT, N_("transmitter battery")),
    "AT": (S.EQUIPMENT, N_("AC power trouble")),
    "WA": (S.EQUIPMENT, N_("water leak")),
    "ZA": (S.EQUIPMENT, N_("freeze")),
    "BD": (S.EQUIPMENT, N_("swinger trouble")),
    "YX": (S.EQUIPMENT, N_("service required")),
    "UT": (S.EQUIPMENT, N_("trouble")),  # untyped zone trouble (a Sur-Gard basic-protocol "T")
    "IA": (S.EQUIPMENT, N_("equipment failure")),
}
_SIA_NOTES: dict[str, PanelNote] = {"OC": N.CANCELLED, "BC": N.CANCELLED, "FC": N.CANCELLED, "AB": N.ABORTED,
                                    "CR": N.RECENT_CLOSING, "EE": N.EXIT_ERROR, "EA": N.EXIT_ERROR,
                                    "BV": N.CONFIRMED, "BM": N.CONFIRMED, "FM": N.CONFIRMED,
                                    "BG": N.UNVERIFIED, "FG": N.UNVERIFIED}  # fmt: skip
_SIA_NOTE_REPORTS: dict[str, tuple[ServiceType, str]] = {
    "OC": (S.BURGLARY, N_("cancelled by the user")),
    "BC": (S.BURGLARY, N_("cancelled by the user")),
    "FC": (S.FIRE, N_("cancelled by the user")),
    "AB": (S.BURGLARY, N_("aborted by the user")),
    "CR": (S.BURGLARY, N_("recent closing")),
    "EE": (S.BURGLARY, N_("exit error by the user")),
}
_KIND_WORDS = {SignalKind.OPENING: N_("disarmed"), SignalKind.CLOSING: N_("armed"),
               SignalKind.TEST: N_("test report")}  # fmt: skip
# DC-03 "…R" restorals and "…H" alarm restores (pysiaalarm's adm_mapping pairs CID qualifier 3 with them).
_SIA_RESTORES = frozenset({"BR", "TR", "UR", "FR", "KR", "PR", "HR", "MR", "GR", "LR", "YR", "XR", "AR", "WR",
                           "ZR", "QR", "IR", "BH", "FH", "KH", "PH", "HH", "MH", "GH", "UH", "WH", "ZH", "QH",
                           "BE"})  # fmt: skip
# DC-03 openings and closings besides OP/CL: automatic (OA/CA, CP), remote (OQ/CQ), keyswitch (OS/CS),
# disarm from alarm (OR), and an area of several (OG "partially disarmed", CG "partially armed"), which
# is what Ajax and Galaxy panels send per group. A partial arm is armed, as Contact ID 441 (stay) is.
_SIA_KINDS = {
    "OP": SignalKind.OPENING,
    "CL": SignalKind.CLOSING,
    "OA": SignalKind.OPENING,
    "CA": SignalKind.CLOSING,
    "CP": SignalKind.CLOSING,
    "OQ": SignalKind.OPENING,
    "CQ": SignalKind.CLOSING,
    "OS": SignalKind.OPENING,
    "CS": SignalKind.CLOSING,
    "OR": SignalKind.OPENING,
    "OG": SignalKind.OPENING,
    "CG": SignalKind.CLOSING,
    "RP": SignalKind.TEST,
    "RX": SignalKind.TEST,
    "BB": SignalKind.INFO,
    "BU": SignalKind.INFO,
    "UB": SignalKind.INFO,
    "UU": SignalKind.INFO,
    "MI": SignalKind.INFO,  # a canned message
    "LF": SignalKind.INFO,  # listen-in begins
}


def note_for(signal_format: str, event_code: str) -> PanelNote | None:
    """The panel note a stored signal carries (``signals.format`` and ``signals.event_code``)."""
    if signal_format == "contact_id":
        return _CID_NOTES.get(int(event_code)) if event_code.isdigit() else None
    if signal_format == "sia":
        return _SIA_NOTES.get(event_code)
    return None


def classify(event: ContactIdEvent | SiaEvent | UnknownEvent, device: str | None = None) -> Classification:
    if isinstance(event, UnknownEvent):
        # A sound frame whose data nobody could read: an operator looks at it, ahead of troubles
        # (issue 16, "no well-formed alarm is lost"; docs/architecture.md, "DUH or ACK").
        return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, N_("unknown signal"))
    result = _classify_cid(event) if isinstance(event, ContactIdEvent) else _classify_sia(event)
    if device == "outdoor_camera" and result.service_type is S.BURGLARY:
        # A camera's intrusion detection is the outdoor-camera service (I), not burglary.
        return _alarm(S.OUTDOOR_CAMERA, N_("outdoor camera intrusion"))
    if device == "intercom" and result.kind is SignalKind.ALARM and result.priority > Priority.LIFE_SAFETY:
        # The resident sent the outdoor camera's images from the intercom (seed 002 I.): service I.
        # A life-safety alarm sent from it keeps its own service.
        return _alarm(S.OUTDOOR_CAMERA, N_("camera images sent from the intercom"))
    return result


def _alarm(service: ServiceType, description: str, note: PanelNote | None = None) -> Classification:
    return Classification(SignalKind.ALARM, service, PRIORITY[service], description, note)


def _note(service: ServiceType, description: str, note: PanelNote) -> Classification:
    # Processed with the alarms it speaks about (same priority, after them in arrival order).
    return Classification(SignalKind.NOTE, service, Priority.ALARM, description, note)


def _other(kind: SignalKind, description: str) -> Classification:
    return Classification(kind, None, Priority.INFO, description)


def _classify_cid(event: ContactIdEvent) -> Classification:
    code = event.code
    if code in _CID_NOTE_REPORTS:
        # CP-01 reports (406 cancel, 459 recent close, 457 exit error, 575 swinger bypass): the
        # qualifier only says new or restore; either way it speaks about the alarm.
        return _note(*_CID_NOTE_REPORTS[code], _CID_NOTES[code])
    if code in _CID_OPEN_CLOSE:
        # Contact ID: qualifier 1 = opening (disarm), 3 = closing (arm).
        closing = event.qualifier is Qualifier.RESTORE
        return _other(
            SignalKind.CLOSING if closing else SignalKind.OPENING, N_("armed") if closing else N_("disarmed")
        )
    if any(code in r for r in _CID_TESTS):
        return _other(SignalKind.TEST, N_("test report"))
    if any(code in r for r in _CID_INFO):
        return _other(SignalKind.INFO, N_("status"))
    for codes, service, description in _CID_RANGES:
        if code in codes:
            if event.qualifier is Qualifier.RESTORE:
                return Classification(SignalKind.RESTORE, service, Priority.INFO, N_("restore"))
            return _alarm(service, description, _CID_NOTES.get(code))
    # Never drop what we cannot read: an operator looks at it.
    return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, f"unclassified event {code:03d}")


def _classify_sia(event: SiaEvent) -> Classification:
    if event.code in _SIA_KINDS:
        kind = _SIA_KINDS[event.code]
        return _other(kind, _KIND_WORDS.get(kind, N_("status")))
    if event.code in _SIA_NOTE_REPORTS:
        return _note(*_SIA_NOTE_REPORTS[event.code], _SIA_NOTES[event.code])
    if event.code in _SIA_ALARMS:
        return _alarm(*_SIA_ALARMS[event.code], _SIA_NOTES.get(event.code))
    if event.code in _SIA_RESTORES:
        return _other(SignalKind.RESTORE, N_("restore"))
    return Classification(SignalKind.ALARM, S.EQUIPMENT, Priority.ALARM, f"unclassified event {event.code}")
