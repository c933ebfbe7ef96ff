"""The detail of a record entry (``incident_events.detail``) in the reader's words.

The record keeps what the flows wrote, in the center's fixed English shapes (``61 s after receipt``,
``call_premises, notify:police``, ``山田: ivr match``): that text is the legal record and is never
rewritten. A page shows it through ``describe``, which recognises each kind's shape and words it again
from msgids; a detail it does not recognise (free text, a shape from an older or newer version) is shown
as stored. Pure functions: the caller passes the page's ``gettext`` and how to show a phone number.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from control_center.core.i18n import N_
from control_center.web.formatting import domestic_phone

Gettext = Callable[[str], str]

# Actors that are not people: shown by these words instead of a login.
ACTORS = {
    "system": N_("Center system"),
    "panel": N_("Alarm panel"),
    "ivr": N_("Automated voice"),
    "watchdog": N_("Center system"),
    "seed": N_("Initial registration"),  # rows the installation (or the demo) registered
    "psap": N_("Agency (data link)"),  # an agency's system answering a hand-off (dispatch/handoff_service.py)
    "link": N_("Contact (SMS link)"),  # a contact's answer on the link page (telephony/verification.py)
}

BULK = "bulk: "  # supervisor_desk/service.py starts a bulk close's reason with it
NOTIFY = "notify:"

_WORDS = (  # the fixed details and close reasons the flows write, put in the catalogs here
    N_("nobody reached"),
    N_("clearly illegal act in the images"),
    N_("power restored within 15 minutes"),
    N_("false alarm: called off by a verified resident"),
    N_("all clear"),
    N_("authorities needed"),
)


# Kinds whose detail a feature words itself (e.g. the alarm level's JSON record): registered by the
# composition root, since this shell imports no feature (the same port as rendering.add_vocabulary).
_kinds: dict[str, Callable[[str, Gettext], str]] = {}


def add_kind(kind: str, describe_detail: Callable[[str, Gettext], str]) -> None:
    """Lets a feature word the detail of its own record entries: ``describe_detail(detail, gettext)``."""
    _kinds[kind] = describe_detail


def actor_name(login: str | None, names: dict[str, str] | None, gettext: Gettext) -> str:
    """Who did it: the person's name, the center's word for a machine (システム, 警報機), else the login."""
    if not login:
        return ""
    if names and names.get(login):
        return names[login]
    if login in ACTORS:
        return gettext(ACTORS[login])
    return login


def _word(gettext: Gettext, code: str) -> str:
    code = code.strip()
    return gettext(code) if code else ""  # gettext("") is the catalog's header


def _after_receipt(detail: str, gettext: Gettext) -> str | None:
    if m := re.fullmatch(r"(\d+) s after receipt", detail):
        return gettext(N_("%(seconds)s s after receipt")) % {"seconds": m[1]}
    if m := re.fullmatch(r"([\d.]+) min after receipt", detail):
        return gettext(N_("%(minutes)s min after receipt")) % {"minutes": m[1]}
    return None


def _step(code: str, gettext: Gettext) -> str:
    """``call_premises`` or ``notify:police`` as the plan's words."""
    code = code.strip()
    if code.startswith(NOTIFY):
        return gettext(N_("notify %(agency)s")) % {"agency": _word(gettext, code[len(NOTIFY) :])}
    return _word(gettext, code)


def _planned(detail: str, gettext: Gettext) -> str:
    return gettext(N_(", ")).join(_step(part, gettext) for part in detail.split(",") if part.strip())


def _done(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"(\S+?)(?: \((.*)\))?", detail, re.S):
        step = _step(m[1], gettext)
        return f"{step} ({m[2]})" if m[2] else step
    return detail


def _colon(detail: str, gettext: Gettext) -> str:
    """``code: free text`` (an outcome, a check, a finding) with the code translated."""
    code, sep, rest = detail.partition(": ")
    return f"{_word(gettext, code)}: {rest}" if sep else _word(gettext, code)


# What a responder's "needs help" names (dispatch/status.py NEEDS_HELP): the agency's code, or this word.
# Kept here as plain codes, since this shell imports no feature; their msgids are in the catalogs.
_AGENCY_CODES = frozenset({"police", "fire_dept", "ambulance", "gas_company", "doctor", N_("authorities")})


def _check(detail: str, gettext: Gettext) -> str:
    """``authorities needed: fire_dept``: the agency the responder asked for in words; a free note as is."""
    code, sep, rest = detail.partition(": ")
    if sep and rest.strip() in _AGENCY_CODES:
        return f"{_word(gettext, code)}: {_word(gettext, rest)}"
    return _colon(detail, gettext)


