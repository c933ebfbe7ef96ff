"""The operator queue's rules, pure: one row per premises, the SLA state of a wait, the priority markers.

The queue's script (static/queue.js) repeats ``sla_state`` every second in the browser so the colours
move with the ticking timer; the two must agree (tests/control_center/console/test_queue_rules.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

SlaState = Literal["ok", "warn", "late", "claimed", "none"]

# Priorities told apart without colour (WCAG 1.4.1): a shape and the number, besides the row's colour.
PRIORITY_MARKS: dict[int, str] = {1: "▲", 2: "◆", 3: "●", 4: "■", 9: "○"}


class Queued(Protocol):
    """What the rules read of an incident (``control_center.incidents.models.Incident`` has it)."""

    id: int
    service_type: str
    premises_id: int | None
    account: str
    priority: int
    opened_at: dt.datetime
    claimed_at: dt.datetime | None
    alarm_level: int | None


T = TypeVar("T", bound=Queued)


@dataclass(frozen=True)
class QueueRow(Generic[T]):
    """One premises: its most urgent incident is the row, the rest are listed under it."""

    key: str  # stable across refreshes (the row keeps its focus): the premises, else the account
    head: T
    others: tuple[T, ...]

    @property
    def count(self) -> int:
        return 1 + len(self.others)


def urgency(incident: Queued) -> tuple[int, int, dt.datetime, int]:
    """Most urgent first: priority, then the alarm level (AVS-01: a confirmed threat to life before an
    alarm nobody has confirmed, e.g. a duress ahead of an older unconfirmed medical alarm), then the
    longest waiting, then the first opened."""
    level = incident.alarm_level if incident.alarm_level is not None else 1
    return (incident.priority, -level, incident.opened_at, incident.id)


def group_key(incident: Queued) -> str:
    """An unregistered account has no premises: its account stands for it."""
    if incident.premises_id is not None:
        return f"p{incident.premises_id}"
    return f"a{incident.account}"


def group_by_premises(incidents: Iterable[T]) -> list[QueueRow[T]]:
    """One row per premises, rows and the incidents in each ordered by ``urgency``."""
    groups: dict[str, list[T]] = {}
    for incident in incidents:
        groups.setdefault(group_key(incident), []).append(incident)
    rows = []
    for key, members in groups.items():
        members.sort(key=urgency)
        rows.append(QueueRow(key=key, head=members[0], others=tuple(members[1:])))
    rows.sort(key=lambda row: urgency(row.head))
    return rows


def sla_state(waited_seconds: float, limits: tuple[int, int] | None, *, claimed: bool) -> SlaState:
    """Measured from receipt until someone claims it: ``warn`` from the first limit, ``late`` from the
    second; a claimed incident is out of the SLA, a service without limits has none."""
    if claimed:
        return "claimed"
    if limits is None:
        return "none"
    warn, late = limits
    if waited_seconds >= late:
        return "late"
    if waited_seconds >= warn:
        return "warn"
    return "ok"


def limits_for(service: str, configured: Mapping[str, tuple[int, int]]) -> tuple[int, int] | None:
    """The (warn, late) seconds of a service letter from the settings (``sla_seconds``)."""
    return configured.get(service)


def incident_sla(incident: Queued, configured: Mapping[str, tuple[int, int]], now: dt.datetime) -> SlaState:
    waited = (now - incident.opened_at).total_seconds()
    limits = limits_for(incident.service_type, configured)
    return sla_state(waited, limits, claimed=incident.claimed_at is not None)


QUEUE_SENTENCE_MAX = 30  # characters of the level's sentence in a queue row (1920×1080: one or two lines)


def shorten(text: str, limit: int = QUEUE_SENTENCE_MAX) -> str:
    """The level's sentence as the queue row shows it (issue 18): whole when it fits, else cut with "…"
    (the row keeps the full text in its title and for screen readers)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip(" 、,;；") + "…"
