"""The legal alarm record as CSV for Japanese Excel.

警備業法 第44条 (書類の備付け) with 施行規則 第64条第1項第5号 asks the monitoring center to keep, for one
year from receipt, for every report of a theft or other incident: the date and time it was received, the
name and address of the guarded premises, the measures taken with their times and their result, and, when
a guard was sent, the time from receipt to the guard's arrival. The police's guidelines (警備業法等の解釈
運用基準 第30 4) read "measures" as the instruction to the guard and the contact with the police, each
with its time, and "result" as what was found, the hand-over to the police, or a false alarm. Hence one
column per measure: receipt, instruction to the responder, police contact, other agencies, arrival,
minutes to arrival (against the area's limit), result; everything else done is in "other measures".

Japanese headers and words by default (English with ``lang=en``); UTF-8 with a byte-order mark, which
Excel needs to read UTF-8, or Shift_JIS (Windows-31J, Excel's own) on request, where a character it
cannot hold is written as a ``\\u`` escape rather than dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.access.service import names_of
from control_center.core.i18n import N_
from control_center.core.timezones import TOKYO
from control_center.incidents.models import Incident
from control_center.subscribers.models import Premises
from control_center.web.event_text import actor_name, describe
from dispatch import coverage
from dispatch.models import Assignment, CoverageLimit, Responder

Encoding = Literal["utf-8", "shift_jis"]
CODECS: dict[str, str] = {"utf-8": "utf-8-sig", "shift_jis": "cp932"}  # cp932: Windows' Shift_JIS

# (key, header msgid), in order; the keys are the English headers' stable names for scripts.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("incident", N_("Incident no.")),
    ("received", N_("Received (JST)")),
    ("service", N_("Service")),
    ("signal", N_("Signal")),
    ("premises_name", N_("Premises name")),
    ("address", N_("Premises address")),
    ("instruction", N_("Instruction to the responder")),
    ("police", N_("Police contacted")),
    ("agencies", N_("Other agencies contacted")),
    ("arrival", N_("Responder arrived (JST)")),
    ("minutes_to_arrival", N_("Minutes from receipt to arrival")),
    ("limit_minutes", N_("Arrival limit (minutes)")),
    ("within_limit", N_("Within the limit")),
    ("result", N_("Result")),
    ("responders", N_("Responders sent")),
    ("other_measures", N_("Other measures")),
)
# The measures that have their own column; every other event is an "other measure".
OWN_COLUMN = {"responder_assigned", "agency_notified", "responder_on_site", "closed"}
YES, NO = N_("Yes"), N_("No")


@dataclass(frozen=True, slots=True)
class Measure:
    at: dt.datetime
    actor: str  # the user's name where known, else their login or the system's name
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Record:
    incident_id: int
    received: dt.datetime
    service: str
    signal: str
    premises_name: str
    address: str
    status: str
    close_reason: str | None
    arrival: dt.datetime | None
    limit_minutes: int
    measures: list[Measure] = field(default_factory=list)
    responders: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # the responders' on-site reports

    @property
    def minutes_to_arrival(self) -> float | None:
        return (self.arrival - self.received).total_seconds() / 60 if self.arrival else None


async def records(
    *, session: AsyncSession, start: dt.date, end: dt.date, default_limit: int = 25
) -> list[Record]:
    """Every alarm received on JST dates ``start``–``end``, oldest first, with its measures."""
    since = dt.datetime.combine(start, dt.time(), TOKYO)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), TOKYO)
    incidents = list(
        await session.scalars(
            select(Incident)
            .where(Incident.opened_at >= since, Incident.opened_at < until)
            .order_by(Incident.opened_at, Incident.id)
            .options(
                selectinload(Incident.events),
                selectinload(Incident.premises).selectinload(Premises.subscriber),
            )
        )
    )
    limits = [
        coverage.Limit(r.prefecture, r.area, r.minutes) for r in await session.scalars(select(CoverageLimit))
    ]
    sent: dict[int, list[tuple[str, str | None]]] = {}
    query = (
        select(Assignment.incident_id, Responder.name, Assignment.report)
        .join(Responder, Responder.id == Assignment.responder_id)
        .where(Assignment.incident_id.in_([i.id for i in incidents]))
        .order_by(Assignment.id)
    )
    for incident_id, name, report in await session.execute(query):
        sent.setdefault(incident_id, []).append((name, report))
    names = await names_of(session=session, logins={e.actor for i in incidents for e in i.events})
    out = []
    for i in incidents:
        premises = i.premises
        out.append(
            Record(
                incident_id=i.id,
                received=i.opened_at,
                service=i.service_type,
                signal=i.description,
                premises_name=premises.subscriber.name if premises else "",
                address=premises.address if premises else i.account,
                status=i.status,
                close_reason=i.close_reason,
                arrival=i.responder_on_site_at,
                limit_minutes=(
                    coverage.limit_for(limits, premises.address, default_limit) if premises else default_limit
                ),
                measures=[Measure(e.at, names.get(e.actor) or e.actor, e.kind, e.detail) for e in i.events],
                responders=[name for name, _ in sent.get(i.id, [])],
                reports=[report for _, report in sent.get(i.id, []) if report],
            )
        )
    return out


def _when(at: dt.datetime | None) -> str:
    return f"{at.astimezone(TOKYO):%Y-%m-%d %H:%M:%S}" if at else ""


def _clock(at: dt.datetime) -> str:
    return f"{at.astimezone(TOKYO):%H:%M:%S}"


def rows(
    found: list[Record], gettext: Callable[[str], str], service_labels: Mapping[str, str]
) -> list[list[str]]:
    """The header and one row per alarm, in the language of ``gettext``. Pure."""
    header = [gettext(msgid) for _, msgid in COLUMNS]
    table = [header]

    def who(m: Measure) -> str:  # a person's name (looked up already), or the center's word for a machine
        return actor_name(m.actor, None, gettext)

    def said(m: Measure) -> str:  # the entry's detail in words, as on the incident page
        return describe(m.kind, m.detail, gettext)

    for r in found:
        instruction = [m for m in r.measures if m.kind == "responder_assigned"]
        agencies = [m for m in r.measures if m.kind == "agency_notified"]
        police = [m for m in agencies if m.detail.startswith("notify:police")]
        others = [m for m in agencies if m not in police]
        minutes = r.minutes_to_arrival
        result = gettext(r.status) + (f": {r.close_reason}" if r.close_reason else "")
        result += "".join(f" / {report}" for report in r.reports)
        label = service_labels.get(r.service)
        table.append(
            [
                str(r.incident_id),
                _when(r.received),
                f"{r.service} {gettext(label)}" if label else r.service,
                r.signal,
                r.premises_name,
                r.address,
                " / ".join(f"{_clock(m.at)} {who(m)}: {said(m)}" for m in instruction),
                " / ".join(f"{_clock(m.at)} {who(m)}: {_agency_detail(m.detail)}" for m in police),
                " / ".join(f"{_clock(m.at)} {who(m)}: {_agency_detail(m.detail, gettext)}" for m in others),
                _when(r.arrival),
                f"{minutes:.1f}" if minutes is not None else "",
                str(r.limit_minutes),
                "" if minutes is None else gettext(YES if minutes <= r.limit_minutes else NO),
                result,
                " / ".join(r.responders),
                " / ".join(
                    f"{_clock(m.at)} {who(m)} {gettext(m.kind)} {said(m)}".strip()
                    for m in r.measures
                    if m.kind not in OWN_COLUMN
                ),
            ]
        )
    return table


def _agency_detail(detail: str, gettext: Callable[[str], str] | None = None) -> str:
    """``notify:police (ref)`` → ``(ref)`` in the police column, ``<agency> (ref)`` in the other."""
    what, _, rest = detail.removeprefix("notify:").partition(" ")
    return f"{gettext(what)} {rest}".strip() if gettext else rest or what


def encode(table: list[list[str]], encoding: Encoding = "utf-8") -> bytes:
    """CSV bytes Japanese Excel opens as they are: CRLF lines, UTF-8 with BOM or Windows-31J."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(table)
    return text.getvalue().encode(CODECS[encoding], errors="backslashreplace")
