"""The alarm level on the TMA AVS-01 scale (0–4) with the reasons that set it. Pure: facts in, level out.

AVS-01 levels: 0 no call for service (cancelled or cleared); 1 an alarm with little or no additional
information; 2 confirmed or highly probable human presence; 3 confirmed threat to property;
4 confirmed threat to life. Every incident starts at 1 and moves as information arrives. The standard's
scoring appendix is not public, so the rules are this module's table and functions, each documented
(docs/architecture.md, "Where each rule lives"), and `tests/control_center/alarms/test_alarm_level.py`
holds one row per rule.

The rules, in the order they are applied:

1. **Signals.** Any alarm → 1. Sequential confirmation (CLC/TS 50131-9, BS 8243): two *different*
   intrusion detectors (burglary zones; tamper, troubles and the same zone again never count) within the
   confirmation window (30–60 min, a setting, default 30) → 2. **Entry route**: an entry/exit zone
   (Contact ID 134, or a zone configured as one) and the zones first tripped within the entry delay after
   it (CP-01: entry + abort ≤ 60 s) are the resident's way in to the keypad: two detectors of that route
   are not confirmation by themselves; a detector off the route within the window is. The panel's own
   confirmation (Contact ID 139, SIA BV/BM) → 2. Tamper → 1 with its reason (a knock or a fault as often
   as an attack; BS 8243 confirms with detectors, not tampers). Panic (C) → 2: someone pressed it, intent
   unknown. Duress and hold-up (Contact ID 121, 122, 124, 125, 129; SIA HA, HV) → 4. Fire in two
   different zones within the window, or the panel's fire verification (SIA FM) → 4: a confirmed fire in a
   home is a threat to life (residents may be asleep, the plan calls 119 at once), not only to property.
2. **A cancel or abort from the panel** (Contact ID 406, SIA OC/BC/AB; ANSI/SIA CP-01) is a user's code
   entered at the keypad, what ECV (CS-V-01) accepts as calling off: with only one detector → 0; with a
   confirmed sequence → 1 (the presence is probably the user's, but nobody has said so yet); never lower
   than 1 for fire (SIA FC: CP-01 has no abort for fire, a silenced fire is not a cleared one); never
   lowers a threat to life (a duress code is made to look like a disarm). An alarm received after the
   cancel is judged afresh (the cancel no longer applies).
3. **Verification.** A resident who gave the house code (or the registered answers) → at most 1 for what
   the signals said (the presence is explained); a person who answered but did not know it (no match,
   "wrong code") → at least 2. The call's outcome: false alarm (a verified resident called it off) → 0;
   confirmed → 3 for burglary, line cut and camera (property), 4 for fire, emergency, medical, gas and life
   watch (life); equipment stays 1. No answer changes nothing (most verification calls go unanswered).
   Contacts reached or not are shown as reasons only: what they say is recorded as the outcome.
4. **The responder's check** (applied after the camera, rule 5, so that it sees what the camera
   confirmed): "authorities needed" → 3 (property) or 4 (life) by the service as above, equipment 3, the
   agencies the responder asks for each a reason (``responder_request``, 消防 / 警察 …): at a level the
   evidence had already reached, the request still becomes the deciding reason, since it is what now
   sends the authorities, not the earlier call. "All clear" → 0 only when nothing confirmed the incident
   (and not at all if an alarm arrived after the check). **A conflict**: the responder found nothing but
   the incident was confirmed (the call's outcome "confirmed", duress or hold-up, a fire in two zones or
   SIA FM, an intruder or a threat seen on the camera): the level stays where the confirmation put it,
   and ``all_clear_conflict`` decides ("verify before standing down"). A look around does not undo what
   the premises said on the phone or a duress code: a person may be hiding or forced, a fire out of
   sight; a person settles it (a verified resident calling it off, or the operator with a reason, rule 7).
   **Fire**: an open fire incident is never 0 unless a verified resident called it off (rule 3): a cancel
   keeps it at 1 (rule 2), and so does an all clear (``fire_all_clear``: a responder outside a locked
   home, or inside without opening every room, does not clear a fire, and whether to call 119 stays the
   operator's decision, who may still set 0 with a reason).
5. **Camera assessment** (service I): an intruder seen (an illegal act) → 3; a person threatened → 4.
6. **History**: the premises' false alarms in the last 12 months are shown as a reason that lowers
   confidence, never the level: the level states this alarm's evidence, and a burglar does not care how
   often the cat set the alarm off before (so never below 1 for a real alarm).
7. **The operator** may raise or lower it with a reason; that level holds until a newer fact computes a
   higher one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from control_center.core.i18n import N_


class Level(IntEnum):
    NO_CALL = 0
    LIMITED = 1
    PRESENCE = 2
    PROPERTY = 3
    LIFE = 4


@dataclass(frozen=True)
class Rules:
    """The settings of the rules (CLC/TS 50131-9 / BS 8243 confirmation time 30–60 min; CP-01 entry +
    abort ≤ 60 s; the false-alarm history's look-back)."""

    confirmation_window: dt.timedelta = dt.timedelta(minutes=30)
    entry_delay: dt.timedelta = dt.timedelta(seconds=60)
    history: dt.timedelta = dt.timedelta(days=365)

    def __post_init__(self) -> None:
        minutes = self.confirmation_window.total_seconds() / 60
        if not 30 <= minutes <= 60:
            raise ValueError("the confirmation window is 30 to 60 minutes (CLC/TS 50131-9, BS 8243)")


@dataclass(frozen=True, slots=True)
class Trigger:
    """One signal of the incident: ``format`` contact_id | sia | …, ``kind`` alarm | note."""

    at: dt.datetime
    zone: int
    format: str
    code: str
    kind: str
    service: str | None


@dataclass(frozen=True, slots=True)
class Override:
    level: int
    reason: str
    actor: str
    at: dt.datetime


@dataclass(frozen=True)
class Facts:
    service: str  # the incident's service letter A–I
    triggers: Sequence[Trigger] = ()
    entry_zones: frozenset[int] = frozenset()  # zones configured as entry/exit (besides Contact ID 134)
    verified: bool = False  # a resident passed the house-code check or the registered questions
    code_mismatches: int = 0  # house-code attempts that did not match
    outcome: str | None = None  # false_alarm | confirmed | no_answer | wrong_code
    outcome_at: dt.datetime | None = None
    contacts_reached: tuple[str, ...] = ()
    # An emergency contact gave the right house code on the SMS link: someone who knows the code, but off
    # site — neither a resident at the premises (``verified``) nor a stranger; and who answered there.
    verified_remote: bool = False
    link_answers: tuple[str, ...] = ()
    contacts_exhausted: bool = False
    responder_check: str | None = None  # authorities_needed | all_clear
    responder_check_at: dt.datetime | None = None
    responder_agencies: tuple[str, ...] = ()  # the authorities asked for: action_plans.Agency values
    camera_risk: int | None = None  # the announcement's risk level 1–3
    camera_intruder: bool = False
    camera_threat: bool = False  # a person threatened in the images
    camera_at: dt.datetime | None = None
    false_alarms_12m: int = 0
    activations_12m: int = 0
    override: Override | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    """One data point behind the level: a code (stable, for the API), its data and what it made the level."""

    code: str
    data: dict[str, Any] = field(default_factory=dict)
    level: int | None = None  # the level this reason set, if it set one

    def text(self, gettext: Callable[[str], str]) -> str:
        """In the reader's language; a stored reason this version no longer knows shows its code."""
        if self.code not in REASON_TEXT:
            return self.code
        try:
            return gettext(REASON_TEXT[self.code]) % words(self.data, gettext)
        except (KeyError, TypeError, ValueError):
            return f"{self.code} {self.data}"

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "data": self.data, "level": self.level}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Reason:
        return cls(str(value.get("code", "")), dict(value.get("data") or {}), value.get("level"))


