"""An audit entry's subject and detail in the reader's words.

The audit log keeps what each module wrote (``subscriber:7``, ``payment 3: 5500 yen by card received
2026-10-01``, a bulk close's filter): the stored text never changes. The page shows it through these pure
functions, which recognise the shapes the modules write and word them again from msgids; anything not
recognised is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from control_center.core.i18n import N_

Gettext = Callable[[str], str]

SUBJECTS = {
    "subscriber": N_("subscriber #%(id)s"),
    "incident": N_("incident #%(id)s"),
    "contract": N_("contract #%(id)s"),
    "invoice": N_("invoice #%(id)s"),
    "user": N_("user #%(id)s"),
    "panel": N_("panel %(id)s"),
    "premises": N_("premises #%(id)s"),
    "signer": N_("signer #%(id)s"),
    "address": N_("address %(id)s"),
}
GROUPS = {"incidents:bulk": N_("incidents in bulk"), "subscribers": N_("subscribers")}


def audit_subject(subject: str | None, gettext: Gettext) -> str:
    """``subscriber:7`` → 加入者 #7; a subject of another shape as stored."""
    if not subject:
        return ""
    if subject in GROUPS:
        return gettext(GROUPS[subject])
    kind, sep, key = subject.partition(":")
    if sep and kind in SUBJECTS:
        return gettext(SUBJECTS[kind]) % {"id": key}
    return subject


def _area(text: str, gettext: Gettext) -> str:
    """The bulk close's ``Area(address_contains='…', lat=…, lon=…, radius_km=…)`` as words."""
    fields = dict(re.findall(r"(\w+)=('(?:[^'\\]|\\.)*'|[^,)]+)", text))
    parts = []
    if (address := fields.get("address_contains", "None")) != "None":
        parts.append(gettext(N_("address contains %(text)s")) % {"text": address.strip("'")})
    if fields.get("radius_km", "None") != "None":
        parts.append(
            gettext(N_("within %(km)s km of %(lat)s, %(lon)s"))
            % {"km": fields["radius_km"], "lat": fields.get("lat"), "lon": fields.get("lon")}
        )
    return gettext(N_(", ")).join(parts) or gettext(N_("any area"))


def _bulk(m: re.Match[str], gettext: Gettext) -> str:
    event = m["event"]  # a stored msgid (not a literal, which Babel's extraction would take for one)
    return gettext(N_("closed %(n)s (services %(services)s, event %(event)s, %(area)s): %(reason)s")) % {
        "n": m["n"],
        "services": m["services"] or "—",
        "event": "—" if event == "*" else gettext(event),
        "area": _area(m["area"], gettext),
        "reason": m["reason"],
    }


# (the detail's shape, its msgid, the groups to translate as codes)
SHAPES: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"(?P<login>\S+) as (?P<role>\w+) for subscriber (?P<id>\d+)"),
     N_("%(login)s as %(role)s for subscriber #%(id)s"), ("role",)),
    (re.compile(r"(?P<login>\S+) as (?P<role>\w+)"), N_("%(login)s as %(role)s"), ("role",)),
    (re.compile(r"reassigned to (?P<to>\S+)"), N_("reassigned to %(to)s"), ()),
    (re.compile(r"payment (?P<id>\d+): (?P<amount>\d+) yen by (?P<method>\w+) received (?P<day>\S+)"),
     N_("payment %(id)s: %(amount)s yen by %(method)s, received %(day)s"), ("method",)),
    (re.compile(r"search '(?P<q>.*)': (?P<n>\d+) shown"), N_("search “%(q)s”: %(n)s shown"), ()),
    (re.compile(r"subscriber page with contracts"), N_("subscriber page with contracts"), ()),
    (re.compile(r"subscriber page"), N_("subscriber page"), ()),
    (re.compile(r"incident (?P<id>\d+) \(API\)"), N_("incident #%(id)s (API)"), ()),
    (re.compile(r"incident (?P<id>\d+)"), N_("incident #%(id)s"), ()),
    (re.compile(r"assignment (?P<id>\d+)"), N_("assignment #%(id)s"), ()),
    (re.compile(r"token (?P<id>\d+) (?P<label>.+)"), N_("token %(id)s (%(label)s)"), ()),
    (re.compile(r"token (?P<id>\d+)"), N_("token %(id)s"), ()),
    (re.compile(r"demand (?P<id>\d+) for invoice (?P<invoice>\d+) sent (?P<day>\S+)"),
     N_("demand %(id)s for invoice #%(invoice)s sent on %(day)s"), ()),
    (re.compile(r"demand (?P<id>\d+) for invoice (?P<invoice>\d+) received (?P<day>\S+)"),
     N_("demand %(id)s for invoice #%(invoice)s received on %(day)s"), ()),
    (re.compile(r"reopened (?P<n>\d+): \[(?P<ids>.*)\]"), N_("reopened %(n)s: %(ids)s"), ()),
    (re.compile(r"run (?P<day>\S+): (?P<n>\d+) invoices issued"),
     N_("run of %(day)s: %(n)s invoices issued"), ()),
    (re.compile(r"cancelled on (?P<day>\S+) \((?P<reason>\w+)\): total (?P<total>\d+) yen"),
     N_("cancelled on %(day)s (%(reason)s): total %(total)s yen"), ("reason",)),
    (re.compile(r"fee decision: reduced to (?P<amount>\d+) yen \((?P<why>.*)\)"),
     N_("fee decision: reduced to %(amount)s yen (%(why)s)"), ()),
    (re.compile(r"note (?P<id>\d+) \((?P<n>\d+) chars\)"), N_("note %(id)s (%(n)s characters)"), ()),
    (re.compile(r"document (?P<id>\d+)"), N_("document %(id)s"), ()),
    (re.compile(r"(?P<invoice>\S+) PDF"), N_("%(invoice)s PDF"), ()),
)  # fmt: skip
BULK = re.compile(
    r"closed (?P<n>\d+) \((?P<services>[A-I,]*), (?P<event>.*?), (?P<area>Area\(.*\))\): (?P<reason>.*)"
)


def audit_detail(action: str, detail: str | None, gettext: Gettext) -> str:
    """The entry's detail in the page's language; a single code (``claimed``) is looked up as a msgid."""
    if not detail:
        return ""
    if m := BULK.fullmatch(detail):
        return _bulk(m, gettext)
    for shape, msgid, codes in SHAPES:
        if m := shape.fullmatch(detail):
            values = {k: (gettext(v) if k in codes else v) for k, v in m.groupdict().items()}
            return gettext(msgid) % values
    return gettext(detail)
