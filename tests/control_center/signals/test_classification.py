from __future__ import annotations

import pytest

from control_center.signals.classification import SignalKind, classify
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


def test_unknown_codes_still_reach_an_operator() -> None:
    result = classify(cid(999))
    assert result.kind == SignalKind.ALARM
    assert "unclassified" in result.description
