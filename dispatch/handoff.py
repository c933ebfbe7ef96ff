"""The hand-off pack: what a police or fire call-taker needs about one alarm, and the rules on its replies.

Pure: the pack is built by ``dispatch/handoff_service.py`` from the incident, premises, level and
responder; here it becomes the script the operator reads on the 110/119 call (``script``), and the
agency's status updates are judged (``next_status``) and worded for the incident's record (``describe_*``,
registered with ``web/event_text.py`` by ``app.py``). The machine message is ``dispatch/asap.py``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from control_center.core.i18n import N_
from control_center.core.timezones import TOKYO

Gettext = Callable[[str], str]

# The agencies reached by the machine hand-off; the gas company and a doctor stay voice calls.
DATA_LINK_AGENCIES = frozenset({"police", "fire_dept", "ambulance"})
FALLBACK_SECONDS_MAX = 30  # issue 18: a rejection, or no acceptance, becomes a voice call within 30 s

# ASAP status updates (APCO/CSAA ANS 2.101.2): what may follow what. "voice" is ours: the data link gave up.
STATUSES = ("accepted", "rejected", "dispatched", "arrived", "closed")
_NEXT: dict[str, frozenset[str]] = {
    "sent": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"dispatched", "arrived", "closed"}),
    "dispatched": frozenset({"arrived", "closed"}),
    "arrived": frozenset({"closed"}),
    "rejected": frozenset(),
    "closed": frozenset(),
    "voice": frozenset(),
}
OPEN = frozenset({"sent"})
# The demo's callback number (CC_CENTER_PHONE's default): no center answers it. The script warns while it
# is in use, and a production center sets its own.
DEMO_CALLBACK = "052-000-0000"  # waiting for an acceptance: the fallback clock runs

# Each status in words (registered as the pages' ``handoff_status`` vocabulary by app.py).
STATUS_WORDS = {
    "sent": N_("sent, awaiting acceptance"),
    "accepted": N_("accepted by the agency"),
    "rejected": N_("rejected by the agency"),
    "dispatched": N_("agency units dispatched"),
    "arrived": N_("agency units on scene"),
    "closed": N_("closed by the agency"),
    "voice": N_("taken over by a voice call"),
}


@dataclass(frozen=True)
class Pack:
    """Everything the call-taker is told, once, as sent (kept in ``agency_handoffs.document``)."""

    incident_id: int
    message_id: str
    agency: str  # police | fire_dept | ambulance
    created_at: dt.datetime
    received_at: dt.datetime  # the alarm's receipt at the center
    organization: str
    callback: str  # the center's number
    operator: str  # the operator's name
    service_type: str  # A–I
    category: str  # the ASAP event category (Burglary, Fire, …)
    alarm_type: str  # the incident's description: a msgid ("Burglary"), worded by the script
    alarm_type_text: str  # the same in Japanese, for the machine message
    level: int
    level_sentence: str  # in the center's language (Japanese): the agency reads it as is
    decisive: str  # the reason code that set the level: the script words it in the reader's language
    evidence_url: str | None
    address: str
    directions: str | None
    landmarks: str | None
    lat: float
    lon: float
    contact_name: str | None
    contact_phone: str | None
    responder_name: str | None
    responder_on_site: bool
    responder_eta: dt.datetime | None
    # Asked for by the call-taker (outside tester, item 8); defaults keep packs stored before them readable.
    subscriber_name: str | None = None  # the subscriber (the occupant of a home)
    premises_phone: str | None = None
    callback_is_demo: bool = False  # the callback is the demo's number, not the center's: the page warns


CATEGORY = {"A": "Burglary", "B": "Fire", "C": "Emergency", "D": "Medical", "E": "Gas", "F": "Trouble",
            "G": "Trouble", "H": "Medical", "I": "Burglary"}  # fmt: skip
HOLDUP_WORDS = ("duress", "hold-up", "holdup")


def category(service_type: str, description: str) -> str:
    if any(w in description.lower() for w in HOLDUP_WORDS):
        return "Holdup"
    return CATEGORY.get(service_type, "Other")


def phone_or_none(text: str | None) -> str | None:
    """A number as the schema takes it (digits, ``+``, ``-``), or nothing."""
    cleaned = re.sub(r"[^0-9+\-]", "", text or "")
    return cleaned if re.fullmatch(r"\+?[0-9\-]{3,20}", cleaned) else None


# --- the premises' directions and landmarks ---------------------------------------------------------------
# Typed by an operator on the subscriber page (or the API), read aloud on the 110/119 call and sent in the
# XML: one line each, printable text only (XML 1.0 cannot carry most control characters, and an invisible
# bidi override would make the call-taker read something else than what the page shows).

NOTE_MAX = 300  # premises_directions.directions / .landmarks
NOTE_TOO_LONG = N_("Directions and landmarks are at most %(max)s characters each.")
NOTE_UNPRINTABLE = N_("Directions and landmarks may not contain control or invisible characters.")


def note_problem(text: str) -> str | None:
    """Why ``text`` cannot be kept as directions or landmarks (a msgid taking ``max``), or None."""
    cleaned = clean_note(text) or ""
    if len(cleaned) > NOTE_MAX:
        return NOTE_TOO_LONG
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in cleaned):
        return NOTE_UNPRINTABLE
    return None


def clean_note(text: str) -> str | None:
    """The text as kept: line breaks and runs of spaces made one space, trimmed; empty → None."""
    return " ".join(re.split(r"[ \t\r\n]+", text)).strip() or None


def next_status(current: str, reply: str) -> str | None:
    """The hand-off's status after ``reply``, or None when that reply cannot follow (a refusal)."""
    return reply if reply in _NEXT.get(current, frozenset()) else None


