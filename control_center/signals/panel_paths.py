"""A panel's supervised paths: commissioning them, and the time each was down per month.

Commissioning writes each path with the figures of its category (``path_rules``) and starts its clock
(the first check-in is due within the overdue time); the panel-wide deadline is cleared, since the
paths now supervise it. Reconfiguring keeps what was heard and lost (see ``commission``).

Availability (what centers measure and log per path, DIN VDE V 0827-11) is per path and calendar month
in Asia/Tokyo, from ``path_outages``: an outage counts from the last check-in heard until the check-in
that restored it (still open: until now). Minutes down are rounded up; the percentage is of exact
seconds, over the part of the month the path was supervised (from its commissioning, until now for the
current month): a month before the path existed has no figure, not 100 %. A removed path keeps its row
with its outages, noted. The CSV opens in a Japanese Excel as it is: UTF-8 with a BOM, CRLF line ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
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
    """Set the panel's paths (replacing any); the caller commits. Raises ``PathsRefused``.

    Reconfiguring keeps history and never declares a path up that has not checked in: a path kept (same
    channel) keeps its row, its last check-in, its lost state and its open outage, which only a real
    check-in restores (``link_supervision._path_check_ins``); a removed path's open outage is closed now
    with no restore signal (its incident stays for the operator; the availability CSV notes it); a panel
    whose every path is lost (F) stays so, its new paths starting lost, until a check-in on one of them.
    """
    if (why := check_layout(category, primary, backup)) is not None:
        raise PathsRefused(why)
    panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    if panel is None:
        raise PathsRefused(f"no panel account {account!r}")
    specs = [PathSpec(Role.PRIMARY, primary)] + ([PathSpec(Role.BACKUP, backup)] if backup else [])
    wanted = {spec.channel.value for spec in specs}
    rows = await session.scalars(select(PanelPath).where(PanelPath.account == account))
    existing = {p.channel: p for p in rows}
    removed = [p for channel, p in existing.items() if channel not in wanted]
    if removed:
        await session.execute(
            update(PathOutage)
            .where(PathOutage.path_id.in_([p.id for p in removed]), PathOutage.restored_at.is_(None))
            .values(restored_at=now)  # no restore_message_id: closed by the reconfiguration, not a check-in
        )
        await session.execute(delete(PanelPath).where(PanelPath.id.in_([p.id for p in removed])))
        await session.flush()  # the (account, role) of a removed path may be taken below
    all_lost = await session.scalar(
        select(PathOutage.id).where(
            PathOutage.account == account, PathOutage.path_id.is_(None), PathOutage.restored_at.is_(None)
        )
    )
    # A kept path changing role (primary and backup swapped) is written again under its own id, so its
    # outages still name it: uq(account, role) allows no swap in place.
    moved = [p for spec in specs if (p := existing.get(spec.channel.value)) and p.role != spec.role.value]
    for path in moved:
        await session.delete(path)
    await session.flush()
    paths = []
    for spec in specs:
        r = rule(category, spec.role)
        path = existing.get(spec.channel.value)
        if path is None:
            path = PanelPath(account=account, channel=spec.channel.value, commissioned_at=now,
                             lost_at=now if all_lost is not None else None)  # fmt: skip
            session.add(path)
        elif path in moved:
            path = PanelPath(id=path.id, account=account, channel=path.channel,
                             commissioned_at=path.commissioned_at, last_check_in_at=path.last_check_in_at,
                             lost_at=path.lost_at)  # fmt: skip
            session.add(path)
        heard = path.last_check_in_at or now  # the clock runs from the last check-in, or from now
        path.role = spec.role.value
        path.category = category.value
        path.reporting_seconds, path.poll_seconds = r.reporting_seconds, r.poll_seconds
        path.overdue_seconds = r.overdue_seconds
        path.deadline = int(heard.timestamp()) + r.overdue_seconds
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


_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` (exactly: ``2026-1`` is refused) → its first and the next month's first instant,
    Asia/Tokyo, as aware datetimes."""
    m = _MONTH.fullmatch(month)
    if m is None:
        raise ValueError(f"not a month (YYYY-MM, e.g. 2026-01): {month!r}")
    year, number = int(m.group(1)), int(m.group(2))
    start = dt.datetime(year, number, 1, tzinfo=TOKYO)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=TOKYO)
    return start, end


