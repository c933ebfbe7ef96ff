"""For each service A–I and each call outcome: the steps asked of the operator and the agencies told."""

from __future__ import annotations

import datetime as dt

import pytest

from control_center.alarms.action_plans import (
    PANEL_NOTES,
    Agency,
    Outcome,
    ResponseType,
    Situation,
    Step,
    after_call,
    after_check,
    on_receipt,
)
from control_center.signals.classification import PanelNote
from control_center.signals.service_types import ServiceType

S, A, Oc, St = ServiceType, Agency, Outcome, Step
NORMAL = Situation()
NIGHT = [St.PERIMETER_CHECK, St.BOOK_VISIT]


@pytest.mark.parametrize(
    ("service", "steps"),
    [
        (S.BURGLARY, [St.DISPATCH, St.CALL_PREMISES]),
        (S.FIRE, [St.DISPATCH, St.CALL_PREMISES]),
        (S.EMERGENCY, [St.DISPATCH, St.CALL_PREMISES]),
        (S.MEDICAL, [St.DISPATCH, St.CALL_PREMISES]),
        (S.GAS, [St.DISPATCH, St.CALL_PREMISES]),
        (S.LINE_CUT, [St.DISPATCH, St.CALL_PREMISES]),
        (S.LIFE_WATCH, [St.DISPATCH, St.CALL_PREMISES]),
        (S.OUTDOOR_CAMERA, [St.ATTACH_IMAGES, St.VOICE_ANNOUNCEMENT, St.CALL_PREMISES]),
        (S.EQUIPMENT, [St.CALL_CONTACTS]),
    ],
)
def test_on_receipt(service: ServiceType, steps: list[Step]) -> None:
    actions = on_receipt(service, NORMAL)
    assert (list(actions.steps), actions.agencies) == (steps, ())


@pytest.mark.parametrize(
    ("service", "outcome", "steps", "agencies", "may_close"),
    [
        (S.BURGLARY, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.BURGLARY, Oc.CONFIRMED, [], [A.POLICE], False),
        (S.BURGLARY, Oc.NO_ANSWER, [St.CALL_SECOND_NUMBER, St.RESPONDER_CHECK], [], False),
        (S.BURGLARY, Oc.WRONG_CODE, [St.CALL_SECOND_NUMBER, St.RESPONDER_CHECK], [], False),
        (S.FIRE, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.FIRE, Oc.CONFIRMED, [], [A.FIRE_DEPT], False),
        (S.FIRE, Oc.NO_ANSWER, [St.RESPONDER_CHECK], [], False),
        (S.FIRE, Oc.WRONG_CODE, [St.RESPONDER_CHECK], [], False),
        (S.EMERGENCY, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.EMERGENCY, Oc.CONFIRMED, [], [A.POLICE], False),
        (S.EMERGENCY, Oc.NO_ANSWER, [St.RESPONDER_CHECK], [], False),
        (S.EMERGENCY, Oc.WRONG_CODE, [St.RESPONDER_CHECK], [], False),
        (S.MEDICAL, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.MEDICAL, Oc.CONFIRMED, [], [A.AMBULANCE, A.DOCTOR], False),
        (S.MEDICAL, Oc.NO_ANSWER, [St.RESPONDER_CHECK], [], False),
        (S.MEDICAL, Oc.WRONG_CODE, [St.RESPONDER_CHECK], [], False),
        (S.GAS, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.GAS, Oc.CONFIRMED, [], [A.GAS_COMPANY], False),
        (S.GAS, Oc.NO_ANSWER, [St.RESPONDER_CHECK, St.ASSIST_GAS_CREW], [A.GAS_COMPANY], False),
        (S.GAS, Oc.WRONG_CODE, [St.RESPONDER_CHECK, St.ASSIST_GAS_CREW], [A.GAS_COMPANY], False),
        (S.LINE_CUT, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.LINE_CUT, Oc.CONFIRMED, [], [A.POLICE], False),
        (S.LINE_CUT, Oc.NO_ANSWER, [St.RESPONDER_CHECK], [], False),
        (S.LINE_CUT, Oc.WRONG_CODE, [St.RESPONDER_CHECK], [], False),
        (S.LIFE_WATCH, Oc.FALSE_ALARM, [St.RECALL_RESPONDER], [], True),
        (S.LIFE_WATCH, Oc.CONFIRMED, [], [A.AMBULANCE, A.DOCTOR], False),
        (S.LIFE_WATCH, Oc.NO_ANSWER, [St.RESPONDER_CHECK], [], False),
        (S.LIFE_WATCH, Oc.WRONG_CODE, [St.RESPONDER_CHECK], [], False),
        (S.OUTDOOR_CAMERA, Oc.FALSE_ALARM, [], [], True),
        (S.OUTDOOR_CAMERA, Oc.CONFIRMED, [], [A.POLICE], False),
        (S.OUTDOOR_CAMERA, Oc.NO_ANSWER, [St.RESPONDER_CHECK], [], False),
        (S.OUTDOOR_CAMERA, Oc.WRONG_CODE, [St.RESPONDER_CHECK], [], False),
        (S.EQUIPMENT, Oc.FALSE_ALARM, [], [], True),
        (S.EQUIPMENT, Oc.CONFIRMED, [], [], False),
        (S.EQUIPMENT, Oc.NO_ANSWER, [], [], False),
        (S.EQUIPMENT, Oc.WRONG_CODE, [], [], False),
    ],
    ids=str,
)
def test_after_the_call(service, outcome, steps, agencies, may_close) -> None:
    actions = after_call(service, outcome, NORMAL)
    assert (list(actions.steps), list(actions.agencies), actions.may_close) == (steps, agencies, may_close)


