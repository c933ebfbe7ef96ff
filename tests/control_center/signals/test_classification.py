from __future__ import annotations

import pytest

from control_center.signals.classification import PanelNote, SignalKind, classify, note_for
from control_center.signals.service_types import Priority, ServiceType
from panel_gateway.protocols.contact_id import ContactIdEvent, Qualifier
from panel_gateway.protocols.sia_codes import SiaEvent

S = ServiceType


def cid(code: int, qualifier: Qualifier = Qualifier.NEW) -> ContactIdEvent:
    return ContactIdEvent("1234", "18", qualifier, code, 1, 1)


@pytest.mark.parametrize(
    ("code", "service"),
    [
        (100, S.MEDICAL), (101, S.MEDICAL),
        (110, S.FIRE), (111, S.FIRE), (114, S.FIRE),
        (120, S.EMERGENCY), (121, S.EMERGENCY), (122, S.EMERGENCY),
        (130, S.BURGLARY), (131, S.BURGLARY), (134, S.BURGLARY), (137, S.BURGLARY),
        (151, S.GAS), (162, S.GAS),
        (154, S.EQUIPMENT), (158, S.EQUIPMENT),
        (302, S.EQUIPMENT), (384, S.EQUIPMENT),
        (351, S.LINE_CUT), (354, S.LINE_CUT),
        (641, S.LIFE_WATCH), (654, S.LIFE_WATCH),
    ],
)  # fmt: skip
def test_contact_id_alarms_map_to_their_service(code: int, service: ServiceType) -> None:
    result = classify(cid(code))
    assert (result.kind, result.service_type) == (SignalKind.ALARM, service)


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (cid(401, Qualifier.RESTORE), SignalKind.CLOSING),
        (cid(401, Qualifier.NEW), SignalKind.OPENING),
        (cid(441, Qualifier.RESTORE), SignalKind.CLOSING),
        (cid(602), SignalKind.TEST),
        (cid(130, Qualifier.RESTORE), SignalKind.RESTORE),
        (SiaEvent("OP", 0, 1), SignalKind.OPENING),
        (SiaEvent("CL", 0, 1), SignalKind.CLOSING),
        (SiaEvent("OG", 0, 2), SignalKind.OPENING),  # Ajax: one area of several disarmed
        (SiaEvent("CG", 0, 2), SignalKind.CLOSING),  # partially armed, as CID 441 stay
        (SiaEvent("OR", 0, 1), SignalKind.OPENING),  # disarmed from alarm
        (SiaEvent("CA", 0, 1), SignalKind.CLOSING),  # armed automatically
        (SiaEvent("CQ", 0, 1), SignalKind.CLOSING),  # armed remotely
        (SiaEvent("RP", 0, 0), SignalKind.TEST),
        (SiaEvent("FR", 3, 0), SignalKind.RESTORE),
    ],
)
def test_non_alarm_signals_open_no_incident(event: object, kind: SignalKind) -> None:
    result = classify(event)
    assert result.kind == kind
    assert result.kind != SignalKind.ALARM


@pytest.mark.parametrize(
    ("code", "service"),
    [
        ("BA", S.BURGLARY),
        ("FA", S.FIRE),
        ("PA", S.EMERGENCY),
        ("MA", S.MEDICAL),
        ("GA", S.GAS),
        ("LT", S.LINE_CUT),
        ("YT", S.EQUIPMENT),
    ],
)
def test_sia_alarms_map_to_their_service(code: str, service: ServiceType) -> None:
    assert classify(SiaEvent(code, 1, 0)).service_type == service


def test_life_safety_services_outrank_everything_else() -> None:
    life_safety = {classify(cid(c)).priority for c in (110, 100, 120, 151)}
    others = {classify(cid(c)).priority for c in (130, 302, 351, 654)}
    assert life_safety == {Priority.LIFE_SAFETY}
    assert min(others) > Priority.LIFE_SAFETY