def _tokyo(at: dt.datetime) -> str:
    return at.astimezone(TOKYO).strftime("%H:%M")


def script(pack: Pack, gettext: Gettext, sentence: str) -> list[str]:
    """What the operator reads on the 110/119 call, line by line, in the page's language.

    ``sentence`` is the level's sentence in that language (``alarm_level.sentence``)."""
    # Before anyone takes the incident nobody is the operator: say so, never a login ("system").
    who = (
        gettext(N_("This is %(organization)s, alarm monitoring center, operator %(operator)s."))
        if pack.operator
        else gettext(N_("This is %(organization)s, alarm monitoring center (operator not yet assigned)."))
    )
    lines = [
        who % {"organization": pack.organization, "operator": pack.operator},
        gettext(N_("We report a %(alarm)s alarm received at %(time)s.")) % {
            "alarm": gettext(pack.alarm_type) if pack.alarm_type else "", "time": _tokyo(pack.received_at)},
        sentence,
        gettext(N_("Address: %(address)s.")) % {"address": pack.address},
    ]  # fmt: skip
    if pack.directions:
        lines.append(gettext(N_("Directions: %(text)s.")) % {"text": pack.directions})
    if pack.landmarks:
        lines.append(gettext(N_("Landmarks: %(text)s.")) % {"text": pack.landmarks})
    lines.append(
        gettext(N_("Coordinates: latitude %(lat)s, longitude %(lon)s.")) % {
            "lat": f"{pack.lat:.5f}", "lon": f"{pack.lon:.5f}"}
    )  # fmt: skip
    if pack.subscriber_name or pack.premises_phone:
        lines.append(
            gettext(N_("Subscriber: %(name)s; premises phone: %(phone)s.")) % {
                "name": pack.subscriber_name or "—", "phone": pack.premises_phone or "—"}
        )  # fmt: skip
    if pack.contact_name and pack.contact_phone:
        lines.append(
            gettext(N_("Premises contact: %(name)s, %(phone)s.")) % {
                "name": pack.contact_name, "phone": pack.contact_phone}
        )  # fmt: skip
    if pack.responder_name and pack.responder_on_site:
        lines.append(gettext(N_("Our responder %(name)s is on site.")) % {"name": pack.responder_name})
    elif pack.responder_name and pack.responder_eta:
        lines.append(
            gettext(N_("Our responder %(name)s arrives at about %(time)s.")) % {
                "name": pack.responder_name, "time": _tokyo(pack.responder_eta)}
        )  # fmt: skip
    else:
        lines.append(gettext(N_("None of our responders is on the way yet.")))
    lines.append(gettext(N_("Call-back number: %(phone)s.")) % {"phone": pack.callback})
    return lines


# --- the record's words ----------------------------------------------------------------------------------
# Details are written in fixed English shapes (the legal record is never rewritten) and worded on the page.


def sent_detail(agency: str, message_id: str) -> str:
    return f"{agency} {message_id}"


def reply_detail(agency: str, status: str, reference: str | None, reason: str | None) -> str:
    text = f"{agency} {status}"
    if reference:
        text += f" ({reference})"
    if reason:
        text += f": {reason}"
    return text


def fallback_detail(agency: str, why: str, reference: str) -> str:
    return f"{agency} {why} ({reference})"


_AGENCY = r"(police|fire_dept|ambulance)"


def describe_sent(detail: str, gettext: Gettext) -> str:
    m = re.fullmatch(_AGENCY + r" (\S+)", detail)
    if not m:
        raise ValueError(detail)
    return gettext(N_("hand-off message to %(agency)s sent (%(id)s)")) % {
        "agency": gettext(m[1]), "id": m[2][:8]}  # fmt: skip


def describe_reply(detail: str, gettext: Gettext) -> str:
    m = re.fullmatch(_AGENCY + r" (accepted|rejected|dispatched|arrived|closed)(?: \((.*?)\))?(?:: (.*))?",
                     detail, re.S)  # fmt: skip
    if not m:
        raise ValueError(detail)
    text = gettext(N_("%(agency)s: %(status)s")) % {
        "agency": gettext(m[1]),
        "status": gettext(STATUS_WORDS[m[2]]),
    }
    if m[3]:
        text += f" ({m[3]})"
    if m[4]:
        text += " — " + gettext(N_("reason: %(reason)s")) % {"reason": m[4]}
    return text


FALLBACK_WHY = {
    "rejected": N_("hand-off rejected"),
    "no acceptance": N_("no acceptance in time"),
    "link down": N_("data link failed"),
}


def describe_fallback(detail: str, gettext: Gettext) -> str:
    m = re.fullmatch(_AGENCY + r" (rejected|no acceptance|link down) \((.*)\)", detail, re.S)
    if not m:
        raise ValueError(detail)
    return gettext(N_("%(why)s: %(agency)s called by voice (%(reference)s)")) % {
        "why": gettext(FALLBACK_WHY[m[2]]), "agency": gettext(m[1]), "reference": m[3]}  # fmt: skip


DESCRIBE = {
    "handoff_sent": describe_sent,
    "agency_reply": describe_reply,
    "handoff_fallback": describe_fallback,
}
KINDS = (N_("handoff_sent"), N_("agency_reply"), N_("handoff_fallback"))
