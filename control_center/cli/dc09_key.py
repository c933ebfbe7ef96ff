"""`control-center panels dc09-key ACCOUNT`: set a panel's DC-09 AES key and its plain-frame transition.

The key is read from ``CC_NEW_DC09_KEY``, a line on standard input, or asked for, never from the
command line (where ``ps`` and the shell's history would keep it); it is sealed before it is stored
and never printed. Once an account has a key, only encrypted frames are accepted from it, unless
``--plain-for HOURS`` / ``--plain-until WHEN`` opens a bounded transition while the panel is being
re-programmed (each plain frame is then logged as a warning). Running receivers pick the change up
with the next frame of that account: no restart, no reload.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys

from sqlalchemy import select

from control_center.cli.process import center_command, database_session
from control_center.core import audit, key_check
from control_center.core.db import utcnow
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.subscribers.models import PanelAccount
from panel_gateway.dc09_keys import MAX_PLAIN_TRANSITION, set_key, set_plain_until

SHELL = "shell"  # the actor recorded in the audit log


def add_parser(panels_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Adds ``dc09-key`` to the ``panels`` command's subcommands."""
    key = panels_sub.add_parser(
        "dc09-key",
        help="set a panel's DC-09 AES key (asked for, or CC_NEW_DC09_KEY / stdin) and its plain-frame window",
    )
    key.add_argument("account")
    key.add_argument("--keep-key", action="store_true", help="change only the plain-frame window")
    window = key.add_mutually_exclusive_group()
    window.add_argument(
        "--plain-for",
        type=float,
        metavar="HOURS",
        help=f"also accept plain frames for HOURS (at most {MAX_PLAIN_TRANSITION.days * 24}), logged",
    )
    window.add_argument(
        "--plain-until",
        metavar="WHEN",
        help="… until WHEN, ISO 8601 with its offset (2026-12-01T09:00+09:00)",
    )
    window.add_argument("--plain-off", action="store_true", help="refuse plain frames from now on")
    key.set_defaults(handler=center_command(run))


def _read_key() -> str:
    if key := os.environ.get("CC_NEW_DC09_KEY"):
        return key
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return getpass.getpass("AES key (32, 48 or 64 hex digits): ")


def _window(args: argparse.Namespace, now: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """Whether the window changes, and its new end (None: plain frames refused)."""
    if args.plain_off:
        return True, None
    if args.plain_for is not None:
        if args.plain_for <= 0:
            raise ValueError("--plain-for takes a number of hours above 0")
        return True, now + dt.timedelta(hours=args.plain_for)
    if args.plain_until is not None:
        try:
            until = dt.datetime.fromisoformat(args.plain_until)
        except ValueError:
            raise ValueError(f"--plain-until: not an ISO 8601 time: {args.plain_until!r}") from None
        if until.tzinfo is None:
            raise ValueError("--plain-until needs its offset, e.g. 2026-12-01T09:00+09:00")
        return True, until.astimezone(dt.UTC)
    return False, None


async def run(settings: Settings, args: argparse.Namespace) -> int:
    now = utcnow()
    try:
        changes_window, until = _window(args, now)
        if args.keep_key and not changes_window:
            raise ValueError("--keep-key changes nothing without --plain-for, --plain-until or --plain-off")
        key_hex = None if args.keep_key else _read_key()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    async with database_session(settings, migrate=True) as session:
        try:
            done = []
            if key_hex is not None:
                box = SecretBox.from_settings(settings)
                # Sealed with another key than serve's, the key would be unreadable there: refused.
                await key_check.check(session=session, box=box, where=key_check.configured(settings))
                await set_key(session=session, box=box, account=args.account, key_hex=key_hex)
                done.append("key set")
            if changes_window:
                await set_plain_until(session=session, account=args.account, until=until, now=now)
                done.append(f"plain frames until {until:%Y-%m-%d %H:%M} UTC" if until else "plain frames off")
        except (LookupError, ValueError, key_check.WrongKey) as exc:
            print(exc, file=sys.stderr)
            return 1
        audit.record(
            session=session, actor=SHELL, action="dc09_key_set", subject=f"panel:{args.account}",
            at=now, detail="; ".join(done),
        )  # fmt: skip
        await session.commit()
        state = await session.scalar(
            select(PanelAccount.dc09_plain_until).where(PanelAccount.account == args.account)
        )
    window = (
        f"plain frames accepted (and logged) until {state:%Y-%m-%d %H:%M} UTC"
        if state is not None and state > now
        else "only encrypted frames accepted"
    )
    print(f"account {args.account}: " + "; ".join([*(["key set"] if key_hex else []), window]))
    return 0
