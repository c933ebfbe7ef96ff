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
from control_center.core import limits
from control_center.core.settings import Settings
from panel_gateway import mosquitto_config, mqtt_credentials, nats_config
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_password import hash_password, verify_password

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
    mosquitto.add_argument(
        "--max-connections",
        type=int,
        help="connections mosquitto takes before it refuses new ones (default: what this machine's hard"
        " open-file limit allows; give mosquitto that limit too, e.g. systemd LimitNOFILE=)",
    )
    mosquitto.add_argument(
        "--gateway-listener",
        help="a second listener line PORT [ADDRESS] for the gateways, with a few places of its own, so"
        " that a broker full of panels still takes its gateways back",
    )
    mosquitto.set_defaults(handler=center_command(_mosquitto_config))
    nats = broker_sub.add_parser(
        "nats-config",
        help="write each node's nats-server.conf and users.conf for a NATS cluster (JetStream, MQTT, R3)",
    )
    nats.add_argument(
        "--dir", required=True, type=Path, help="writes DIR/<node>/nats-server.conf, users.conf"
    )
    nats.add_argument(
        "--hosts", required=True, help="the nodes' addresses, comma-separated, in order (3 or more)"
    )
    nats.add_argument("--nodes", type=int, default=3, help="how many nodes --hosts must name")
    nats.add_argument("--mqtt-port", type=int, default=1883)
    nats.add_argument("--client-port", type=int, default=4222)
    nats.add_argument("--cluster-port", type=int, default=6222)
    nats.add_argument("--monitor-port", type=int, default=8222, help="HTTP /healthz on 127.0.0.1 only")
    nats.add_argument("--store-dir", type=Path, default=Path("/var/lib/nats"), help="JetStream's store")
    nats.add_argument(
        "--panel-password-file",
        type=Path,
        required=True,
        help="account:password lines as issued (control-center panels credentials); each is checked against"
        " the center's hash. NATS checks bcrypt, so the center's own hashes cannot be used",
    )
    nats.add_argument(
        "--gateway-password-file",
        type=Path,
        help="user:password lines, one per gateway (default: the user and password of CC_MQTT_URL)",
    )
    nats.set_defaults(handler=center_command(_nats_config))


GATEWAY_PLACES = 16  # connections on the gateways' own listener


def max_connections(given: int | None) -> int:
    """Past its descriptors Mosquitto fails the connections it holds too; past this it refuses new ones."""
    if given is not None:
        return given
    return limits.connection_capacity(limits.raise_open_files().hard)


def password_lines(password_file: Path) -> list[tuple[str, str]]:
    """``user:password`` lines (blank lines and # comments left out)."""
    pairs = []
    for line in password_file.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            user, sep, password = line.strip().partition(":")
            if not sep:
                raise ValueError(f"{password_file}: a line without 'user:password'")
            pairs.append((user, password))
    return pairs


def gateway_logins(settings: Settings, password_file: Path | None) -> list[Login]:
    """The gateways' logins with fresh hashes: from ``user:password`` lines, or from CC_MQTT_URL."""
    return [
        mosquitto_config.gateway_login(user, hash_password(password))
        for user, password in gateway_passwords(settings, password_file)
    ]


def gateway_passwords(settings: Settings, password_file: Path | None) -> list[tuple[str, str]]:
    """The gateways' user names and passwords: from ``user:password`` lines, or from CC_MQTT_URL."""
    pairs: list[tuple[str, str]] = []
    if password_file is not None:
        pairs = password_lines(password_file)
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
    return pairs


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
            extra=(
                f"max_connections {max_connections(args.max_connections)}",
                *(
                    (f"listener {args.gateway_listener}", f"max_connections {GATEWAY_PLACES}")
                    if args.gateway_listener
                    else ()
                ),
            ),
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


def nats_panel_logins(issued: list[Login], given: list[tuple[str, str]]) -> tuple[list[Login], list[str]]:
    """Panels as NATS users with bcrypt hashes, from the issued passwords in ``given``: each must be a
    panel of the center and match its stored hash (so the file cannot add a panel nor a stale
    password). Returns them and the user names of the panels the file left out."""
    known = {login.username: login for login in issued}
    logins = []
    for user, password in given:
        login = known.get(user)
        if login is None:
            raise ValueError(f"{user!r}: no panel of the center has this MQTT user name")
        if not verify_password(password, login.password_hash):
            raise ValueError(f"{user!r}: not the password the center issued (re-issued since?)")
        logins.append(Login(user, Role.PANEL, nats_config.bcrypt_hash(password), login.account))
    missing = sorted(set(known) - {user for user, _ in given})
    return logins, missing


async def _nats_config(settings: Settings, args: argparse.Namespace) -> int:
    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()]
    if len(hosts) != args.nodes:
        print(f"--hosts names {len(hosts)} node(s), --nodes says {args.nodes}", file=sys.stderr)
        return 2
    async with database_session(settings, migrate=True) as session:
        issued = await mqtt_credentials.panel_logins(session=session)
    try:
        gateways = [
            Login(user, Role.GATEWAY, nats_config.bcrypt_hash(password))
            for user, password in gateway_passwords(settings, args.gateway_password_file)
        ]
        panels, missing = nats_panel_logins(issued, password_lines(args.panel_password_file))
        nodes = [
            nats_config.Node(
                name=f"n{i + 1}",
                host=host,
                client_port=args.client_port,
                mqtt_port=args.mqtt_port,
                cluster_port=args.cluster_port,
                store_dir=args.store_dir,
                monitor_port=args.monitor_port,
            )
            for i, host in enumerate(hosts)
        ]
        users = nats_config.render_users([*gateways, *panels], settings.mqtt_topic_root)
        secret = nats_config.route_secret(args.dir)
        files = {node: nats_config.render_node(node, nodes, route_secret=secret) for node in nodes}
    except (ValueError, OSError) as exc:  # ConfigRefused is a ValueError
        print(exc, file=sys.stderr)
        return 2
    for node, conf in files.items():
        for path in nats_config.write(
            args.dir / node.name, {"nats-server.conf": conf, nats_config.USERS_FILE: users}
        ):
            print(f"wrote {path}")
    if missing:
        print(
            f"{len(missing)} panel(s) with credentials are not in {args.panel_password_file} and cannot log"
            f" in to NATS: {', '.join(missing[:20])}{' …' if len(missing) > 20 else ''}",
            file=sys.stderr,
        )
    print(
        f"{len(panels)} panel(s), {len(gateways)} gateway(s), {len(nodes)} node(s). Copy DIR/<node>/ to"
        " /etc/nats/ on each machine; after issuing credentials write again and run"
        " `systemctl reload nats-server` on every node. The cluster's route secret is kept in"
        f" {args.dir / nats_config.ROUTE_SECRET_FILE} and used again next time (keep it private)."
    )
    return 0
