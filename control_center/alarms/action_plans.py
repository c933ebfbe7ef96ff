"""What the center does for each service, as the contract gives it (shared/domain.md §1). Pure tables.

On receipt: dispatch a responder and/or phone the premises, or, when the premises' phone line is
known to be out of order, notify the authorities at once. After the call: the outcome decides the
agencies notified and the steps left. Equipment (G) follows the device's response type; low-urgency
signals at night get a perimeter check and a booked visit instead of a call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from control_center.core.i18n import N_
from control_center.core.timezones import TOKYO
from control_center.signals.classification import PanelNote
from control_center.signals.service_types import ServiceType

S = ServiceType


class Outcome(StrEnum):
    FALSE_ALARM = "false_alarm"  # a verified resident calls it off
    CONFIRMED = "confirmed"  # the premises confirms the incident
    NO_ANSWER = "no_answer"  # nobody answered
    WRONG_CODE = "wrong_code"  # someone answered but was not verified: cannot call it off


class Agency(StrEnum):
    POLICE = "police"
    FIRE_DEPT = "fire_dept"
    AMBULANCE = "ambulance"  # the fire department's ambulance
    GAS_COMPANY = "gas_company"  # its emergency crew
    DOCTOR = "doctor"  # the subscriber's registered doctor, if any


class Step(StrEnum):
    DISPATCH = "dispatch"
    CALL_PREMISES = "call_premises"
    CALL_CONTACTS = "call_contacts"  # the emergency contacts in their order
    CALL_SECOND_NUMBER = "call_second_number"  # enhanced verification before police (burglary)
    RESPONDER_CHECK = "responder_check"  # on site; authorities if needed
    ASSIST_GAS_CREW = "assist_gas_crew"
    FIRST_AID = "first_aid"  # stop damage spreading; parts used are billed
    PERIMETER_CHECK = "perimeter_check"  # low urgency at night: outside only
    BOOK_VISIT = "book_visit"  # at the subscriber's convenience
    ATTACH_IMAGES = "attach_images"
    TALK_ON_INTERCOM = "talk_on_intercom"  # service I sent from the intercom: talk to the resident on it
    VOICE_ANNOUNCEMENT = "voice_announcement"
    RECALL_RESPONDER = "recall_responder"


class ResponseType(StrEnum):
    """An equipment device's agreed response (service G)."""

    NOTIFY = "notify"
    RESPOND_NOTIFY = "respond_notify"
    RESPOND_FIRST_AID = "respond_first_aid"


WORDS = (
    N_("false_alarm"),
    N_("confirmed"),
    N_("no_answer"),
    N_("wrong_code"),
    N_("police"),
    N_("fire_dept"),
    N_("ambulance"),
    N_("gas_company"),
    N_("doctor"),
    N_("dispatch"),
    N_("call_premises"),
    N_("call_contacts"),
    N_("call_second_number"),
    N_("responder_check"),
    N_("assist_gas_crew"),
    N_("first_aid"),
    N_("perimeter_check"),
    N_("book_visit"),
    N_("attach_images"),
    N_("talk_on_intercom"),
    N_("voice_announcement"),
    N_("recall_responder"),
)


@dataclass(frozen=True, slots=True)
class Plan:
    dispatch: bool
    call_premises: bool
    on_confirmed: tuple[Agency, ...]  # notified when the premises confirms
    on_no_answer: tuple[Agency, ...] = ()  # notified at once when nobody answers
    no_answer_steps: tuple[Step, ...] = (Step.RESPONDER_CHECK,)
    after_check: tuple[Agency, ...] = ()  # notified once the responder has checked (if needed)


POLICE, FIRE_DEPT, AMBULANCE_AND_DOCTOR = (
    (Agency.POLICE,),
    (Agency.FIRE_DEPT,),
    (Agency.AMBULANCE, Agency.DOCTOR),
)
PLANS: dict[ServiceType, Plan] = {
    # Confirmed → police; no answer → a second number first (enhanced verification), the responder checks.
    S.BURGLARY: Plan(True, True, POLICE, no_answer_steps=(Step.CALL_SECOND_NUMBER, Step.RESPONDER_CHECK),
                     after_check=POLICE),
    # Fire: no 119 on the signal alone. Contract (seeds/002, Ｂ．火災監視): 「緊急対処員をご利用先に
    # 急行させるとともに、ご利用先の指定された電話に速やかに電話します。① 電話の結果、火災発生と
    # 判断したときは、直ちに消防へ通報します。② 電話連絡がつかないときは、緊急対処員がご利用先で
    # 異常の有無を確認し、必要に応じて消防へ通報します。」 (domain.md, service B): 119 once confirmed,
    # or after the responder's check.
    S.FIRE: Plan(True, True, FIRE_DEPT, after_check=FIRE_DEPT),
    S.EMERGENCY: Plan(True, True, POLICE, after_check=POLICE),
    # Medical and life watch: the ambulance and the registered doctor, after the check when nobody answers.
    S.MEDICAL: Plan(True, True, AMBULANCE_AND_DOCTOR, after_check=AMBULANCE_AND_DOCTOR),
    # Gas with no answer: the gas company at once, the responder assists its crew.
    S.GAS: Plan(True, True, (Agency.GAS_COMPANY,), on_no_answer=(Agency.GAS_COMPANY,),
                no_answer_steps=(Step.RESPONDER_CHECK, Step.ASSIST_GAS_CREW), after_check=FIRE_DEPT + POLICE),
    S.LINE_CUT: Plan(True, True, POLICE, after_check=POLICE),
    S.LIFE_WATCH: Plan(True, True, AMBULANCE_AND_DOCTOR, after_check=AMBULANCE_AND_DOCTOR),
    # Camera: dispatch as the situation needs (at once on a clearly illegal act, see on_receipt).
    S.OUTDOOR_CAMERA: Plan(False, True, POLICE, after_check=POLICE),
}  # fmt: skip