def test_an_outdoor_camera_intrusion_is_service_i() -> None:
    assert classify(cid(130), device="outdoor_camera").service_type == S.OUTDOOR_CAMERA
    assert classify(cid(110), device="outdoor_camera").service_type == S.FIRE


def test_duress_and_hold_up_are_told_apart_from_a_panic() -> None:
    """SIA DC-05: 120 panic, 121 duress, 122 silent hold-up, 124/125 duress at an access point."""
    described = {code: classify(cid(code)).description for code in (120, 121, 122, 123, 124, 125)}
    assert described == {120: "panic / duress", 121: "duress", 122: "silent hold-up", 123: "panic / duress",
                         124: "duress", 125: "duress"}  # fmt: skip
    assert classify(SiaEvent("HA", 1, 0)).description == "silent hold-up"


def test_images_sent_from_the_intercom_are_service_i_but_a_life_safety_alarm_keeps_its_service() -> None:
    sent = classify(cid(130), device="intercom")
    assert (sent.service_type, sent.description) == (S.OUTDOOR_CAMERA, "camera images sent from the intercom")
    assert classify(cid(120), device="intercom").service_type == S.EMERGENCY  # a panic from it is C
    assert classify(cid(110), device="intercom").service_type == S.FIRE


def test_unknown_codes_still_reach_an_operator() -> None:
    result = classify(cid(999))
    assert result.kind == SignalKind.ALARM
    assert "unclassified" in result.description


# Issue 21: the Contact ID table checked code by code against SIA DC-05 (Appendix C) and the services
# A–I of shared/domain.md §1. Each row is one correction.
@pytest.mark.parametrize(
    ("code", "kind", "service"),
    [
        (150, SignalKind.ALARM, S.EQUIPMENT),  # 24-hour non-burglary (generic): not the gas company
        (157, SignalKind.ALARM, S.EQUIPMENT),  # low bottled gas level: a tank, not a leak
        (102, SignalKind.ALARM, S.LIFE_WATCH),  # fail to report in: the person did not check in
        (141, SignalKind.ALARM, S.EQUIPMENT),  # polling loop open
        (142, SignalKind.ALARM, S.EQUIPMENT),  # polling loop short
        (143, SignalKind.ALARM, S.EQUIPMENT),  # expansion module failure
        (147, SignalKind.ALARM, S.EQUIPMENT),  # sensor supervision failure
        (374, SignalKind.ALARM, S.BURGLARY),  # exit error alarm (zone): CP-01 sends it as an alarm
        (642, SignalKind.ALARM, S.LIFE_WATCH),  # latch-key supervision
        (406, SignalKind.NOTE, S.BURGLARY),  # cancel: a report about the alarm, not a disarm
        (459, SignalKind.NOTE, S.BURGLARY),  # recent close
        (457, SignalKind.NOTE, S.BURGLARY),  # exit error (user)
        (575, SignalKind.NOTE, S.BURGLARY),  # swinger bypass
        (452, SignalKind.INFO, None),  # late to open/close: was an "unclassified" equipment alarm
        (456, SignalKind.INFO, None),  # partial arm
        (458, SignalKind.INFO, None),  # user on premises
        (461, SignalKind.INFO, None),  # wrong code entry
        (421, SignalKind.INFO, None),  # access denied
        (521, SignalKind.INFO, None),  # bell 1 disable
        (611, SignalKind.TEST, None),  # point tested OK
        (627, SignalKind.INFO, None),  # program mode entry
    ],
)  # fmt: skip
def test_dc05_corrections(code: int, kind: SignalKind, service: ServiceType | None) -> None:
    result = classify(cid(code))
    assert (result.kind, result.service_type) == (kind, service)
    assert "unclassified" not in result.description


def test_only_gas_and_carbon_monoxide_call_the_gas_company() -> None:
    gas = {code for code in range(100, 700) if classify(cid(code)).service_type is S.GAS}
    assert gas == {151, 162}


