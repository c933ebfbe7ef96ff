"""`control-center broker mosquitto-config`: an external Mosquitto enforcing the panels' identities.

``broker mosquitto-config --dir DIR`` writes the password file, ACL and configuration a Mosquitto
needs to enforce the same rule as the embedded broker (``panel_gateway/mosquitto_config.py``), with
the panels' logins as issued (``control-center panels credentials``) and the gateway logins from
``CC_MQTT_URL`` or a file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from control_center.cli.process import center_command, database_session
from control_center.core.settings import Settings
from panel_gateway import mosquitto_config, mqtt_credentials
from panel_gateway.broker_access import Login
from panel_gateway.broker_password import hash_password

MIN_GATEWAY_PASSWORD = 20  # characters; a random one (see docs/deployment.md), as a panel's is


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    broker = sub.add_parser("broker", help="configuration for an external MQTT broker")
    broker_sub = broker.add_subparsers(dest="broker_command", required=True)
    mosquitto = broker_sub.add_parser(
        "mosquitto-config",
        help="write passwd, acl and mosquitto.conf from the panels' credentials (run again after issuing)",
    )
    mosquitto.add_argument("--dir", required=True, type=Path, help="where to write the three files")
    mosquitto.add_argument("--listener", default="1883", help="mosquitto's listener line: PORT [ADDRESS]")
    mosquitto.add_argument(
        "--persistence-dir",
        type=Path,
        default=Path("/var/lib/mosquitto"),
        help="where mosquitto keeps its queues; writable by the user it runs as",
    )
    mosquitto.add_argument(
        "--gateway-password-file",
        type=Path,
        help="user:password lines, one per gateway (default: the user and password of CC_MQTT_URL)",
    )
    mosquitto.set_defaults(handler=center_command(_mosquitto_config))


def gateway_logins(settings: Settings, password_file: Path | None) -> list[Login]:
    """The gateways' logins with fresh hashes: from ``user:password`` lines, or from CC_MQTT_URL."""
    pairs: list[tuple[str, str]] = []
    if password_file is not None:
        for line in password_file.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                user, sep, password = line.strip().partition(":")
                if not sep:
                    raise ValueError(f"{password_file}: a line without 'user:password'")
                pairs.append((user, password))
    elif settings.mqtt_url and settings.broker.username and settings.broker.password:
        pairs.append((settings.broker.username, settings.broker.password))
    if not pairs:
        raise ValueError(
            "no gateway login: set CC_MQTT_URL=mqtt://USER:PASSWORD@host:port,"
            " or give --gateway-password-file"
        )
    for user, password in pairs:
        if len(password) < MIN_GATEWAY_PASSWORD:
            raise ValueError(
                f"gateway {user!r}: the password is shorter than {MIN_GATEWAY_PASSWORD} characters;"
                " use a random one, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"
            )
    return [mosquitto_config.gateway_login(user, hash_password(password)) for user, password in pairs]


async def _mosquitto_config(settings: Settings, args: argparse.Namespace) -> int:
    async with database_session(settings, migrate=True) as session:
        try:
            gateways = gateway_logins(settings, args.gateway_password_file)
        except (ValueError, OSError) as exc:
            print(exc, file=sys.stderr)
            return 2
        panels = await mqtt_credentials.panel_logins(session=session)
    directory = args.dir.resolve()
    try:
        files = mosquitto_config.render(
            [*gateways, *panels],
            topic_root=settings.mqtt_topic_root,
            directory=directory,
            listener=args.listener,
            persistence_location=args.persistence_dir,
        )
    except mosquitto_config.ConfigRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    for path in mosquitto_config.write(directory, files):
        print(f"wrote {path}")
    print(
        f"{len(panels)} panel(s), {len(gateways)} gateway(s). The broker reads the password file as its own"
        f" user: chgrp mosquitto {directory / mosquitto_config.PASSWORD_FILE} (once; rewrites keep it),"
        " then start it with -c mosquitto.conf, or send it SIGHUP to reload."
    )
    return 0
