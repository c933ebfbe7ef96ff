"""`control-center users …`: the first administrator, password resets and API tokens from a shell."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

from control_center.access import service
from control_center.access.models import User
from control_center.access.roles import Role
from control_center.cli.process import center_command, database_session
from control_center.core.db import utcnow
from control_center.core.settings import Settings

SHELL = "shell"  # the actor recorded in the audit log for these commands


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    users = sub.add_parser("users", help="users and API tokens (e.g. the first administrator)")
    commands = users.add_subparsers(dest="users_command", required=True)
    add = commands.add_parser("add", help="add a user; the password is asked for (or CC_NEW_PASSWORD)")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--name", default="")
    password = commands.add_parser("password", help="set a user's password (asked for, or CC_NEW_PASSWORD)")
    password.add_argument("login")
    token = commands.add_parser("token", help="issue an API token for a user; printed once")
    token.add_argument("login")
    token.add_argument("--label", default="script")
    users.set_defaults(handler=center_command(run))


def _password() -> str:
    return os.environ.get("CC_NEW_PASSWORD") or getpass.getpass("Password (10 characters or more): ")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        # Migrated first: the first administrator may come before anything else.
        async with database_session(settings, migrate=True) as session:
            now = utcnow()
            if args.users_command == "add":
                await service.create_user(
                    session=session, login=args.login, name=args.name, role=Role(args.role),
                    password=_password(), actor=SHELL, at=now,
                )  # fmt: skip
                await session.commit()
                print(f"added {args.login} ({args.role})")
                return 0
            user = await session.scalar(select(User).where(User.login == args.login.lower()))
            if user is None:
                print(f"no user {args.login!r}", file=sys.stderr)
                return 1
            if args.users_command == "password":
                await service.set_password(
                    session=session, user=user, password=_password(), actor=SHELL, at=now
                )
                await session.commit()
                print(f"password set for {user.login}")
            else:
                token = await service.issue_token(
                    session=session, user=user, label=args.label, actor=SHELL, at=now
                )
                await session.commit()
                print(f"API token: {token}")
            return 0
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
