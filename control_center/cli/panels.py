"""``control-center panels …``: a panel's identities: its MQTT credentials (``credentials``) and its
DC-09 key (``dc09-key``, in dc09_key.py); its supervised paths and their availability (``paths``,
``availability``, in panel_paths.py); its premises' zones, commissioning, test mode and installer
(``zones``, ``commission``, ``test``, ``test-end``, ``installer``, in commissioning.py)."""

from __future__ import annotations

import argparse
import json
import sys

from control_center.cli import commissioning, dc09_key, panel_paths
from control_center.cli.process import center_command, database_session
from control_center.core.db import utcnow
from control_center.core.settings import Settings
from panel_gateway import mqtt_credentials

SHELL = "shell"  # the actor recorded in the audit log


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    panels = sub.add_parser("panels", help="panels' MQTT identities")
    panels_sub = panels.add_subparsers(dest="panels_command", required=True)
    credentials = panels_sub.add_parser(
        "credentials", help="issue (or rotate) a panel's MQTT user name and password; printed once"
    )
    credentials.add_argument("account")
    credentials.add_argument("--json", action="store_true", help='print {"account", "username", "password"}')
    credentials.set_defaults(handler=center_command(_credentials))
    dc09_key.add_parser(panels_sub)
    panel_paths.add_parser(panels_sub)
    commissioning.add_parser(panels_sub)


async def _credentials(settings: Settings, args: argparse.Namespace) -> int:
    async with database_session(settings, migrate=True) as session:
        try:
            issued = await mqtt_credentials.issue(
                session=session, account=args.account, actor=SHELL, at=utcnow()
            )
            await session.commit()
        except mqtt_credentials.CredentialsRefused as exc:
            print(exc, file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps(issued.as_json()))
    else:
        print(f"account  {issued.account}")
        print(f"username {issued.username}")
        print(f"password {issued.password}")
        print(
            "Shown once: put it into the panel now; the center keeps only its hash. Any earlier password"
            " no longer logs in (on Mosquitto: after `control-center broker mosquitto-config` and SIGHUP).",
            file=sys.stderr,
        )
    return 0
