"""A NATS server cluster as the panels' MQTT broker: each node's ``nats-server.conf`` and the users file
that enforces the rule of ``panel_gateway/broker_access.py``.

NATS speaks MQTT 3.1.1 (QoS 0 and 1) on its ``mqtt`` listener and keeps MQTT sessions and QoS 1
messages in JetStream streams (``$MQTT_sess``, ``$MQTT_msgs``), here replicated on three nodes
(``stream_replicas: 3``): a panel's PUBACK and the gateway's session survive the loss of any one node.

Permissions are written on NATS subjects: the MQTT topic ``<root>/1001/signals`` is the subject
``<root with / as .>.1001.signals``.

- a **panel** may publish to its own signals subject only and subscribe to nothing;
- a **gateway** may subscribe to ``<root>.*.signals`` and to its probe, and publish only its probe.

Both are MQTT-only users (``allowed_connection_types``). NATS checks bcrypt hashes (``$2b$``), not the
center's ``$7$`` (PBKDF2) hashes, so logins given here carry bcrypt hashes (``bcrypt_hash``).

**Routes log in too.** A server that reaches a node's cluster port without the cluster's route secret is
refused: otherwise anyone on the network could join as a fourth node, read every panel's signals and
take part in JetStream's votes. The secret is one random string for the cluster (``ROUTE_SECRET_FILE``
beside the configurations, kept and reused by ``control-center broker nats-config``); a server presents
it in each route URL and checks it in ``cluster.authorization``. NATS needs it in clear on both sides
(a node authenticates itself with it), so it lives only in the 0600 files of the nodes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from panel_gateway.broker_access import Login, Role, probe_topic, signals_topic

CLUSTER_NAME = "cc-mqtt"
ROUTE_USER = "cc-route"
ROUTE_SECRET_FILE = "route.secret"
ROUTE_SECRET = re.compile(r"^[A-Za-z0-9_-]{32,}$")  # token_urlsafe: nothing a URL or the config must escape
MQTT_DELIVERY = "$MQTT.sub.>"  # where NATS delivers a QoS 1 subscription's messages
USERS_FILE = "users.conf"
BCRYPT_COST = 11  # what `nats server passwd` uses; NATS checks it at each connection
BCRYPT = re.compile(r"^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$")
# Characters NATS would have to escape or refuses in a topic; our roots and accounts never need them.
UNSAFE_TOPIC = re.compile(r"[\s.*>#+$]")


class ConfigRefused(ValueError):
    """A login or topic root that cannot be written as a NATS permission."""


@dataclass(frozen=True, slots=True)
class Node:
    """One server of the cluster: where it listens and keeps its JetStream store."""

    name: str
    host: str  # the address it listens on and its peers reach it at
    client_port: int  # NATS protocol (monitoring tools; no panel uses it)
    mqtt_port: int  # the panels' and gateways' MQTT listener
    cluster_port: int  # routes between the nodes (JetStream replication, Raft)
    store_dir: Path
    monitor_port: int | None = None  # HTTP /healthz, /jsz; loopback only in production

    def route(self, secret: str) -> str:
        return f"nats-route://{ROUTE_USER}:{secret}@{self.host}:{self.cluster_port}"


def new_route_secret() -> str:
    return secrets.token_urlsafe(32)


def subject(topic: str) -> str:
    """The NATS subject of an MQTT topic of ours (``/`` becomes ``.``)."""
    # An empty level (a leading, trailing or double /) is another escape NATS would apply.
    if not topic or "" in topic.split("/") or UNSAFE_TOPIC.search(topic.replace("/+/", "/x/")):
        raise ConfigRefused(f"topic {topic!r}: characters NATS cannot take as they are")
    return topic.replace("/+/", "/*/").replace("/", ".")


def _libcrypt() -> ctypes.CDLL:
    name = ctypes.util.find_library("crypt")
    if name is None:
        raise RuntimeError("libcrypt (libxcrypt) is needed for bcrypt hashes")
    lib = ctypes.CDLL(name)
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    return lib


def bcrypt_hash(password: str, cost: int = BCRYPT_COST) -> str:
    """A ``$2b$`` hash NATS checks passwords against, made by the system's libcrypt (libxcrypt).

    crypt(3) returns a static buffer: callers hash from one thread (the CLI, the drill's setup)."""
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    # 22 salt characters whose last one carries only 2 bits ('.', 'O', 'e', 'u'), as bcrypt wants.
    salt = "".join(secrets.choice(alphabet) for _ in range(21)) + secrets.choice(".Oeu")
    hashed = _libcrypt().crypt(password.encode(), f"$2b${cost:02d}${salt}".encode())
    if hashed is None or not BCRYPT.match(hashed.decode()):
        raise RuntimeError("libcrypt made no bcrypt hash")
    return hashed.decode()


def _user(login: Login, root: str) -> dict[str, object]:
    if not BCRYPT.match(login.password_hash):
        raise ConfigRefused(
            f"{login.username!r}: NATS checks bcrypt hashes ($2b$…), not this one; hash the password with"
            " panel_gateway.nats_config.bcrypt_hash"
        )
    probe = subject(probe_topic(root))
    if login.role is Role.GATEWAY:
        permissions = {
            "publish": {"allow": [probe]},
            # A QoS 1 subscription is a JetStream consumer delivering to $MQTT.sub.<id>, which the
            # server subscribes as this user: without it NATS refuses the subscription (SUBACK 0x80).
            "subscribe": {"allow": [subject(f"{root}/+/signals"), probe, MQTT_DELIVERY]},
        }
    elif login.role is Role.PANEL and login.account:
        permissions = {
            "publish": {"allow": [subject(signals_topic(root, login.account))]},
            "subscribe": {"deny": [">"]},
        }
    else:
        raise ConfigRefused(f"{login.username!r}: a panel without an account")
    return {
        "user": login.username,
        "password": login.password_hash,
        "permissions": permissions,
        "allowed_connection_types": ["MQTT"],
    }


def render_users(logins: list[Login], root: str) -> str:
    """The ``authorization`` block every node includes: one user per panel and gateway."""
    names = [login.username for login in logins]
    if len(set(names)) != len(names):
        raise ConfigRefused("a user name appears twice")
    users = [_user(login, root) for login in logins]
    # NATS configuration accepts JSON values; one user per line keeps diffs readable.
    lines = ",\n    ".join(json.dumps(user, separators=(", ", ": ")) for user in users)
    return f"authorization {{\n  users: [\n    {lines}\n  ]\n}}\n"


def render_node(
    node: Node,
    nodes: list[Node],
    *,
    route_secret: str,
    cluster_name: str = CLUSTER_NAME,
    ack_wait: str = "30s",
    max_ack_pending: int = 1024,
    log_file: Path | None = None,
) -> str:
    """One node's ``nats-server.conf``: JetStream, the MQTT listener replicated on all ``nodes``, the
    routes to the others, and the users file beside it."""
    if len(nodes) < 3 or len({n.name for n in nodes}) != len(nodes):
        raise ConfigRefused("a cluster that survives one node's loss needs 3 nodes with distinct names")
    if not ROUTE_SECRET.match(route_secret):
        raise ConfigRefused("the route secret is 32 or more URL-safe characters (new_route_secret)")
    routes = "\n".join(f"    {peer.route(route_secret)}" for peer in nodes if peer.name != node.name)
    # Monitoring (/healthz, /jsz) has no authentication: loopback only.
    monitor = f"http: 127.0.0.1:{node.monitor_port}\n" if node.monitor_port else ""
    log = f'log_file: "{log_file}"\n' if log_file else ""
    return f"""\
# Written by control-center broker nats-config: node {node.name} of {len(nodes)}.
server_name: {node.name}
listen: {node.host}:{node.client_port}
{monitor}{log}
jetstream {{
  store_dir: "{node.store_dir}"
}}

cluster {{
  name: {cluster_name}
  listen: {node.host}:{node.cluster_port}
  # Only the cluster's own nodes: a route without the secret is refused.
  authorization {{
    user: {ROUTE_USER}
    password: "{route_secret}"
    timeout: 2
  }}
  routes: [
{routes}
  ]
}}

mqtt {{
  listen: {node.host}:{node.mqtt_port}
  # Sessions and QoS 1 messages on every node: a node lost loses no PUBACKed message.
  stream_replicas: {len(nodes)}
  # Unacknowledged deliveries come again after this (the gateway acknowledges after its commit).
  ack_wait: "{ack_wait}"
  max_ack_pending: {max_ack_pending}
}}

include "{USERS_FILE}"
"""


def write(directory: Path, files: dict[str, str]) -> list[Path]:
    """The files, private to their owner from their first byte (the users file holds password hashes,
    the configuration the route secret)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an older file keeps its mode through O_CREAT
        with os.fdopen(fd, "w") as out:
            out.write(text)
        written.append(path)
    return written


def route_secret(directory: Path) -> str:
    """The cluster's route secret kept in ``directory``: the one written before (so configurations
    written again still route to the running nodes), or a new one."""
    path = directory / ROUTE_SECRET_FILE
    if path.exists():
        kept = path.read_text().strip()
        if not ROUTE_SECRET.match(kept):
            raise ConfigRefused(f"{path}: not a route secret; remove it to have a new one made")
        return kept
    secret = new_route_secret()
    write(directory, {ROUTE_SECRET_FILE: secret + "\n"})
    return secret