@pytest.mark.parametrize(
    ("service", "agencies"),
    [(S.BURGLARY, [A.POLICE]), (S.FIRE, [A.FIRE_DEPT]), (S.MEDICAL, [A.AMBULANCE, A.DOCTOR]),
     (S.LIFE_WATCH, [A.AMBULANCE, A.DOCTOR]), (S.GAS, [A.FIRE_DEPT, A.POLICE]), (S.EQUIPMENT, [])],
)  # fmt: skip
def test_after_the_responders_check(service: ServiceType, agencies: list[Agency]) -> None:
    assert list(after_check(service, True, NORMAL).agencies) == agencies
    assert after_check(service, False, NORMAL).may_close


def test_no_doctor_registered_means_only_the_ambulance() -> None:
    assert list(after_call(S.MEDICAL, Oc.CONFIRMED, Situation(has_doctor=False)).agencies) == [A.AMBULANCE]


@pytest.mark.parametrize(
    ("response_type", "steps"),
    [
        (ResponseType.NOTIFY, [St.CALL_CONTACTS]),
        (ResponseType.RESPOND_NOTIFY, [St.DISPATCH, St.RESPONDER_CHECK, St.CALL_CONTACTS]),
        (ResponseType.RESPOND_FIRST_AID, [St.DISPATCH, St.RESPONDER_CHECK, St.FIRST_AID, St.CALL_CONTACTS]),
    ],
)
def test_equipment_follows_the_devices_response_type(response_type: ResponseType, steps: list[Step]) -> None:
    assert list(on_receipt(S.EQUIPMENT, Situation(response_type=response_type)).steps) == steps


@pytest.mark.parametrize(
    ("jst_hour", "steps"),
    [(23, NIGHT), (3, NIGHT), (7, NIGHT), (8, [St.CALL_CONTACTS]), (21, [St.CALL_CONTACTS])],
)
def test_low_urgency_at_night_gets_a_perimeter_check_and_no_call(jst_hour: int, steps: list[Step]) -> None:
    at = dt.datetime(2026, 11, 22, jst_hour, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert list(on_receipt(S.EQUIPMENT, Situation(low_urgency=True, received_at=at)).steps) == steps


def test_a_dead_phone_line_means_the_authorities_at_once() -> None:
    actions = on_receipt(S.FIRE, Situation(line_out_of_order=True))
    assert (list(actions.steps), list(actions.agencies)) == ([St.DISPATCH], [A.FIRE_DEPT])


def test_a_clearly_illegal_act_on_camera_means_police_at_once_and_dispatch() -> None:
    actions = on_receipt(S.OUTDOOR_CAMERA, Situation(illegal_act=True))
    assert list(actions.agencies) == [A.POLICE]
    assert St.DISPATCH in actions.steps and St.VOICE_ANNOUNCEMENT in actions.steps


def test_duress_and_hold_up_mean_police_and_a_responder_and_never_a_call_to_the_premises() -> None:
    actions = on_receipt(S.EMERGENCY, Situation(silent=True))
    assert (list(actions.steps), list(actions.agencies)) == ([St.DISPATCH], [A.POLICE])
    assert St.CALL_PREMISES in on_receipt(S.EMERGENCY, Situation()).steps  # a plain panic is phoned


def test_images_sent_from_the_intercom_mean_talking_to_the_resident_there_not_an_announcement() -> None:
    """Seed 002 I.: images arrive on a detection or from the intercom (セコムホン); the premises is reached
    by phone or intercom (④), the announcement is by risk (③), dispatch as the situation needs (②)."""
    actions = on_receipt(S.OUTDOOR_CAMERA, Situation(intercom=True))
    assert list(actions.steps) == [St.ATTACH_IMAGES, St.TALK_ON_INTERCOM, St.CALL_PREMISES]
    assert list(actions.agencies) == []
    sensed = on_receipt(S.OUTDOOR_CAMERA, Situation())
    assert list(sensed.steps) == [St.ATTACH_IMAGES, St.VOICE_ANNOUNCEMENT, St.CALL_PREMISES]


@pytest.mark.parametrize(
    ("note", "steps"),
    [
        (PanelNote.CANCELLED, ()),  # CP-01 cancel: shown, the plan's phone check stays as it is
        (PanelNote.ABORTED, ()),
        (PanelNote.RECENT_CLOSING, (Step.CALL_PREMISES,)),  # likely a user error: the call tells
        (PanelNote.EXIT_ERROR, (Step.CALL_PREMISES,)),
        (PanelNote.CONFIRMED, ()),  # TS 50131-9 sequential confirmation: marked, the plan runs
        (PanelNote.UNVERIFIED, ()),
        (PanelNote.SWINGER_SHUTDOWN, ()),
    ],
    ids=str,
)
def test_what_a_panel_report_adds_to_the_plan(note: PanelNote, steps: tuple[Step, ...]) -> None:
    rule = PANEL_NOTES[note]
    assert rule.steps == steps and rule.flag


def test_every_panel_report_has_a_rule() -> None:
    assert set(PANEL_NOTES) == set(PanelNote)