@pytest.mark.parametrize(
    ("event", "kind", "service", "note"),
    [
        (cid(406), SignalKind.NOTE, S.BURGLARY, PanelNote.CANCELLED),
        (cid(406, Qualifier.RESTORE), SignalKind.NOTE, S.BURGLARY, PanelNote.CANCELLED),
        (SiaEvent("OC", 3, 1), SignalKind.NOTE, S.BURGLARY, PanelNote.CANCELLED),
        (SiaEvent("BC", 3, 1), SignalKind.NOTE, S.BURGLARY, PanelNote.CANCELLED),
        (SiaEvent("FC", 3, 1), SignalKind.NOTE, S.FIRE, PanelNote.CANCELLED),
        (SiaEvent("AB", 3, 1), SignalKind.NOTE, S.BURGLARY, PanelNote.ABORTED),
        (cid(459), SignalKind.NOTE, S.BURGLARY, PanelNote.RECENT_CLOSING),
        (SiaEvent("CR", 2, 1), SignalKind.NOTE, S.BURGLARY, PanelNote.RECENT_CLOSING),
        (cid(374), SignalKind.ALARM, S.BURGLARY, PanelNote.EXIT_ERROR),
        (cid(457), SignalKind.NOTE, S.BURGLARY, PanelNote.EXIT_ERROR),
        (SiaEvent("EA", 1, 1), SignalKind.ALARM, S.BURGLARY, PanelNote.EXIT_ERROR),
        (SiaEvent("EE", 2, 1), SignalKind.NOTE, S.BURGLARY, PanelNote.EXIT_ERROR),
        (cid(139), SignalKind.ALARM, S.BURGLARY, PanelNote.CONFIRMED),
        (SiaEvent("BV", 0, 1), SignalKind.ALARM, S.BURGLARY, PanelNote.CONFIRMED),
        (SiaEvent("BM", 4, 1), SignalKind.ALARM, S.BURGLARY, PanelNote.CONFIRMED),
        (SiaEvent("FM", 4, 1), SignalKind.ALARM, S.FIRE, PanelNote.CONFIRMED),
        (SiaEvent("BG", 4, 1), SignalKind.ALARM, S.BURGLARY, PanelNote.UNVERIFIED),
        (SiaEvent("FG", 4, 1), SignalKind.ALARM, S.FIRE, PanelNote.UNVERIFIED),
        (cid(575), SignalKind.NOTE, S.BURGLARY, PanelNote.SWINGER_SHUTDOWN),
        (cid(693), SignalKind.ALARM, S.BURGLARY, PanelNote.UNVERIFIED),  # cross-zone first trip
        (cid(694), SignalKind.INFO, None, None),  # cross-zone timeout
        (cid(377), SignalKind.ALARM, S.EQUIPMENT, None),  # swinger trouble
        (cid(378), SignalKind.ALARM, S.EQUIPMENT, None),  # cross-zone trouble: one detector only
        (SiaEvent("BD", 4, 1), SignalKind.ALARM, S.EQUIPMENT, None),  # swinger trouble
    ],
    ids=str,
)
def test_panel_reports_about_an_alarm(event: object, kind: SignalKind, service: ServiceType,
                                      note: PanelNote | None) -> None:  # fmt: skip
    result = classify(event)
    assert (result.kind, result.service_type, result.note) == (kind, service, note)
    fmt, code = (
        ("contact_id", f"{event.code:03d}") if isinstance(event, ContactIdEvent) else ("sia", event.code)
    )
    assert note_for(fmt, code) == note  # what the inbox reads back from the stored signal


@pytest.mark.parametrize("code", ["BH", "FH", "GH", "MH", "PH", "HH", "KH", "QH", "UH"])
def test_sia_alarm_restores_are_restores(code: str) -> None:
    # DC-03 "…H" alarm restores (e.g. BH "burglary alarm restore") were unclassified equipment alarms.
    assert classify(SiaEvent(code, 1, 0)).kind == SignalKind.RESTORE


def test_a_sia_personal_emergency_is_medical() -> None:
    assert classify(SiaEvent("QA", 1, 0)).service_type == S.MEDICAL