def seconds_down(
    intervals: Iterable[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, end: dt.datetime,
    now: dt.datetime,
) -> int:  # fmt: skip
    """Seconds of [start, end) covered by the intervals (an open one runs until ``now``), overlaps
    counted once."""
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
    return math.ceil(total.total_seconds())


def minutes_down(
    intervals: Iterable[tuple[dt.datetime, dt.datetime | None]], start: dt.datetime, end: dt.datetime,
    now: dt.datetime,
) -> int:  # fmt: skip
    """Minutes of [start, end) covered by the intervals (:func:`seconds_down`), rounded up."""
    return math.ceil(seconds_down(intervals, start, end, now) / 60)


def availability_percent(down_seconds: int, supervised_seconds: int) -> Decimal | None:
    """Up time as a percentage of the supervised seconds, to 0.001; None when nothing was supervised."""
    if supervised_seconds <= 0:
        return None
    return (Decimal(supervised_seconds - down_seconds) / supervised_seconds * 100).quantize(Decimal("0.001"))


NOTE_REMOVED = "path removed by reconfiguration; its open outage closed then, without a check-in"
NOTE_NOT_SUPERVISED = "not supervised in this month (no figure)"


@dataclass(frozen=True, slots=True)
class PathMonth:
    account: str
    role: str
    channel: str
    category: str
    outages: int
    minutes_down: int
    # Of the seconds supervised in the month (until now, for this month); None: no figure.
    availability_percent: Decimal | None
    note: str = ""


async def availability(*, session: AsyncSession, month: str, now: dt.datetime) -> list[PathMonth]:
    """Each path's outages and time down in the Tokyo calendar month: the commissioned paths, then the
    removed ones that were down in it."""
    start, end = month_bounds(month)
    paths = list(await session.scalars(select(PanelPath).order_by(PanelPath.account, PanelPath.id)))
    by_path: dict[int, list[PathOutage]] = {}
    query = select(PathOutage).where(
        PathOutage.path_id.is_not(None),
        PathOutage.since < end,
        (PathOutage.restored_at.is_(None)) | (PathOutage.restored_at > start),
    )
    for outage in await session.scalars(query.order_by(PathOutage.account, PathOutage.id)):
        by_path.setdefault(outage.path_id or 0, []).append(outage)
    result = []
    for path in paths:
        intervals = [(o.since, o.restored_at) for o in by_path.pop(path.id, [])]
        watched_from, watched_until = max(start, path.commissioned_at), min(end, now)
        supervised = max(0, math.floor((watched_until - watched_from).total_seconds()))
        down = seconds_down(intervals, watched_from, end, now)
        percent = availability_percent(down, supervised)
        note = "" if percent is not None else NOTE_NOT_SUPERVISED
        result.append(PathMonth(path.account, path.role, path.channel, path.category, len(intervals),
                                minutes_down(intervals, start, end, now), percent, note))  # fmt: skip
    for outages in by_path.values():  # paths removed since: their outages stay in the report
        first = outages[0]
        intervals = [(o.since, o.restored_at) for o in outages]
        result.append(PathMonth(first.account, first.role or "", first.channel or "", "", len(outages),
                                minutes_down(intervals, start, end, now), None, NOTE_REMOVED))  # fmt: skip
    return result


def availability_csv(month: str, rows: Iterable[PathMonth]) -> bytes:
    """Excel-friendly CSV: UTF-8 with BOM, CRLF, one row per path; an empty percentage is no figure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month_jst", "account", "path", "channel", "category", "outages", "minutes_down",
                     "availability_percent", "note"])  # fmt: skip
    for r in rows:
        percent = "" if r.availability_percent is None else r.availability_percent
        writer.writerow([month, r.account, r.role, r.channel, r.category, r.outages, r.minutes_down,
                         percent, r.note])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")
