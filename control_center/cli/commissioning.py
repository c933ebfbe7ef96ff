"""``control-center panels zones|commission|test|test-end|installer ACCOUNT``: the technician's and the
administrator's commands for a panel's premises: its configured zones, commissioning (active only when
every zone has sent an alarm and a restore end to end), test mode (always with an end, at most 24 h) and
who installed it. The rules and the audit are in subscribers/commissioning.py and subscribers/test_mode.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.cli.process import center_command, database_session
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.core.settings import Settings
from control_center.subscribers import commissioning, test_mode
from control_center.subscribers.models import PanelAccount, Premises

SHELL = "shell"  # the actor recorded in the audit log


def add_parser(panels_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds the commissioning commands to the ``panels`` command's subcommands."""
    zones = panels_sub.add_parser("zones", help="set the configured zones of the account's premises")
    zones.add_argument("account")
    zones.add_argument("zones", help='"1:玄関,5:火災感知器" (zone number, then its name)')
    zones.set_defaults(handler=center_command(_zones))

    start = panels_sub.add_parser(
        "commission", help="start commissioning: signals are test results until every zone reported"
    )
    start.add_argument("account")
    start.add_argument("--status", action="store_true", help="only show which zones have reported")
    start.add_argument("--json", action="store_true")
    start.set_defaults(handler=center_command(_commission))

    test = panels_sub.add_parser(
        "test", help="put the account's premises on test until an end (at most 24 h)"
    )
    test.add_argument("account")
    # Not argparse-required: a missing part gets a sentence saying what to give and why, not bare usage.
    end = test.add_mutually_exclusive_group()
    end.add_argument("--hours", type=float, help="the test ends by itself after HOURS")
    end.add_argument("--until", metavar="WHEN", help="… at WHEN, ISO 8601 with its offset")
    test.add_argument("--zones", default="", help='the zones under test, "1,5" (default: the whole premises)')
    test.add_argument("--technician", default="", help="who is on site (required)")
    test.add_argument("--reason", default="", help="why the premises goes on test (required)")
    test.set_defaults(handler=center_command(_test))

    test_end = panels_sub.add_parser("test-end", help="end the account's premises' running test now")
    test_end.add_argument("account")
    test_end.set_defaults(handler=center_command(_test_end))

    installer = panels_sub.add_parser("installer", help="record who installed the account's panel")
    installer.add_argument("account")
    installer.add_argument("name", help="company and technician, as on the installation report")
    installer.set_defaults(handler=center_command(_installer))


async def _premises_of(session: AsyncSession, account: str) -> int:
    premises_id = await session.scalar(
        select(PanelAccount.premises_id).where(PanelAccount.account == account)
    )
    if premises_id is None:
        raise Refused("no such account: %(account)s", account=account)
    return premises_id


def _refused(exc: Refused) -> int:
    print(exc, file=sys.stderr)
    return 2


async def _zones(settings: Settings, args: argparse.Namespace) -> int:
    async with database_session(settings, migrate=True) as session:
        try:
            premises_id = await _premises_of(session, args.account)
            zones = commissioning.parse_zones(args.zones)
            await commissioning.configure_zones(
                session=session, premises_id=premises_id, zones=zones, actor=SHELL, at=utcnow()
            )
            await session.commit()
        except Refused as exc:
            return _refused(exc)
    for zone, name in zones:
        print(f"zone {zone:>3}  {name}")
    return 0


async def _commission(settings: Settings, args: argparse.Namespace) -> int:
    async with database_session(settings, migrate=True) as session:
        try:
            premises_id = await _premises_of(session, args.account)
            if not args.status:
                await commissioning.start(session=session, premises_id=premises_id, actor=SHELL, at=utcnow())
                await session.commit()
            state = await commissioning.progress(session=session, premises_id=premises_id)
        except Refused as exc:
            return _refused(exc)
    if args.json:
        zones = [{"zone": z.zone, "name": z.name, "tested": z.tested} for z in state.zones]
        print(json.dumps({"status": state.status, "complete": state.complete, "zones": zones}))
        return 0
    print(f"status {state.status}")
    for z in state.zones:
        alarm = "alarm" if z.alarm_at else "-----"
        restore = "restore" if z.restore_at else "-------"
        print(f"zone {z.zone:>3}  {alarm} {restore}  {'ok' if z.tested else 'waiting'}  {z.name}")
    return 0


def missing_for_test(hours: float | None, until: str | None, technician: str, reason: str) -> list[str]:
    """Pure: what ``panels test`` still needs, each as the option to give and what it is for."""
    missing = []
    if hours is None and until is None:
        missing.append("--hours HOURS or --until WHEN (the test must end by itself)")
    if not technician.strip():
        missing.append("--technician NAME (who is on site)")
    if not reason.strip():
        missing.append("--reason TEXT (why the premises goes on test)")
    return missing


async def _test(settings: Settings, args: argparse.Namespace) -> int:
    missing = missing_for_test(args.hours, args.until, args.technician, args.reason)
    if missing:
        print(
            "panels test: not put on test, give " + "; ".join(missing)
            + ". Alarms on test are not worked, so each test names its end, its technician and its reason.",
            file=sys.stderr,
        )  # fmt: skip
        return 2
    now = utcnow()
    ends_at: dt.datetime | None
    try:
        ends_at = now + dt.timedelta(hours=args.hours) if args.hours is not None else None
        if args.until is not None:
            ends_at = dt.datetime.fromisoformat(args.until)
    except (ValueError, OverflowError):
        return _refused(Refused("give the end as HOURS or ISO 8601 with its offset"))
    async with database_session(settings, migrate=True) as session:
        try:
            premises_id = await _premises_of(session, args.account)
            zones = [z for z, _ in commissioning.parse_zones(args.zones)] if args.zones.strip() else None
            period = await test_mode.put_on_test(
                session=session, premises_id=premises_id, ends_at=ends_at, zones=zones, reason=args.reason,
                technician=args.technician, actor=SHELL, now=now,
            )  # fmt: skip
            await session.commit()
        except Refused as exc:
            return _refused(exc)
    print(f"on test until {period.ends_at.isoformat()} (zones {period.zones or 'all'}); ends by itself")
    return 0


async def _test_end(settings: Settings, args: argparse.Namespace) -> int:
    async with database_session(settings, migrate=True) as session:
        try:
            premises_id = await _premises_of(session, args.account)
        except Refused as exc:
            return _refused(exc)
        ended = await test_mode.end_test(session=session, premises_id=premises_id, actor=SHELL, now=utcnow())
        await session.commit()
    print(f"tests ended: {ended}")
    return 0


async def _installer(settings: Settings, args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name or len(name) > 100:
        return _refused(Refused("the installer's name is 1 to 100 characters"))
    async with database_session(settings, migrate=True) as session:
        try:
            premises_id = await _premises_of(session, args.account)
        except Refused as exc:
            return _refused(exc)
        place = await session.get(Premises, premises_id)
        assert place is not None
        place.installer = name
        audit.changed(session, SHELL, f"premises:{premises_id}", f"installer: {name}", at=utcnow())
        await session.commit()
    print(f"premises {premises_id}: installer {name}")
    return 0
