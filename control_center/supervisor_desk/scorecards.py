"""False-alarm scorecards: per premises, per installer and per area, the activations, false-alarm rate and
dispatches of the last 12 months; the premises over the threshold get a service task.

Per premises, per installer (``Premises.installer``, as entered at installation; premises without one
count under "(installer unknown)") and per area (prefecture and municipality of the address, as
dispatch/coverage.py reads them). An *activation* is an alarm a person could have set off (services A–E
and I: ``alarm_level_service.ACTIVATION_SERVICES``); a *false alarm* is one called off by a verified
resident or closed at level 0 (``alarm_level_service.is_false_alarm``); a *dispatch* is an incident a
responder was sent to, a *police call* one whose police notification was recorded.

The service task is an equipment (G) incident, "false-alarm review", raised as a signal of the premises'
panel through the center's intake (so it is planned, queued and recorded like any equipment trouble:
the contacts are called to book a check), at most once per premises and Tokyo month (the signal's message
id is the key).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.bulk import among
from control_center.core.i18n import N_
from control_center.incidents.alarm_level_service import ACTIVATION_SERVICES, is_false_alarm
from control_center.incidents.models import Incident, IncidentTask
from control_center.subscribers.models import PanelAccount, Premises, Subscriber
from control_center.supervisor_desk import service_tasks
from dispatch.coverage import municipality_of, prefecture_of
from dispatch.models import Assignment

PERIOD = dt.timedelta(days=365)
REVIEW = N_("false-alarm review")
UNKNOWN_AREA = N_("(area unknown)")
UNKNOWN_INSTALLER = N_("(installer unknown)")
UNKNOWN = (UNKNOWN_AREA, UNKNOWN_INSTALLER)


@dataclass(frozen=True, slots=True)
class Activation:
    """One alarm of the period, as the scorecards count it."""

    premises_id: int | None
    address: str
    false_alarm: bool
    dispatched: bool
    police: bool
    installer: str | None = None
    subscriber: str = ""  # the subscriber's name, so a row reads as a customer and not a bare id
    account: str = ""  # the panel account the alarm came from


@dataclass(frozen=True)
class Card:
    key: str  # the premises id, or the area's name
    label: str  # the address, or the area
    activations: int
    false_alarms: int
    dispatches: int
    police_calls: int
    over_threshold: bool = False
    subscriber: str = ""  # per premises only: the subscriber's name and the panel account
    account: str = ""

    @property
    def false_alarm_rate(self) -> Decimal:
        """Per cent, one decimal, half up; 0 without activations."""
        if not self.activations:
            return Decimal("0.0")
        rate = Decimal(self.false_alarms * 100) / Decimal(self.activations)
        return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Scorecards:
    since: dt.datetime
    until: dt.datetime
    threshold: int
    premises: list[Card]
    areas: list[Card]
    installers: list[Card] = field(default_factory=list)


def area_of(address: str) -> str | None:
    prefecture = prefecture_of(address)
    return f"{prefecture}{municipality_of(address) or ''}" if prefecture else None


def tally(
    activations: Iterable[Activation], threshold: int, since: dt.datetime, until: dt.datetime
) -> Scorecards:
    """Pure: the cards from the period's activations, worst false-alarm count first."""
    by_premises: dict[int, list[Activation]] = defaultdict(list)
    by_area: dict[str, list[Activation]] = defaultdict(list)
    by_installer: dict[str, list[Activation]] = defaultdict(list)
    for a in activations:
        if a.premises_id is not None:
            by_premises[a.premises_id].append(a)
            by_installer[(a.installer or "").strip() or UNKNOWN_INSTALLER].append(a)
        by_area[area_of(a.address) or UNKNOWN_AREA].append(a)

    def card(key: str, label: str, rows: list[Activation], flag: bool) -> Card:
        false_alarms = sum(r.false_alarm for r in rows)
        return Card(
            key,
            label,
            len(rows),
            false_alarms,
            sum(r.dispatched for r in rows),
            sum(r.police for r in rows),
            flag and false_alarms >= threshold,
            rows[0].subscriber if flag else "",
            rows[0].account if flag else "",
        )

    premises = [card(str(p), rows[0].address, rows, True) for p, rows in by_premises.items()]
    areas = [card(area, area, rows, False) for area, rows in by_area.items()]
    installers = [card(name, name, rows, False) for name, rows in by_installer.items()]
    order: Callable[[Card], tuple] = lambda c: (-c.false_alarms, -c.false_alarm_rate, c.key)  # noqa: E731
    return Scorecards(
        since, until, threshold, sorted(premises, key=order), sorted(areas, key=order),
        sorted(installers, key=order),
    )  # fmt: skip