EQUIPMENT: dict[ResponseType, tuple[Step, ...]] = {
    ResponseType.NOTIFY: (Step.CALL_CONTACTS,),
    ResponseType.RESPOND_NOTIFY: (Step.DISPATCH, Step.RESPONDER_CHECK, Step.CALL_CONTACTS),
    ResponseType.RESPOND_FIRST_AID: (Step.DISPATCH, Step.RESPONDER_CHECK, Step.FIRST_AID, Step.CALL_CONTACTS),
}

# The checklist: an incident is not closed while one of these is open (web: the resolve refused).
# Every agency to notify is mandatory; of the steps, the call to the premises (its outcome recorded).
MANDATORY_STEPS = frozenset({Step.CALL_PREMISES})
# Stable task kinds for the API (GET /api/incidents/{id}, "tasks").
AGENCY_KINDS = {
    Agency.POLICE: "notify_police",
    Agency.FIRE_DEPT: "notify_fire",
    Agency.AMBULANCE: "notify_ambulance",
    Agency.GAS_COMPANY: "notify_gas",
    Agency.DOCTOR: "notify_doctor",
}


def task_kind(step: str | None, agency: str | None) -> str:
    return AGENCY_KINDS[Agency(agency)] if agency else str(step)


def is_mandatory(step: str | None, agency: str | None) -> bool:
    return agency is not None or step in MANDATORY_STEPS


# Alarms handled silently (Contact ID 121, 122, 124, 125 and SIA HA, as signals/classification.py
# describes them): the premises is never phoned, not by the plan and not from the console.
SILENT = frozenset({N_("duress"), N_("silent hold-up")})
SILENT_FLAG = N_("duress / hold-up: silent handling, never call the premises")

NIGHT_START, NIGHT_END = dt.time(22, 0), dt.time(8, 0)


def is_night(at: dt.datetime) -> bool:
    """22:00–08:00 in Tokyo: low-urgency signals get no phone call at these hours."""
    local = at.astimezone(TOKYO).time()
    return local >= NIGHT_START or local < NIGHT_END


@dataclass(frozen=True, slots=True)
class Actions:
    steps: tuple[Step, ...]
    agencies: tuple[Agency, ...]  # to notify now
    may_close: bool = False


@dataclass(frozen=True, slots=True)
class Situation:
    """What the plan depends on beyond the service."""

    low_urgency: bool = False  # e.g. a sensor's battery
    received_at: dt.datetime | None = None
    line_out_of_order: bool = False  # the premises' phone line is known to be down
    response_type: ResponseType = ResponseType.NOTIFY  # service G
    illegal_act: bool = False  # service I: clearly illegal act in the images
    intercom: bool = False  # service I: the resident sent the images from the intercom (nothing sensed)
    silent: bool = False  # duress or hold-up: someone at the premises is being forced (SILENT)
    has_doctor: bool = True


def _agencies(agencies: tuple[Agency, ...], situation: Situation) -> tuple[Agency, ...]:
    return tuple(a for a in agencies if a is not Agency.DOCTOR or situation.has_doctor)


