"""Minutes down per path per Tokyo calendar month, and the CSV a Japanese Excel opens as it is."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from decimal import Decimal

import pytest

from control_center.core.timezones import TOKYO
from control_center.signals import panel_paths
from control_center.signals.link_supervision import sweep
from control_center.signals.panel_paths import minutes_down, month_bounds
from control_center.signals.path_rules import Category, Channel, Role, rule
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols.panel_signal import PanelSignal
from simulators.demo.subscribers import seed


def jst(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


def test_month_bounds_are_tokyo_midnights() -> None:
    start, end = month_bounds("2026-12")
    assert start == jst(1, 0, month=12) and end == dt.datetime(2027, 1, 1, tzinfo=TOKYO)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
    for wrong in ("2026-13", "2026-1", "2026-00", "26-11", "2026-11-01"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            month_bounds(wrong)


def test_minutes_down_clips_to_the_month_merges_overlaps_and_rounds_up() -> None:
    start, end = month_bounds("2026-11")
    now = jst(30, 12)
    intervals = [
        (dt.datetime(2026, 10, 31, 23, 30, tzinfo=TOKYO), jst(1, 0, 20)),  # 20 minutes inside November
        (jst(3, 10), jst(3, 10, 30)),
        (jst(3, 10, 10), jst(3, 10, 40)),  # overlaps the one before: 40 minutes in all
        (jst(5, 9), jst(5, 9, 0) + dt.timedelta(seconds=61)),  # 61 s → 2 minutes
    ]
    assert minutes_down(intervals, start, end, now) == 20 + 40 + 2
    assert minutes_down([(jst(30, 11), None)], start, end, now) == 60  # still open: until now


T0 = dt.datetime(2026, 11, 10, 3, 0, tzinfo=dt.UTC)


def poll(at: dt.datetime, transport: str) -> Received:
    return Received(
        transport, "test", b"", at, PanelSignal("1001", f"p-{transport}-{at.timestamp()}", at, None)
    )


async def test_an_outage_is_recorded_per_path_and_exported(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=2)
        await panel_paths.commission(session=session, account="1001", category=Category.DP3,
                                     primary=Channel.IP, backup=Channel.CELLULAR, now=T0)  # fmt: skip
        await session.commit()
    ingest = Ingest(sessions)
    await ingest.store([poll(T0, "dc09_tcp"), poll(T0, "mqtt")])
    ip = rule(Category.DP3, Role.PRIMARY)
    async with sessions() as session:
        assert await sweep(session=session, now=T0 + dt.timedelta(seconds=ip.overdue_seconds + 1)) == ["1001"]
    await ingest.store([poll(T0 + dt.timedelta(minutes=45), "dc09_tcp")])  # down from T0: 45 minutes
    async with sessions() as session:
        rows = await panel_paths.availability(session=session, month="2026-11", now=jst(30, 12))
    assert [(r.account, r.role, r.channel, r.outages, r.minutes_down) for r in rows] == [
        ("1001", "primary", "ip", 1, 45), ("1001", "backup", "cellular", 0, 0)
    ]  # fmt: skip
    data = panel_paths.availability_csv("2026-11", rows)
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["month_jst", "account", "path"]
    assert table[1][:7] == ["2026-11", "1001", "primary", "ip", "DP3", "1", "45"]
    # 45 minutes of the 20 days supervised so far (commissioned on the 10th at 12:00 JST), by the second.
    assert table[1][7] == "99.844"


async def test_a_month_before_the_path_existed_has_no_figure_and_seconds_count_exactly(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
        await panel_paths.commission(session=session, account="1001", category=Category.SP4,
                                     primary=Channel.IP, backup=None, now=T0)  # fmt: skip
        await session.commit()
    ingest = Ingest(sessions)
    await ingest.store([poll(T0, "dc09_tcp")])
    sp4 = rule(Category.SP4, Role.PRIMARY)
    async with sessions() as session:
        lost = T0 + dt.timedelta(seconds=sp4.overdue_seconds + 1)
        assert await sweep(session=session, now=lost) == ["1001"]
    back = T0 + dt.timedelta(seconds=sp4.overdue_seconds + 61)
    await ingest.store([poll(back, "dc09_tcp")])
    now = jst(30, 12)
    async with sessions() as session:
        (october,) = await panel_paths.availability(session=session, month="2026-10", now=now)
        (november,) = await panel_paths.availability(session=session, month="2026-11", now=now)
    assert (october.availability_percent, october.note) == (None, panel_paths.NOTE_NOT_SUPERVISED)
    csv_row = panel_paths.availability_csv("2026-10", [october]).decode("utf-8-sig").splitlines()[1]
    assert csv_row.split(",")[7] == ""  # no figure, not 100.000
    # Down from the last check-in (T0) to the restore; supervised from T0 to now; by the second.
    down = (back - T0).total_seconds()
    supervised = (now - T0).total_seconds()
    expected = (Decimal(supervised - down) / Decimal(supervised) * 100).quantize(Decimal("0.001"))
    assert november.availability_percent == expected
    assert november.minutes_down == math.ceil(down / 60)