async def scorecards(*, session: AsyncSession, now: dt.datetime, threshold: int) -> Scorecards:
    since = now - PERIOD
    dispatched = exists().where(Assignment.incident_id == Incident.id)
    police = exists().where(
        IncidentTask.incident_id == Incident.id,
        IncidentTask.agency == "police",
        IncidentTask.done_at.is_not(None),
    )
    rows = await session.execute(
        select(
            Incident.premises_id,
            Premises.address,
            Premises.installer,
            Subscriber.name,
            case((is_false_alarm(), True), else_=False),
            case((dispatched, True), else_=False),
            case((police, True), else_=False),
        )
        .outerjoin(Premises, Premises.id == Incident.premises_id)
        .outerjoin(Subscriber, Subscriber.id == Premises.subscriber_id)
        .where(
            Incident.opened_at >= since,
            Incident.opened_at <= now,
            Incident.service_type.in_(ACTIVATION_SERVICES),
        )
    )
    found = rows.all()
    # The premises' panel accounts (not the incidents' own: a signal of an unknown account has none).
    accounts: dict[int, list[str]] = defaultdict(list)
    ids = {r[0] for r in found if r[0] is not None}
    if ids:
        for premises_id, account in await session.execute(
            select(PanelAccount.premises_id, PanelAccount.account)
            .where(among(session, PanelAccount.premises_id, ids))
            .order_by(PanelAccount.account)
        ):
            accounts[premises_id].append(account)
    activations = [
        Activation(p, address or "", bool(f), bool(d), bool(c), installer, name or "", ", ".join(accounts[p]))
        for p, address, installer, name, f, d, c in found
    ]
    return tally(activations, threshold, since, now)


async def raise_review_tasks(*, session: AsyncSession, cards: Scorecards, now: dt.datetime) -> list[int]:
    """A "false-alarm review" equipment incident for each premises over the threshold (once a Tokyo
    month); returns the premises for which one was raised now. Not committed."""
    why = {
        int(c.key): f"{c.false_alarms} false alarms of {c.activations} alarms in 12 months"
        for c in cards.premises
        if c.over_threshold
    }
    return await service_tasks.raise_once(
        session=session, why=why, key="false-alarm-review", code="FAR", description=REVIEW, now=now
    )


HEADERS = {
    "premises": (N_("Premises"), N_("Address")),
    "area": (N_("Area"), N_("Area")),
    "installer": (N_("Installer"), N_("Installer")),
}
COLUMNS = (
    N_("Activations"),
    N_("False alarms"),
    N_("False-alarm rate (%)"),
    N_("Dispatches"),
    N_("Police calls"),
    N_("Over the threshold"),
)


def csv_bytes(cards: Scorecards, gettext: Callable[[str], str]) -> bytes:
    """Both tables in one CSV, UTF-8 with a byte-order mark (Excel), headers in the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for kind, rows in (("premises", cards.premises), ("area", cards.areas), ("installer", cards.installers)):
        key, label = HEADERS[kind]
        writer.writerow([gettext(key), gettext(label), *(gettext(c) for c in COLUMNS)])
        for c in rows:
            writer.writerow(
                [
                    gettext(c.key) if c.key in UNKNOWN else c.key,
                    gettext(c.label) if c.label in UNKNOWN else c.label,
                    c.activations,
                    c.false_alarms,
                    c.false_alarm_rate,
                    c.dispatches,
                    c.police_calls,
                    gettext("yes") if c.over_threshold else "",
                ]
            )
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