def on_receipt(service: ServiceType, situation: Situation) -> Actions:
    """What happens as soon as the incident is opened."""
    if service is S.EQUIPMENT:
        steps = EQUIPMENT[situation.response_type]
        if situation.low_urgency and situation.received_at and is_night(situation.received_at):
            return Actions((Step.PERIMETER_CHECK, Step.BOOK_VISIT), ())
        return Actions(steps, ())
    if situation.silent:
        # Duress and hold-up: a call to the premises would tell the one forcing the resident that the
        # alarm went through. Police at once, a responder sent to meet them, nobody phones the premises.
        return Actions((Step.DISPATCH,), (Agency.POLICE,))
    plan = PLANS[service]
    steps: list[Step] = []
    agencies: tuple[Agency, ...] = ()
    if service is S.OUTDOOR_CAMERA:
        # Seed 002 I.: images come on a detection or from the intercom (セコムホン); the announcement is
        # by risk (③), the premises is reached by phone or intercom (④), dispatch as the situation
        # needs (②). From the intercom the resident is at it: talk there first, no announcement.
        first_contact = Step.TALK_ON_INTERCOM if situation.intercom else Step.VOICE_ANNOUNCEMENT
        steps += [Step.ATTACH_IMAGES, first_contact]
        if situation.illegal_act:
            agencies = (Agency.POLICE,)  # a clearly illegal act in the images: police at once
            steps.append(Step.DISPATCH)
    if plan.dispatch:
        steps.append(Step.DISPATCH)
    if situation.line_out_of_order:
        # Nobody can be phoned: the authorities are told right after receipt.
        agencies = tuple(dict.fromkeys(agencies + _agencies(plan.on_confirmed, situation)))
    elif plan.call_premises:
        steps.append(Step.CALL_PREMISES)
    return Actions(tuple(dict.fromkeys(steps)), agencies)


def after_call(service: ServiceType, outcome: Outcome, situation: Situation) -> Actions:
    """What the outcome of the call to the premises asks for next."""
    if service is S.EQUIPMENT:
        return Actions((), (), may_close=outcome is Outcome.FALSE_ALARM)
    plan = PLANS[service]
    if outcome is Outcome.FALSE_ALARM:
        return Actions((Step.RECALL_RESPONDER,) if plan.dispatch else (), (), may_close=True)
    if outcome is Outcome.CONFIRMED:
        return Actions((), _agencies(plan.on_confirmed, situation))
    # No answer, or an answer that could not be verified: it cannot be called off.
    return Actions(plan.no_answer_steps, _agencies(plan.on_no_answer, situation))


def after_check(service: ServiceType, needed: bool, situation: Situation) -> Actions:
    """After the responder's check on site: the authorities when the responder finds them needed."""
    if service is S.EQUIPMENT or not needed:
        return Actions((), (), may_close=True)
    return Actions((), _agencies(PLANS[service].after_check, situation))


# Outdoor camera: the pre-set announcement played at the premises, chosen by the operator's risk level.
VOICE_ANNOUNCEMENTS: dict[int, str] = {
    1: N_("This property is monitored by a security company. You are being recorded."),
    2: N_("Warning: entry to this property is prohibited. Leave now."),
    3: N_("Warning: the police have been called. Leave immediately."),
}


@dataclass(frozen=True, slots=True)
class NoteRule:
    """What a panel's report about an alarm (signals/classification.py, ``PanelNote``) changes."""

    flag: str  # shown to the operator as the incident's "Attention"
    steps: tuple[Step, ...] = ()  # added to the plan when not already open


# ANSI/SIA CP-01 (false-alarm reduction) and CLC/TS 50131-9 (alarm verification), applied at the center:
# - A cancel (CP-01: a user disarmed after the alarm was transmitted; Contact ID 406, SIA OC/BC/FC) or
#   an abort (SIA AB; TS 50131-9 lets a system notify "abort" to say an authorised user asks for the
#   alarm notified before to be cancelled) is shown to the operator and never closes the alarm: only a
#   resident verified on the phone calls it off (shared/domain.md §2), so the phone check still runs.
# - Recent closing (an alarm soon after arming; 459 / CR) and exit error (374, 457 / EA, EE) point to a
#   user's mistake, which only the call can tell from an intruder: the premises is phoned.
# - Sequential confirmation (CLC/TS 50131-9: a second, independent detector; 139 / BV, BM, FM) marks
#   the alarm confirmed; an unverified alarm (one detector of a cross-zone group; BG, FG) is still an
#   alarm (TS 50131-9: the "unverified alarm" is the intruder alarm) and is marked as such.
# - Swinger shutdown (CP-01: a zone that tripped too often in one armed period is bypassed; 575) tells
#   the operator that zone reports no more until the next arming.
PANEL_NOTES: dict[PanelNote, NoteRule] = {
    PanelNote.CANCELLED: NoteRule(N_("cancelled by the user at the panel: verify by phone")),
    PanelNote.ABORTED: NoteRule(N_("cancelled by the user at the panel: verify by phone")),
    PanelNote.RECENT_CLOSING: NoteRule(
        N_("recent closing: likely a user error, verify by phone"), (Step.CALL_PREMISES,)
    ),
    PanelNote.EXIT_ERROR: NoteRule(
        N_("exit error: likely a user error, verify by phone"), (Step.CALL_PREMISES,)
    ),
    PanelNote.CONFIRMED: NoteRule(N_("confirmed by a second detector")),
    PanelNote.UNVERIFIED: NoteRule(N_("unverified: one detector only")),
    PanelNote.SWINGER_SHUTDOWN: NoteRule(N_("zone shut down after repeated trips (swinger)")),
}
