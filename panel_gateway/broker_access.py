"""Who may do what on the panels' MQTT broker: the one rule both brokers enforce.

- A **panel** logs in with its account as user name and the password the center issued
  (``control-center panels credentials``). It may publish to ``<root>/<its account>/signals`` and
  nothing else; it may subscribe to nothing and receives nothing.
- A **gateway** may subscribe to ``<root>/+/signals`` (also through ``$share/<group>/``) and receive
  what is published there. Besides, it publishes to and reads ``<root>/_gateway/probe``, its own
  liveness check (``probe_topic``; ``panel_gateway/transports/mqtt_liveness.py``); it publishes nothing else.
- A client's id is its user name, whatever id it asks for (Mosquitto: ``use_username_as_clientid``):
  nobody can take over another's session, the gateway's included, without its password.

The embedded broker applies these functions (``panel_gateway/broker_guard.py``); for Mosquitto the
same rule is written out as a password file and an ACL (``panel_gateway/mosquitto_config.py``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    PANEL = "panel"
    GATEWAY = "gateway"


@dataclass(frozen=True, slots=True)
class Login:
    """A user name the broker knows: its role, its account (panels) and its password's ``$7$`` hash."""

    username: str
    role: Role
    password_hash: str
    account: str | None = None


def signals_topic(root: str, account: str) -> str:
    return f"{root}/{account}/signals"


def gateway_filter(root: str) -> str:
    return f"{root}/+/signals"


def probe_topic(root: str) -> str:
    """Where the gateways of a topic root hear themselves; no panel may publish or read there."""
    return f"{root}/_gateway/probe"


def client_id(login: Login) -> str:
    return login.username


def may_publish(login: Login, topic: str, root: str) -> bool:
    if login.role is Role.GATEWAY:
        return topic == probe_topic(root)
    if login.role is not Role.PANEL or login.account is None:
        return False
    return topic == signals_topic(root, login.account)


def may_subscribe(login: Login, topic_filter: str, root: str) -> bool:
    if login.role is not Role.GATEWAY:
        return False
    if topic_filter == probe_topic(root):
        return True
    if topic_filter.startswith("$share/"):
        parts = topic_filter.split("/", 2)
        if len(parts) < 3 or not parts[1]:
            return False
        topic_filter = parts[2]
    return topic_filter == gateway_filter(root)


def may_receive(login: Login, topic: str, root: str) -> bool:
    if login.role is Role.GATEWAY and topic == probe_topic(root):
        return True
    if login.role is not Role.GATEWAY or not topic.startswith(f"{root}/") or not topic.endswith("/signals"):
        return False
    account = topic[len(root) + 1 : -len("/signals")]
    return bool(account) and "/" not in account
