"""A panel's supervised paths: commissioning them, and the minutes each was down per month.

Commissioning writes each path with the figures of its category (``path_rules``) and starts its clock
(the first check-in is due within the overdue time); the panel-wide deadline is cleared, since the
paths now supervise it; outages of the replaced paths end there. Availability (what centers measure
and log per path, DIN VDE V 0827-11) is the minutes down per path and calendar month in Asia/Tokyo,
from ``path_outages``: an outage counts from the last check-in heard until the check-in that restored
it (still open: until now), rounded up to whole minutes. The CSV opens in a Japanese Excel as it is:
UTF-8 with a BOM, CRLF line ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.timezones import TOKYO
from control_center.signals.path_rules import Category, Channel, Role, check_layout, rule
from control_center.subscribers.models import PanelAccount, PanelPath, PathOutage


class PathsRefused(ValueError):
    """The paths asked for do not fit (unknown account, category and paths disagree)."""


@dataclass(frozen=True, slots=True)
class PathSpec:
    role: Role
    channel: Channel


async def commission(
    *,
    session: AsyncSession,
    account: str,
    category: Category,
    primary: Channel,
    backup: Channel | None,
    now: dt.datetime,
) -> list[PanelPath]:
    """Set the panel's paths (replacing any); the caller commits. Raises ``PathsRefused``."""
    if (why := check_layout(category, primary, backup)) is not None:
        raise PathsRefused(why)
    panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    if panel is None:
        raise PathsRefused(f"no panel account {account!r}")
    await session.execute(delete(PanelPath).where(PanelPath.account == account))
    # Outages of the paths replaced end now, with no restore signal: an open incident stays for the
    # operator, and the availability report does not count a path that no longer exists as down.
    await session.execute(
        update(PathOutage)
        .where(PathOutage.account == account, PathOutage.restored_at.is_(None))
        .values(restored_at=now)
    )
    specs = [PathSpec(Role.PRIMARY, primary)] + ([PathSpec(Role.BACKUP, backup)] if backup else [])
    paths = []
    for spec in specs:
        r = rule(category, spec.role)
        path = PanelPath(
            account=account,
            role=spec.role.value,
            channel=spec.channel.value,
            category=category.value,
            reporting_seconds=r.reporting_seconds,
            poll_seconds=r.poll_seconds,
            overdue_seconds=r.overdue_seconds,
            deadline=int(now.timestamp()) + r.overdue_seconds,
            commissioned_at=now,
        )
        session.add(path)
        paths.append(path)
    # The paths supervise the panel now; a panel-wide deadline beside them would raise twice.
    await session.execute(
        update(PanelAccount)
        .where(PanelAccount.account == account)
        .values(check_in_seconds=None, check_in_deadline=None, link_lost_at=None)
    )
    await session.flush()
    return paths


async def paths_of(*, session: AsyncSession, account: str) -> list[PanelPath]:
    rows = await session.scalars(select(PanelPath).where(PanelPath.account == account).order_by(PanelPath.id))
    return list(rows)


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` → its first and the next month's first instant, Asia/Tokyo, as aware datetimes."""
    try:
        year, number = (int(part) for part in month.split("-"))
        start = dt.datetime(year, number, 1, tzinfo=TOKYO)
    except ValueError:
        raise ValueError(f"not a month (YYYY-MM): {month!r}") from None
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=TOKYO)
    return start, end


def minutes_down(
    intervals: Iterable[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, end: dt.datetime,
    now: dt.datetime,
) -> int:  # fmt: skip
    """Minutes of [start, end) covered by the intervals (an open one runs until ``now``), overlaps
    counted once, rounded up."""
    clipped = sorted((max(since, start), min(until or now, end)) for since, until in intervals)
    total = dt.timedelta()
    current: tuple[dt.datetime, dt.datetime] | None = None
    for a, b in clipped:
        if b <= a:
            continue
        if current is None or a > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (a, b)
        else:
            current = (current[0], max(current[1], b))
    if current is not None:
        total += current[1] - current[0]
    return math.ceil(total.total_seconds() / 60)


@dataclass(frozen=True, slots=True)
class PathMonth:
    account: str
    role: str
    channel: str
    category: str
    outages: int
    minutes_down: int
    availability_percent: Decimal  # of the month's minutes (of the minutes so far, for this month)


async def availability(*, session: AsyncSession, month: str, now: dt.datetime) -> list[PathMonth]:
    """Each commissioned path's outages and minutes down in the Tokyo calendar month."""
    start, end = month_bounds(month)
    paths = list(await session.scalars(select(PanelPath).order_by(PanelPath.account, PanelPath.id)))
    outages: dict[tuple[str, str | None], list[tuple[dt.datetime, dt.datetime | None]]] = {}
    query = select(PathOutage).where(
        PathOutage.path_id.is_not(None),
        PathOutage.since < end,
        (PathOutage.restored_at.is_(None)) | (PathOutage.restored_at > start),
    )
    for outage in await session.scalars(query):
        outages.setdefault((outage.account, outage.channel), []).append((outage.since, outage.restored_at))
    span = max(dt.timedelta(), min(end, now) - start)
    span_minutes = Decimal(math.ceil(span.total_seconds() / 60))
    result = []
    for path in paths:
        intervals = outages.get((path.account, path.channel), [])
        down = minutes_down(intervals, start, end, now)
        percent = (
            ((span_minutes - down) / span_minutes * 100).quantize(Decimal("0.001"))
            if span_minutes
            else Decimal("100.000")
        )
        result.append(
            PathMonth(path.account, path.role, path.channel, path.category, len(intervals), down, percent)
        )
    return result


def availability_csv(month: str, rows: Iterable[PathMonth]) -> bytes:
    """Excel-friendly CSV: UTF-8 with BOM, CRLF, one row per path."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month_jst", "account", "path", "channel", "category", "outages", "minutes_down",
                     "availability_percent"])  # fmt: skip
    for r in rows:
        writer.writerow([month, r.account, r.role, r.channel, r.category, r.outages, r.minutes_down,
                         r.availability_percent])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")
