"""The pure rules of monthly partitions and the 1-year retention (警備業法 art. 44 / 施行規則 art. 64)."""

from __future__ import annotations

import datetime as dt

import pytest

from control_center.core.partitions import (
    Month,
    RetentionError,
    check_retention,
    latest_archivable,
    month_of_partition,
    months_between,
    months_to_create,
    partition_name,
)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-11", Month(2026, 11)), (" 2025-01 ", Month(2025, 1)), ("1999-12", Month(1999, 12))],
)
def test_months_are_read_as_yyyy_mm(text: str, month: Month) -> None:
    assert Month.parse(text) == month


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", "2026-11-01", "'; DROP"]
)
def test_anything_else_is_refused_with_the_text(text: str) -> None:
    with pytest.raises(ValueError):
        Month.parse(text)


def test_ranges_are_utc_months_and_a_tokyo_time_falls_in_its_utc_month() -> None:
    november = Month(2026, 11)
    assert (november.start, november.end) == (at("2026-11-01T00:00+00:00"), at("2026-12-01T00:00+00:00"))
    assert Month(2026, 12).end == at("2027-01-01T00:00+00:00")
    # 1 December 08:00 in Tokyo is still 30 November in UTC.
    assert Month.of(at("2026-12-01T08:00+09:00")) == november
    with pytest.raises(ValueError):
        Month.of(dt.datetime(2026, 11, 1))  # noqa: DTZ001  # naive: no month in UTC


def test_partition_names_round_trip_and_only_their_own_table() -> None:
    name = partition_name("signals", Month(2026, 3))
    assert name == "signals_y2026m03"
    assert month_of_partition("signals", name) == Month(2026, 3)
    assert month_of_partition("signals", "signals_default") is None
    assert month_of_partition("incident_events", name) is None


def test_the_current_month_and_three_ahead_are_created_across_a_year_end() -> None:
    assert months_to_create(at("2026-11-30T23:59+00:00")) == [
        Month(2026, 11), Month(2026, 12), Month(2027, 1), Month(2027, 2)
    ]  # fmt: skip
    assert months_between(Month(2025, 11), Month(2026, 2)) == [
        Month(2025, 11),
        Month(2025, 12),
        Month(2026, 1),
    ]
    assert months_between(Month(2026, 2), Month(2026, 2)) == []


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        ("2026-11-24T12:00+00:00", Month(2025, 11)),  # rows before 2025-11-01 are all over a year old
        ("2026-11-01T00:00+00:00", Month(2025, 11)),
        ("2026-10-31T23:59:59+00:00", Month(2025, 10)),
        ("2028-02-29T00:00+00:00", Month(2027, 2)),  # a leap day
    ],
)
def test_the_newest_month_archivable_keeps_one_full_year(now: str, latest: Month) -> None:
    assert latest_archivable(at(now)) == latest
    check_retention(latest, at(now))  # allowed
    with pytest.raises(RetentionError, match=r"art\. 44"):
        check_retention(latest.next(), at(now))


def test_archiving_the_last_year_is_refused_with_the_month_allowed() -> None:
    with pytest.raises(RetentionError) as refused:
        check_retention(Month(2026, 6), at("2026-11-24T00:00+00:00"))
    assert "--before 2025-11" in str(refused.value)