@dataclass(frozen=True)
class Assessment:
    level: Level
    reasons: list[Reason]
    decisive: str  # the code of the reason that set the final level: it picks the sentence

    def sentence(self, gettext: Callable[[str], str], service: str | None = None) -> str:
        """The one plain sentence a police or fire call-taker can act on, with the number (AVS-01
        practice), in the words of the incident's service (``service``: its letter A–I)."""
        return sentence(self.level, self.decisive, gettext, service)


def words(data: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
    """The data points in the reader's words: an agency is stored as its code (``fire_dept``), a msgid of
    the catalogs (消防); without a translation (the API's English) it reads as words, never as a code."""
    translated = dict(data)
    for key in TRANSLATED_DATA & data.keys():
        if isinstance(value := data[key], str):
            said = gettext(value)
            translated[key] = said.replace("_", " ") if said == value else said
    return translated


def sentence(level: int, decisive: str, gettext: Callable[[str], str], service: str | None = None) -> str:
    what = gettext(sentence_msgid(level, decisive, service))
    return gettext(LEVEL_SENTENCE) % {"level": level, "what": what}


def sentence_msgid(level: int, decisive: str, service: str | None = None) -> str:
    """The msgid of the level's sentence (the part after "Alarm level N:"): the deciding reason's own
    sentence in the service's words, else the level's for that service. A fire is told to 119 (消防), a
    medical alarm to the ambulance (救急), a gas leak to the gas crew; police words only for the rest:
    a fire call-taker must never hear "no police response is needed" (outside tester, item 4)."""
    group = SERVICE_GROUP.get(service or "", POLICE)
    level = Level(level) if level in range(5) else Level.LIMITED
    if decisive in GROUP_SENTENCES.get(group, {}):
        return GROUP_SENTENCES[group][decisive]
    if decisive in SENTENCES and (group in POLICE_GROUPS or decisive not in POLICE_WORDED):
        return SENTENCES[decisive]
    return SENTENCES_BY_GROUP.get(group, SENTENCES_BY_LEVEL)[level]


# --- what the codes mean -----------------------------------------------------------------------------------

DURESS_CID = frozenset({"121", "122", "124", "125", "129"})  # SIA DC-05: duress, silent hold-up, verified
DURESS_SIA = frozenset({"HA", "HV"})
PANIC_CID = frozenset({"120", "123", "126", "127", "128"})
PANIC_SIA = frozenset({"PA"})
TAMPER_CID = frozenset({"137", "144", "145", "383"})
TAMPER_SIA = frozenset({"TA", "TT"})
ENTRY_CID = frozenset({"134"})  # DC-05 134 entry/exit
CONFIRMED_CID = frozenset({"139"})  # intrusion verifier (a second detector, by the panel)
CONFIRMED_SIA = frozenset({"BV", "BM"})
FIRE_CONFIRMED_SIA = frozenset({"FM"})
CANCEL_CID = frozenset({"406"})
CANCEL_SIA = frozenset({"OC", "BC", "AB"})
FIRE_CANCEL_SIA = frozenset({"FC"})
BURGLARY, FIRE = "A", "B"
LIFE_SERVICES = frozenset({"B", "C", "D", "E", "H"})  # fire, emergency, medical, gas, life watch
PROPERTY_SERVICES = frozenset({"A", "F", "I"})


def _is(trigger: Trigger, cid: frozenset[str], sia: frozenset[str]) -> bool:
    return trigger.code in (cid if trigger.format == "contact_id" else sia if trigger.format == "sia" else ())


def _is_cancel(t: Trigger) -> bool:
    return _is(t, CANCEL_CID, CANCEL_SIA | FIRE_CANCEL_SIA)


def _is_tamper(t: Trigger) -> bool:
    return _is(t, TAMPER_CID, TAMPER_SIA)


def _is_detector(t: Trigger) -> bool:
    """An intrusion detector's alarm: counts toward sequential confirmation."""
    return t.kind == "alarm" and t.service == BURGLARY and not _is_tamper(t) and not _is_cancel(t)


def _is_fire(t: Trigger) -> bool:
    return t.kind == "alarm" and t.service == FIRE and not _is_cancel(t)


def _is_entry(t: Trigger, entry_zones: frozenset[int]) -> bool:
    return _is_detector(t) and (_is(t, ENTRY_CID, frozenset()) or t.zone in entry_zones)


def _confirmed_pair(
    detectors: Sequence[Trigger], window: dt.timedelta, route: frozenset[int]
) -> tuple[Trigger, Trigger] | None:
    """Two different detectors within the window, not both on the entry route (first such pair)."""
    ordered = sorted(detectors, key=lambda t: t.at)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second.at - first.at > window:
                break
            if second.zone != first.zone and not (first.zone in route and second.zone in route):
                return first, second
    return None


def _entry_route(detectors: Sequence[Trigger], rules: Rules, entry_zones: frozenset[int]) -> frozenset[int]:
    """The entry/exit zones tripped and the zones first tripped within the entry delay after one."""
    entries = [t for t in detectors if _is_entry(t, entry_zones)]
    first_seen: dict[int, dt.datetime] = {}
    for t in sorted(detectors, key=lambda t: t.at):
        first_seen.setdefault(t.zone, t.at)
    route = {t.zone for t in entries}
    for zone, at in first_seen.items():
        if any(dt.timedelta(0) <= at - e.at <= rules.entry_delay for e in entries):
            route.add(zone)
    return frozenset(route)


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _zones(triggers: Iterable[Trigger]) -> str:
    return ", ".join(str(z) for z in sorted({t.zone for t in triggers}))


# --- the assessment ----------------------------------------------------------------------------------------


class _Scale:
    """The running level and the reasons, each reason noting the level it set."""

    def __init__(self) -> None:
        self.level = Level.LIMITED
        self.reasons: list[Reason] = []
        self.decisive = "alarm"

    def note(self, code: str, /, **data: Any) -> None:
        self.reasons.append(Reason(code, data))

    def set(self, level: Level, code: str, /, **data: Any) -> None:
        self.level = level
        self.decisive = code
        self.reasons.append(Reason(code, data, int(level)))

    def at_least(self, level: Level, code: str, /, **data: Any) -> None:
        if level > self.level:
            self.set(level, code, **data)
        else:
            self.note(code, **data)

    def at_least_deciding(self, level: Level, code: str, /, **data: Any) -> None:
        """Like ``at_least``, but at the same level this newer reason becomes the deciding one."""
        if level >= self.level:
            self.set(level, code, **data)
        else:
            self.note(code, **data)

    def at_most(self, level: Level, code: str, /, **data: Any) -> None:
        if level < self.level:
            self.set(level, code, **data)
        else:
            self.note(code, **data)


def assess(facts: Facts, rules: Rules = Rules()) -> Assessment:
    scale = _Scale()
    triggers = list(facts.triggers)
    alarms = [t for t in triggers if t.kind == "alarm" and not _is_cancel(t)]
    scale.set(Level.LIMITED, "alarm", service=facts.service, signals=len(alarms), zones=_zones(alarms))
    _signals(scale, facts, triggers, rules)
    _cancel(scale, facts, triggers)
    _verification(scale, facts)
    _on_site(scale, facts, triggers)
    _history(scale, facts)
    _operator(scale, facts, triggers)
    return Assessment(scale.level, scale.reasons, scale.decisive)


def _signals(scale: _Scale, facts: Facts, triggers: list[Trigger], rules: Rules) -> None:
    detectors = [t for t in triggers if _is_detector(t)]
    if tampers := [t for t in triggers if t.kind == "alarm" and _is_tamper(t)]:
        scale.note("tamper", zones=_zones(tampers))
    route = _entry_route(detectors, rules, facts.entry_zones)
    if pair := _confirmed_pair(detectors, rules.confirmation_window, route):
        first, second = pair
        scale.at_least(
            Level.PRESENCE,
            "sequence_confirmed",
            first=first.zone,
            second=second.zone,
            minutes=_minutes(second.at - first.at),
            window=_minutes(rules.confirmation_window),
        )
    elif len(route) > 1:
        scale.note(
            "entry_route",
            zones=", ".join(map(str, sorted(route))),
            seconds=int(rules.entry_delay.total_seconds()),
        )
    elif len({t.zone for t in detectors}) > 1:
        scale.note("detectors_apart", zones=_zones(detectors), window=_minutes(rules.confirmation_window))
    if any(_is(t, CONFIRMED_CID, CONFIRMED_SIA) for t in triggers):
        scale.at_least(Level.PRESENCE, "panel_confirmed")
    if panic := [t for t in triggers if t.kind == "alarm" and _is(t, PANIC_CID, PANIC_SIA)]:
        scale.at_least(Level.PRESENCE, "panic", zones=_zones(panic))
    fires = [t for t in triggers if _is_fire(t)]
    if fire_pair := _confirmed_pair(fires, rules.confirmation_window, frozenset()):
        scale.at_least(
            Level.LIFE,
            "fire_confirmed",
            first=fire_pair[0].zone,
            second=fire_pair[1].zone,
            minutes=_minutes(fire_pair[1].at - fire_pair[0].at),
        )
    elif any(_is(t, frozenset(), FIRE_CONFIRMED_SIA) for t in triggers):
        scale.at_least(Level.LIFE, "fire_confirmed_by_panel")
    if duress := [t for t in triggers if t.kind == "alarm" and _is(t, DURESS_CID, DURESS_SIA)]:
        scale.at_least(Level.LIFE, "duress", code=duress[0].code, zones=_zones(duress))


def _cancel(scale: _Scale, facts: Facts, triggers: list[Trigger]) -> None:
    cancels = [t for t in triggers if _is_cancel(t)]
    if not cancels:
        return
    last = max(t.at for t in cancels)
    code = max(cancels, key=lambda t: t.at).code
    if any(t.kind == "alarm" and not _is_cancel(t) and t.at > last for t in triggers):
        scale.note("alarm_after_cancel", code=code)
    elif scale.level >= Level.LIFE:
        scale.note("cancel_ignored_life", code=code)
    elif facts.service == FIRE or code in FIRE_CANCEL_SIA:
        scale.at_most(Level.LIMITED, "fire_cancel", code=code)
    elif scale.level >= Level.PRESENCE:
        scale.set(Level.LIMITED, "cancel_after_confirmation", code=code)
    else:
        scale.set(Level.NO_CALL, "cancelled", code=code)


def _verification(scale: _Scale, facts: Facts) -> None:
    if facts.verified:
        if scale.level == Level.PRESENCE:
            scale.set(Level.LIMITED, "resident_verified")
        else:
            scale.note("resident_verified")
    elif facts.code_mismatches or facts.outcome == "wrong_code":
        scale.at_least(Level.PRESENCE, "code_mismatch", attempts=facts.code_mismatches)
    if facts.verified_remote and not facts.verified:
        scale.note("contact_verified_by_link")
    for name in facts.contacts_reached:
        scale.note("contact_reached", name=name)
    for name in facts.link_answers:
        scale.note("link_answered", name=name)
    if facts.contacts_exhausted:
        scale.note("contacts_unanswered")
    if facts.outcome == "false_alarm":
        # Called off by a verified resident, or — verified only on the link — by the operator on the word of
        # an emergency contact off site: the call-taker hears which.
        by_link = facts.verified_remote and not facts.verified
        scale.set(Level.NO_CALL, "called_off_by_link" if by_link else "called_off")
    elif facts.outcome == "confirmed":
        # Only a person reached on the phone (or a verified resident) is "the resident confirmed it": the
        # operator's 異常確認 with no call made is the operator's judgement, and the agency is told so.
        by_phone = bool(facts.contacts_reached or facts.verified)
        code = "call_confirmed" if by_phone else "operator_confirmed"
        scale.at_least(_confirmed_level(facts.service), code, service=facts.service)
    elif facts.outcome == "no_answer":
        scale.note("no_answer")


def _confirmed_level(service: str) -> Level:
    if service in LIFE_SERVICES:
        return Level.LIFE
    if service in PROPERTY_SERVICES:
        return Level.PROPERTY
    return Level.LIMITED  # equipment: a confirmed trouble is no call for the police


def _later_alarm(triggers: list[Trigger], at: dt.datetime | None) -> bool:
    return at is not None and any(t.kind == "alarm" and not _is_cancel(t) and t.at > at for t in triggers)


# What an all clear cannot undo (rule 4): the premises, its panel or our operator confirmed the incident.
CONFIRMATIONS = frozenset(
    (
        "call_confirmed",
        "operator_confirmed",
        "duress",
        "fire_confirmed",
        "fire_confirmed_by_panel",
        "camera_intruder",
        "camera_threat",
    )
)


def _on_site(scale: _Scale, facts: Facts, triggers: list[Trigger]) -> None:
    if facts.camera_risk is not None:
        scale.note("camera_risk", risk=facts.camera_risk)
    if facts.camera_threat:
        scale.at_least(Level.LIFE, "camera_threat")
    elif facts.camera_intruder:
        scale.at_least(Level.PROPERTY, "camera_intruder")
    if facts.responder_check == "authorities_needed":
        level = max(_confirmed_level(facts.service), Level.PROPERTY)
        if not facts.responder_agencies:
            scale.at_least_deciding(level, "responder_authorities", service=facts.service)
        for n, agency in enumerate(facts.responder_agencies):
            if n == 0:
                scale.at_least_deciding(level, "responder_request", agency=agency)
            else:
                scale.note("responder_request", agency=agency)
    elif facts.responder_check == "all_clear":
        _all_clear(scale, facts, triggers)


def _all_clear(scale: _Scale, facts: Facts, triggers: list[Trigger]) -> None:
    if _later_alarm(triggers, facts.responder_check_at):
        scale.note("alarm_after_all_clear")
        return
    confirmed = {r.code for r in scale.reasons} & CONFIRMATIONS
    if confirmed and scale.level >= Level.PROPERTY:
        scale.note("responder_all_clear")
        scale.set(scale.level, "all_clear_conflict")
    elif facts.service == FIRE and scale.level > Level.NO_CALL:  # 0 only when called off (rule 3)
        scale.note("responder_all_clear")
        scale.set(min(scale.level, Level.LIMITED), "fire_all_clear")
    else:
        scale.set(Level.NO_CALL, "responder_all_clear")


def _history(scale: _Scale, facts: Facts) -> None:
    if facts.false_alarms_12m:
        scale.note(
            "false_alarm_history", false_alarms=facts.false_alarms_12m, activations=facts.activations_12m
        )


def _operator(scale: _Scale, facts: Facts, triggers: list[Trigger]) -> None:
    override = facts.override
    if override is None:
        return
    computed = scale.level
    newest = max(
        [t.at for t in triggers if t.kind == "alarm"]
        + [x for x in (facts.outcome_at, facts.responder_check_at, facts.camera_at) if x is not None],
        default=None,
    )
    if computed > override.level and newest is not None and newest > override.at:
        scale.note("newer_than_override", operator=override.actor, level=override.level)
        return
    scale.set(
        Level(override.level),
        "operator",
        operator=override.actor,
        reason=override.reason,
        computed=int(computed),
    )


# --- words ------------------------------------------------------------------------------------------------

LEVEL_SENTENCE = N_("Alarm level %(level)d: %(what)s")
LEVEL_WORDS = {
    Level.NO_CALL: N_("no call for service"),
    Level.LIMITED: N_("alarm, little information"),
    Level.PRESENCE: N_("person probably present"),
    Level.PROPERTY: N_("threat to property"),
    Level.LIFE: N_("threat to life"),
}
SENTENCES_BY_LEVEL = {
    Level.NO_CALL: N_("cancelled or cleared; no police response is needed."),
    Level.LIMITED: N_("an alarm went off, but nobody has confirmed that anyone is at the premises."),
    Level.PRESENCE: N_("a person is very probably at the premises; what they intend is not known."),
    Level.PROPERTY: N_("a break-in or damage to property is confirmed; please send officers."),
    Level.LIFE: N_("a person's life is in danger; please send officers at once."),
}
SENTENCES = {
    "sequence_confirmed": N_(
        "two different detectors went off in turn; an intruder is very probably inside."
    ),
    "panel_confirmed": N_(
        "the alarm panel confirmed the alarm with a second detector; a person is very probably inside."
    ),
    "panic": N_("someone pressed the emergency button at the premises; what happened is not yet known."),
    "code_mismatch": N_("someone at the premises answered our call but could not give the password."),
    "duress": N_("a duress or hold-up alarm: someone is being threatened; please send officers at once."),
    "fire_confirmed": N_(
        "fire detectors in two places went off; a fire is confirmed and lives may be in danger."
    ),
    "fire_confirmed_by_panel": N_("the fire panel confirmed a fire; lives may be in danger."),
    "call_confirmed": N_("the resident confirmed the emergency on the phone."),
    "operator_confirmed": N_(
        "our operator confirmed the alarm; nobody at the premises has been reached yet."
    ),
    "responder_authorities": N_("our guard is on site and asks for the police or fire brigade."),
    "responder_request": N_("our guard is on site and asks for the police or fire brigade."),
    "all_clear_conflict": N_(
        "our guard found nothing, but the incident was confirmed at the premises; treat it as confirmed "
        "until it is verified."
    ),
    "fire_all_clear": N_(
        "our guard found no sign of fire; the fire alarm stays open until a resident or the fire "
        "department confirms it is safe."
    ),
    "camera_intruder": N_("our operator sees an intruder on the camera; please send officers."),
    "camera_threat": N_(
        "our operator sees a person being threatened on the camera; please send officers at once."
    ),
    "cancelled": N_("the user cancelled the alarm at the panel; no police response is needed."),
    "called_off": N_("a verified resident called the alarm off; no police response is needed."),
    "called_off_by_link": N_(
        "an emergency contact gave the house code on our SMS link and reported a false alarm; our operator "
        "called the alarm off."
    ),
    "responder_all_clear": N_(
        "our guard checked the premises and found nothing; no police response is needed."
    ),
    "resident_verified": N_("a verified resident is at the premises; the alarm is probably theirs."),
    "cancel_after_confirmation": N_(
        "the user cancelled at the panel after two detectors went off; not yet confirmed by a person."
    ),
}
# --- the words of each service: who is asked to come -------------------------------------------------------
POLICE, FIRE_WORDS, MEDICAL_WORDS, GAS_WORDS, EMERGENCY_WORDS, EQUIPMENT_WORDS = (
    "police",
    "fire",
    "medical",
    "gas",
    "emergency",
    "equipment",
)
SERVICE_GROUP = {
    "B": FIRE_WORDS,
    "C": EMERGENCY_WORDS,
    "D": MEDICAL_WORDS,
    "H": MEDICAL_WORDS,
    "E": GAS_WORDS,
    "G": EQUIPMENT_WORDS,  # a trouble of the equipment: nobody's presence is in question (re-check, item 10)
}
POLICE_GROUPS = frozenset({POLICE, EMERGENCY_WORDS})  # the emergency button is told to 110 (domain.md, C)
# Deciding reasons whose sentence speaks of the police or of an intruder: another service says its own.
POLICE_WORDED = frozenset(
    {
        "cancelled",
        "called_off",
        "responder_all_clear",
        "sequence_confirmed",
        "panel_confirmed",
        "code_mismatch",
        "camera_intruder",
        "camera_threat",
        "resident_verified",
        "cancel_after_confirmation",
    }
)
SENTENCES_BY_GROUP: dict[str, dict[Level, str]] = {
    FIRE_WORDS: {
        Level.NO_CALL: N_("cancelled or cleared; no fire brigade response is needed."),
        Level.LIMITED: N_("a fire alarm went off, but nobody has confirmed a fire yet."),
        Level.PRESENCE: N_("a fire is probable but not yet confirmed."),
        Level.PROPERTY: N_("a fire is confirmed; please send the fire brigade."),
        Level.LIFE: N_(
            "a fire is confirmed and lives may be in danger; please send the fire brigade at once."
        ),
    },
    MEDICAL_WORDS: {
        Level.NO_CALL: N_("cancelled or cleared; no ambulance is needed."),
        Level.LIMITED: N_("a medical alarm went off, but nobody has confirmed an emergency yet."),
        Level.PRESENCE: N_("a person probably needs help; what happened is not yet known."),
        Level.PROPERTY: N_("a medical emergency is confirmed; please send an ambulance."),
        Level.LIFE: N_("a person's life may be in danger; please send an ambulance at once."),
    },
    GAS_WORDS: {
        Level.NO_CALL: N_("cancelled or cleared; no emergency crew is needed."),
        Level.LIMITED: N_("a gas alarm went off, but no leak has been confirmed yet."),
        Level.PRESENCE: N_("a gas leak is probable but not yet confirmed."),
        Level.PROPERTY: N_("a gas leak is confirmed; please send help."),
        Level.LIFE: N_("a gas leak is confirmed and lives may be in danger; please send help at once."),
    },
    EQUIPMENT_WORDS: {
        Level.NO_CALL: N_("cleared; no response is needed."),
        Level.LIMITED: N_(
            "a trouble of the security equipment; no intruder, fire or person in danger is reported."
        ),
        Level.PRESENCE: SENTENCES_BY_LEVEL[Level.PRESENCE],
        Level.PROPERTY: SENTENCES_BY_LEVEL[Level.PROPERTY],
        Level.LIFE: SENTENCES_BY_LEVEL[Level.LIFE],
    },
    EMERGENCY_WORDS: {
        Level.NO_CALL: SENTENCES_BY_LEVEL[Level.NO_CALL],
        Level.LIMITED: N_("an emergency alarm went off, but nobody has confirmed what happened yet."),
        Level.PRESENCE: SENTENCES["panic"],
        Level.PROPERTY: SENTENCES_BY_LEVEL[Level.PROPERTY],
        Level.LIFE: SENTENCES_BY_LEVEL[Level.LIFE],
    },
}
# A deciding reason in a service's own words, where its general sentence would name the police.
GROUP_SENTENCES: dict[str, dict[str, str]] = {
    FIRE_WORDS: {
        "called_off": N_("a verified resident called the alarm off; no fire brigade response is needed."),
        "responder_all_clear": N_(
            "our guard checked the premises and found nothing; no fire brigade response is needed."
        ),
    },
    MEDICAL_WORDS: {
        "called_off": N_("a verified resident called the alarm off; no ambulance is needed."),
        "responder_all_clear": N_(
            "our guard checked the premises and found nothing; no ambulance is needed."
        ),
        "cancelled": N_("the user cancelled the alarm at the panel; no ambulance is needed."),
    },
    GAS_WORDS: {
        "called_off": N_("a verified resident called the alarm off; no emergency crew is needed."),
        "responder_all_clear": N_(
            "our guard checked the premises and found nothing; no emergency crew is needed."
        ),
        "cancelled": N_("the user cancelled the alarm at the panel; no emergency crew is needed."),
    },
}
REASON_TEXT = {
    "alarm": N_("Alarm received (service %(service)s): %(signals)d signal(s), zone(s) %(zones)s."),
    "tamper": N_("Tamper in zone(s) %(zones)s: shown, but a tamper alone does not confirm an intrusion."),
    "sequence_confirmed": N_(
        "Zone %(first)s, then a different detector, zone %(second)s, %(minutes)d min "
        "later (confirmation window %(window)d min)."
    ),
    "entry_route": N_(
        "Zones %(zones)s are the entry route (within %(seconds)d s of an entry/exit zone): "
        "not confirmation by themselves."
    ),
    "detectors_apart": N_("Zones %(zones)s went off more than %(window)d min apart: not confirmation."),
    "panel_confirmed": N_("The panel reported the alarm confirmed by a second detector."),
    "panic": N_("Emergency button, zone(s) %(zones)s."),
    "fire_confirmed": N_("Fire detectors in zone %(first)s and zone %(second)s, %(minutes)d min apart."),
    "fire_confirmed_by_panel": N_("The fire panel reported the fire verified."),
    "duress": N_("Duress or hold-up alarm (code %(code)s), zone(s) %(zones)s."),
    "alarm_after_cancel": N_(
        "An alarm arrived after the panel's cancel (%(code)s): the cancel no longer applies."
    ),
    "cancel_ignored_life": N_("The panel sent a cancel (%(code)s); a threat to life is not lowered by it."),
    "fire_cancel": N_(
        "The fire alarm was silenced at the panel (%(code)s): a fire is not cleared until checked."
    ),
    "cancel_after_confirmation": N_("The user cancelled at the panel (%(code)s) after a confirmed sequence."),
    "cancelled": N_("The user cancelled at the panel (%(code)s)."),
    "resident_verified": N_("A resident gave the house code (or the registered answers)."),
    "code_mismatch": N_("Someone answered but did not know the house code (%(attempts)d attempt(s))."),
    "contact_reached": N_("Contact reached: %(name)s."),
    "contact_verified_by_link": N_(
        "An emergency contact gave the house code on the SMS link (not at the premises)."
    ),
    "link_answered": N_("Answered on the SMS link: %(name)s."),
    "called_off_by_link": N_(
        "The operator called the alarm off on the word of an emergency contact verified on the SMS link."
    ),
    "contacts_unanswered": N_("No emergency contact answered."),
    "called_off": N_("A verified resident called the alarm off."),
    "call_confirmed": N_("The call confirmed the incident (service %(service)s)."),
    "operator_confirmed": N_(
        "The operator confirmed the incident without reaching anyone at the premises (service %(service)s)."
    ),
    "no_answer": N_("Nobody answered the call: this changes nothing by itself."),
    "responder_authorities": N_("The responder's check: authorities needed."),
    "responder_all_clear": N_("The responder's check: all clear."),
    "alarm_after_all_clear": N_("An alarm arrived after the responder's all clear."),
    "responder_request": N_("The responder on site asks for: %(agency)s."),
    "all_clear_conflict": N_(
        "The responder found nothing, but the incident was confirmed at the premises: verify before "
        "standing down."
    ),
    "fire_all_clear": N_(
        "The responder found no sign of fire: a fire alarm stays at 1 until a verified resident calls it off."
    ),
    "camera_risk": N_("Camera assessed at risk level %(risk)s."),
    "camera_intruder": N_("An intruder is seen on the camera."),
    "camera_threat": N_("A person is seen threatened on the camera."),
    "false_alarm_history": N_(
        "%(false_alarms)d false alarm(s) of %(activations)d alarm(s) here in 12 "
        "months: lower confidence, but the level stays on this alarm's evidence."
    ),
    "operator": N_("Set by %(operator)s: %(reason)s (computed: %(computed)d)."),
    "newer_than_override": N_("Newer evidence is above the level %(level)d set by %(operator)s."),
}
TRANSLATED_DATA = frozenset({"agency"})  # data points stored as a msgid (a code), shown in the reader's words
