"""The EN 50136-1 categories as a table: reporting times, the poll interval and margin derived from them."""

from __future__ import annotations

import pytest

from control_center.signals.path_rules import (
    DAY,
    HOUR,
    MINUTE,
    TOLERATED_LOSSES,
    Category,
    Channel,
    Role,
    all_lost,
    channel_of,
    check_layout,
    path_loss_service,
    rule,
    sweep_fast_enough,
)
from control_center.signals.service_types import ServiceType

PATHS = [(c, Role.PRIMARY) for c in Category] + [(c, Role.BACKUP) for c in Category if c.dual]


@pytest.mark.parametrize(
    ("category", "role", "reporting"),
    [
        (Category.SP1, Role.PRIMARY, 32 * DAY),
        (Category.SP2, Role.PRIMARY, 25 * HOUR),
        (Category.SP3, Role.PRIMARY, 60 * MINUTE),
        (Category.SP4, Role.PRIMARY, 180),
        (Category.SP5, Role.PRIMARY, 90),
        (Category.SP6, Role.PRIMARY, 20),
        (Category.DP1, Role.PRIMARY, 25 * HOUR),
        (Category.DP1, Role.BACKUP, 25 * HOUR),
        (Category.DP2, Role.PRIMARY, 60 * MINUTE),
        (Category.DP2, Role.BACKUP, 25 * HOUR),
        (Category.DP3, Role.PRIMARY, 180),
        (Category.DP3, Role.BACKUP, 25 * HOUR),
        (Category.DP4, Role.PRIMARY, 90),
        (Category.DP4, Role.BACKUP, 180),
    ],
    ids=str,
)
def test_reporting_time_by_category_and_path(category: Category, role: Role, reporting: int) -> None:
    assert rule(category, role).reporting_seconds == reporting


@pytest.mark.parametrize(("category", "role"), PATHS, ids=str)
def test_a_lost_path_is_reported_within_its_reporting_time_and_lost_polls_never_raise(
    category: Category, role: Role
) -> None:
    r = rule(category, role)
    assert r.overdue_seconds + r.detect_seconds == r.reporting_seconds
    # Two lost polls in a row, and the third late by the network, are still before the deadline.
    assert (TOLERATED_LOSSES + 1) * r.poll_seconds + 2 <= r.overdue_seconds
    assert r.margin_seconds >= TOLERATED_LOSSES * r.poll_seconds


def test_the_issue_example_grade_3_reports_in_180_s_and_polls_within_a_minute() -> None:
    r = rule(Category.DP3, Role.PRIMARY)
    assert r.reporting_seconds == 180 and r.poll_seconds <= 60 and r.overdue_seconds < 180


def test_dual_path_primary_and_backup_differ() -> None:
    for category in (Category.DP2, Category.DP3, Category.DP4):
        assert rule(category, Role.PRIMARY).poll_seconds < rule(category, Role.BACKUP).poll_seconds
    with pytest.raises(ValueError, match="single-path"):
        rule(Category.SP4, Role.BACKUP)


def test_the_layout_must_fit_the_category() -> None:
    assert check_layout(Category.DP3, Channel.IP, Channel.CELLULAR) is None
    assert check_layout(Category.SP2, Channel.CELLULAR, None) is None
    assert "backup" in (check_layout(Category.DP3, Channel.IP, None) or "")
    assert "single-path" in (check_layout(Category.SP4, Channel.IP, Channel.CELLULAR) or "")
    assert "different" in (check_layout(Category.DP1, Channel.IP, Channel.IP) or "")


def test_check_ins_are_attributed_by_transport() -> None:
    assert [channel_of(t) for t in ("dc09_tcp", "dc09_udp", "mqtt", "serial", "supervision")] == [
        Channel.IP, Channel.IP, Channel.CELLULAR, Channel.SERIAL, None
    ]  # fmt: skip


def test_one_path_of_several_is_g_the_only_or_every_path_is_f() -> None:
    assert path_loss_service(2) is ServiceType.EQUIPMENT
    assert path_loss_service(1) is ServiceType.LINE_CUT
    assert all_lost(2, [True, True]) and not all_lost(2, [True, False]) and not all_lost(1, [True])


def test_the_sweep_must_be_fast_enough_for_the_short_reporting_times() -> None:
    assert sweep_fast_enough(rule(Category.SP4, Role.PRIMARY), 5)
    assert not sweep_fast_enough(rule(Category.SP6, Role.PRIMARY), 5)
    assert sweep_fast_enough(rule(Category.SP6, Role.PRIMARY), 1)
