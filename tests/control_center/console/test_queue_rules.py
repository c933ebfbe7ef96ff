"""The queue's rules as tables: one row per premises with its most urgent incident on top, the SLA state
of a wait (warn / late from receipt until claimed), and the settings that configure it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from control_center.console.queue_rules import (
    PRIORITY_MARKS,
    group_by_premises,
    incident_sla,
    sla_state,
)
from control_center.core.settings import Settings
from control_center.signals.service_types import Priority

T0 = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)


@dataclass
class Inc:
    id: int
    premises_id: int | None
    service_type: str = "A"
    priority: int = 2
    opened_s: int = 0  # seconds after T0
    account: str = "1001"
    claimed_at: dt.datetime | None = None
    alarm_level: int | None = None

    @property
    def opened_at(self) -> dt.datetime:
        return T0 + dt.timedelta(seconds=self.opened_s)


def shape(incidents: list[Inc]) -> list[tuple[str, int, list[int]]]:
    return [(row.key, row.head.id, [o.id for o in row.others]) for row in group_by_premises(incidents)]


@pytest.mark.parametrize(
    ("incidents", "rows"),
    [
        ([], []),
        ([Inc(1, 10)], [("p10", 1, [])]),
        # Two signals' incidents of one premises: one row, the fire (P1) on top though it came later.
        (
            [Inc(1, 10, "A", 2, 0), Inc(2, 10, "B", 1, 5)],
            [("p10", 2, [1])],
        ),
        # Same priority: the one waiting longest leads its premises.
        ([Inc(3, 10, "A", 2, 9), Inc(4, 10, "H", 2, 1)], [("p10", 4, [3])]),
        # Rows ordered by their head: a premises with a P1 before one with only older P2s.
        (
            [Inc(1, 10, "A", 2, 0), Inc(2, 20, "G", 4, 1), Inc(3, 20, "D", 1, 30), Inc(4, 30, "A", 2, 2)],
            [("p20", 3, [2]), ("p10", 1, []), ("p30", 4, [])],
        ),
        # Unregistered accounts have no premises: grouped per account, never with each other.
        (
            [Inc(1, None, account="9001"), Inc(2, None, account="9002"), Inc(3, None, account="9001")],
            [("a9001", 1, [3]), ("a9002", 2, [])],
        ),
        # Same moment, same priority: the first opened leads (a stable order across refreshes).
        ([Inc(8, 10), Inc(7, 10)], [("p10", 7, [8])]),
        # Same priority: a confirmed threat to life (a duress, level 4) before an older alarm nobody has
        # confirmed (level 1); an incident not yet assessed counts as level 1.
        (
            [
                Inc(1, 10, "D", 1, 0, alarm_level=1),
                Inc(2, 20, "C", 1, 30, alarm_level=4),
                Inc(3, 30, "B", 1, 5),
            ],
            [("p20", 2, []), ("p10", 1, []), ("p30", 3, [])],
        ),
        # The level never jumps a priority: a level-4 P2 stays below a level-1 P1.
        (
            [Inc(1, 10, "D", 1, 9, alarm_level=1), Inc(2, 20, "A", 2, 0, alarm_level=4)],
            [("p10", 1, []), ("p20", 2, [])],
        ),
    ],
)
def test_one_row_per_premises_most_urgent_first(incidents: list[Inc], rows) -> None:
    assert shape(incidents) == rows


def test_a_row_counts_its_incidents() -> None:
    (row,) = group_by_premises([Inc(1, 10), Inc(2, 10), Inc(3, 10)])
    assert row.count == 3


@pytest.mark.parametrize(
    ("waited", "limits", "claimed", "state"),
    [
        (0, (30, 60), False, "ok"),
        (29.9, (30, 60), False, "ok"),
        (30, (30, 60), False, "warn"),
        (59, (30, 60), False, "warn"),
        (60, (30, 60), False, "late"),
        (86_400, (30, 60), False, "late"),
        (86_400, (30, 60), True, "claimed"),  # measured until claimed: out of the SLA then
        (5, None, False, "none"),  # a service without limits has no colour
        (-3, (30, 60), False, "ok"),  # a panel clock a little ahead never counts as late
    ],
)
def test_sla_state(waited: float, limits, claimed: bool, state: str) -> None:
    assert sla_state(waited, limits, claimed=claimed) == state


def test_the_sla_of_an_incident_uses_its_service_limits() -> None:
    limits = {"B": (30, 60), "A": (60, 120)}
    fire, burglary = Inc(1, 10, "B", 1), Inc(2, 11, "A", 2)
    at_45s = T0 + dt.timedelta(seconds=45)
    assert incident_sla(fire, limits, at_45s) == "warn"
    assert incident_sla(burglary, limits, at_45s) == "ok"
    fire.claimed_at = T0 + dt.timedelta(seconds=20)
    assert incident_sla(fire, limits, at_45s) == "claimed"
    assert incident_sla(Inc(3, 12, "G", 4), limits, at_45s) == "none"


def test_default_sla_settings_and_override_from_the_environment(monkeypatch) -> None:
    defaults = Settings(_env_file=None).sla_seconds
    assert defaults["B"] == (30, 60)  # fire unclaimed: orange after 30 s, red after 60 s
    assert set(defaults) == set("ABCDEFGHI")
    assert all(warn < late for warn, late in defaults.values())
    monkeypatch.setenv("CC_SLA_SECONDS", '{"B": [10, 20]}')
    assert Settings(_env_file=None).sla_seconds == {"B": (10, 20)}


def test_every_priority_has_a_shape_of_its_own() -> None:
    assert set(PRIORITY_MARKS) == {p.value for p in Priority}
    assert len(set(PRIORITY_MARKS.values())) == len(PRIORITY_MARKS)
