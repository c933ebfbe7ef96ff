"""``control-center panels paths ACCOUNT …`` (commission a panel's supervised paths and their EN 50136-1
category, or show them) and ``control-center panels availability --month YYYY-MM`` (minutes down per
path in that Tokyo month, as an Excel-friendly CSV). Rules: ``control_center/signals/path_rules.py``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from control_center.cli.process import center_command, database_session
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.signals import panel_paths
from control_center.signals.path_rules import Category, Channel, Role, rule, sweep_fast_enough
from control_center.subscribers.models import PanelPath

SHELL = "shell"  # the actor recorded in the audit log
CHANNELS = ", ".join(c.value for c in Channel)
CATEGORIES = ", ".join(c.value for c in Category)


def add_parser(panels_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds ``paths`` and ``availability`` to the ``panels`` command's subcommands."""
    paths = panels_sub.add_parser(
        "paths",
        help="set a panel's supervised paths and their EN 50136-1 category (SP1–SP6, DP1–DP4), or show them",
        description="e.g. `panels paths 1001 --primary ip:DP3 --backup cellular`, "
        "`panels paths 1002 --primary cellular:SP3`; without --primary: show the paths.",
    )
    paths.add_argument("account")
    paths.add_argument("--primary", metavar="CHANNEL[:CATEGORY]", help=f"channel: {CHANNELS}")
    paths.add_argument("--backup", metavar="CHANNEL", help="the alternative path of a DP category")
    paths.add_argument("--category", help=f"one of {CATEGORIES} (or after the primary's channel)")
    paths.set_defaults(handler=center_command(_paths))
    report = panels_sub.add_parser(
        "availability", help="minutes down per path in a Tokyo calendar month, CSV (UTF-8 with BOM)"
    )
    report.add_argument("--month", required=True, help="YYYY-MM (Asia/Tokyo)")
    report.add_argument("--out", help="write the CSV to this file (default: standard output)")
    report.set_defaults(handler=center_command(_availability))


def _parse(args: argparse.Namespace) -> tuple[Category, Channel, Channel | None]:
    primary_text, _, category_text = args.primary.partition(":")
    category_text = args.category or category_text
    if not category_text:
        raise ValueError(f"give the category: --category or --primary CHANNEL:CATEGORY ({CATEGORIES})")
    try:
        category = Category(category_text.upper())
    except ValueError:
        raise ValueError(f"unknown category {category_text!r}: one of {CATEGORIES}") from None
    try:
        primary = Channel(primary_text.lower())
        backup = Channel(args.backup.lower()) if args.backup else None
    except ValueError as exc:
        raise ValueError(f"unknown channel ({exc}): one of {CHANNELS}") from None
    return category, primary, backup


async def _paths(settings: Settings, args: argparse.Namespace) -> int:
    now = utcnow()
    async with database_session(settings, migrate=True) as session:
        if args.primary is not None:
            try:
                category, primary, backup = _parse(args)
                await panel_paths.commission(
                    session=session, account=args.account, category=category, primary=primary,
                    backup=backup, now=now,
                )  # fmt: skip
            except (ValueError, panel_paths.PathsRefused) as exc:
                print(exc, file=sys.stderr)
                return 2
            detail = f"{category} primary={primary}" + (f" backup={backup}" if backup else "")
            audit.changed(session, SHELL, f"panel:{args.account}", f"paths {detail}", at=now)
            await session.commit()
        paths = await panel_paths.paths_of(session=session, account=args.account)
    if not paths:
        print(f"{args.account}: no paths commissioned (supervised by its check-in interval, if any)")
        return 0
    print(f"{'path':8} {'channel':9} {'category':8} {'poll_s':>8} {'overdue_s':>9} {'report_s':>9}  state")
    for p in paths:
        state = _state(p)
        print(f"{p.role:8} {p.channel:9} {p.category:8} {p.poll_seconds:>8} {p.overdue_seconds:>9} "
              f"{p.reporting_seconds:>9}  {state}")  # fmt: skip
        every = settings.supervision_sweep_seconds
        if not sweep_fast_enough(rule(Category(p.category), Role(p.role)), every):
            print(
                f"warning: CC_SUPERVISION_SWEEP_SECONDS={every:g} is too slow to report the {p.role} path"
                f" within {p.reporting_seconds} s; set it to 1",
                file=sys.stderr,
            )
    print("The panel must check in on each path at least every poll_s seconds.", file=sys.stderr)
    return 0


def _state(path: PanelPath) -> str:
    """Up only once heard: a path commissioned (or reconfigured) without a check-in is not known up."""
    if path.lost_at is not None:
        return f"lost since {path.lost_at:%Y-%m-%d %H:%M:%S}Z"
    due = dt.datetime.fromtimestamp(path.deadline, dt.UTC)
    if path.last_check_in_at is None:
        return f"not heard yet (first check-in due by {due:%Y-%m-%d %H:%M:%S}Z)"
    return f"up (last check-in {path.last_check_in_at:%Y-%m-%d %H:%M:%S}Z)"


async def _availability(settings: Settings, args: argparse.Namespace) -> int:
    now = utcnow()
    try:
        start, _ = panel_paths.month_bounds(args.month)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if start > now:
        print(f"{args.month} has not begun (Asia/Tokyo): no availability to report", file=sys.stderr)
        return 2
    async with database_session(settings, migrate=True) as session:
        rows = await panel_paths.availability(session=session, month=args.month, now=now)
    data = panel_paths.availability_csv(args.month, rows)
    if args.out:
        Path(args.out).write_bytes(data)  # noqa: ASYNC240 (a short command; nothing else runs)
        print(f"{len(rows)} path(s) written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