def _verification(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"(.*): (\S+) (match|no match)", detail, re.S):
        return f"{m[1]}: {_word(gettext, m[2])} {_word(gettext, m[3])}"
    return detail


def _panel_report(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"(\S+): (.*) \((user|zone) (\d+), (\S+) (\S+)\)", detail, re.S):
        what = gettext(N_("user %(n)s")) if m[3] == "user" else gettext(N_("zone %(n)s"))
        return f"{_word(gettext, m[1])}: {_word(gettext, m[2])} ({what % {'n': m[4]}}, {m[5]} {m[6]})"
    return _colon(detail, gettext)


def _assigned(detail: str, gettext: Gettext) -> str:
    m = re.fullmatch(
        r"(.*) \((.*)\), ([\d.]+) km, ~(\d+) min(?:; override of the nearest, (.*) \(~(\d+) min\))?",
        detail,
        re.S,
    )
    if not m:
        return detail
    text = gettext(N_("%(name)s (%(depot)s), %(km)s km, about %(minutes)s min")) % {
        "name": m[1], "depot": m[2], "km": m[3], "minutes": m[4],
    }  # fmt: skip
    if m[5]:
        text += gettext(N_("; chosen instead of the nearest, %(name)s (about %(minutes)s min)")) % {
            "name": m[5], "minutes": m[6],
        }  # fmt: skip
    return text


def _call_placed(detail: str, gettext: Gettext, phone: Callable[[str], str]) -> str:
    if m := re.fullmatch(r"(\S+) (.*) (\+?\d+) \((\w+)\)", detail, re.S):
        return f"{_word(gettext, m[1])} {m[2]} {phone(m[3])} ({_word(gettext, m[4])})"
    return detail


def _sms_sent(detail: str, phone: Callable[[str], str]) -> str:
    if m := re.fullmatch(r"(.*) (\+?\d+)", detail, re.S):
        return f"{m[1]} {phone(m[2])}"
    return detail


def _list_started(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"(\d+) to call(, SMS first)?", detail):
        text = gettext(N_("%(count)s to call")) % {"count": m[1]}
        return text + (gettext(N_(", SMS first")) if m[2] else "")
    return detail


def _reached(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"(.*) \((\w+)\)", detail, re.S):
        return f"{m[1]} ({_word(gettext, m[2])})"
    return detail


def _closed(detail: str, gettext: Gettext) -> str:
    if detail.startswith(BULK):
        return gettext(N_("bulk close: %(reason)s")) % {"reason": detail[len(BULK) :]}
    return gettext(detail) if detail else detail


def _voice(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"level (\d): (.*)", detail, re.S):
        return gettext(N_("level %(level)s: %(text)s")) % {"level": m[1], "text": gettext(m[2])}
    return detail


def _identity(detail: str, gettext: Gettext) -> str:
    if m := re.fullmatch(r"(.*?): (\w+)( — .*)?", detail, re.S):
        return f"{m[1]}: {_word(gettext, m[2])}{m[3] or ''}"
    return detail


def describe(
    kind: str, detail: str | None, gettext: Gettext, phone: Callable[[str], str] = domestic_phone
) -> str:
    """The entry's detail in the page's language (``gettext``), the stored text where not recognised."""
    detail = detail or ""
    if not detail:
        return ""
    if kind in _kinds:
        try:
            return _kinds[kind](detail, gettext)
        except (ValueError, KeyError, TypeError):  # a record of another shape: shown as stored
            return detail
    match kind:
        case "opened" | "illegal_act" | "call_list_exhausted":
            return gettext(detail)
        case "claimed" | "responder_on_site":
            return _after_receipt(detail, gettext) or detail
        case "planned":
            return _planned(detail, gettext)
        case "agency_notified" | "step_done":
            return _done(detail, gettext)
        case "call_outcome" | "responder_check" | "call_result":
            if kind == "call_result":  # ``name: result``: the name is free, the result a code
                name, sep, result = detail.rpartition(": ")
                return f"{name}: {_word(gettext, result)}" if sep else detail
            return _check(detail, gettext) if kind == "responder_check" else _colon(detail, gettext)
        case "verification":
            return _verification(detail, gettext)
        case "panel_report":
            return _panel_report(detail, gettext)
        case "responder_assigned":
            return _assigned(detail, gettext)
        case "call_placed":
            return _call_placed(detail, gettext, phone)
        case "sms_sent":
            return _sms_sent(detail, phone)
        case "call_list_started":
            return _list_started(detail, gettext)
        case "contact_reached":
            return _reached(detail, gettext)
        case "closed" | "bulk_closed":
            return _closed(detail, gettext) if kind == "closed" else detail
        case "voice_announcement":
            return _voice(detail, gettext)
        case "identity_check":
            return _identity(detail, gettext)
    return detail
