"""The embedded broker's door: logins checked against the center's records, topics by ``broker_access``.

``BrokerGuard.admit`` runs when a CONNECT has been read, before amqtt looks up, deletes (clean
session) or takes over the session of the client id it names (``panel_gateway/embedded_broker.py``
wires it in there): a client without a valid password never touches anyone's session. The two amqtt
plugins below then only ask the guard: authentication (amqtt wants one plugin to answer) and every
publish, subscribe and delivery.

The guard also keeps the broker within its connection limit (``max_connections``, from the open-file
limit, ``control_center/core/limits.py``): past it a CONNECT is answered "server unavailable" before
any password is checked, and the connected panels carry on. The last ``GATEWAY_RESERVE`` places
are kept for gateways, so a full broker still takes its gateway back after a reconnect.

Password checks run in a worker thread (hashlib releases the GIL), at most a few at a time, so a
flood of CONNECTs does not stall the event loop that also carries the alarms.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from amqtt.contexts import Action, BaseContext
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin
from amqtt.session import Session

from panel_gateway import broker_access
from panel_gateway.broker_access import Login
from panel_gateway.broker_password import hash_password, new_password, verify_password

log = logging.getLogger(__name__)

Lookup = Callable[[str], Awaitable[Login | None]]
VERIFYING_AT_ONCE = 2
GATEWAY_RESERVE = 4  # places past max_connections that only a gateway login may take
_NOBODY = hash_password(new_password())  # checked against for unknown user names


class BrokerGuard:
    def __init__(self, *, topic_root: str, lookup: Lookup, max_connections: int | None = None) -> None:
        self.topic_root = topic_root
        self._lookup = lookup
        self.max_connections = max_connections  # None: no limit of the guard's own
        self.live_connections: Callable[[], int] = lambda: 0  # the broker's count, this one included
        self.refused_full = 0
        # Who passed, by user name (= client id): the topic checks need it on every message, without I/O.
        self._admitted: dict[str, Login] = {}
        self._verifying = asyncio.Semaphore(VERIFYING_AT_ONCE)

    async def admit(
        self, username: str | None, password: str | None, will_topic: str | None = None
    ) -> Login | None:
        """The login if ``password`` is right for ``username``; None for anyone else (anonymous too).

        A last will is published by the broker itself, past the topic checks, so its topic is judged
        here: a will it could not publish itself keeps the client out."""
        if not username or password is None:
            return None
        try:
            login = await self._lookup(username)
        except Exception as exc:  # the database is away: who was let in before may come back
            log.warning("cannot look up MQTT user %r (%s); using the last known login", username, exc)
            login = self._admitted.get(username)
        if login is not None and login.username != username:
            login = None
        async with self._verifying:  # an unknown name costs as much: the time tells no accounts apart
            stored = login.password_hash if login is not None else _NOBODY
            ok = await asyncio.to_thread(verify_password, password, stored)
        if login is None or not ok:
            return None
        if will_topic is not None and not broker_access.may_publish(login, will_topic, self.topic_root):
            return None
        self._admitted[username] = login
        return login

    def room(self) -> str:
        """For a CONNECT being read: ``open``, ``gateways`` (only a gateway may take the reserve) or
        ``full``."""
        if self.max_connections is None:
            return "open"
        live = self.live_connections()
        if live <= self.max_connections:
            return "open"
        return "gateways" if live <= self.max_connections + GATEWAY_RESERVE else "full"

    def refuse_full(self, username: str | None) -> None:
        self.refused_full += 1
        if self.refused_full == 1 or self.refused_full % 1000 == 0:  # a storm of them is one story
            log.warning(
                "MQTT connection refused (server unavailable): %d connections is the limit; %r, %d refused",
                self.max_connections, username, self.refused_full,
            )  # fmt: skip

    async def confirm(self, session: Session) -> bool:
        """amqtt's own authentication step, after ``admit``: the same password against the hash just
        verified (no lookup), so the door holds even if the CONNECT hook were ever bypassed."""
        login = self.admitted(session)
        if login is None or session.password is None:
            return False
        async with self._verifying:
            return await asyncio.to_thread(verify_password, session.password, login.password_hash)

    def admitted(self, session: Session | None) -> Login | None:
        if session is None or not session.username or session.client_id != session.username:
            return None
        return self._admitted.get(session.username)

    def allows(self, session: Session | None, topic: str | None, action: Action | None) -> bool:
        login = self.admitted(session)
        if login is None or not topic:
            return False
        if action == Action.PUBLISH:
            return broker_access.may_publish(login, topic, self.topic_root)
        if action == Action.SUBSCRIBE:
            return broker_access.may_subscribe(login, topic, self.topic_root)
        if action == Action.RECEIVE:
            return broker_access.may_receive(login, topic, self.topic_root)
        return False


class _GuardPlugin(BasePlugin[BaseContext]):
    """Both plugins get the guard through amqtt's per-plugin ``Config`` (amqtt reads ``plugin.Config``,
    so an inherited one serves)."""

    @dataclass
    class Config:
        guard: Any = None
        relay: Any = None  # the broker's Relay (panel_gateway/broker_relay.py), handed to each connection

    def __init__(self, context: BaseContext) -> None:
        super().__init__(context)
        self.guard: BrokerGuard = self.config.guard
        self.relay = self.config.relay


class GuardAuthPlugin(_GuardPlugin, BaseAuthPlugin):
    """Passes the sessions the guard admitted at CONNECT, their password checked once more."""

    async def authenticate(self, *, session: Session) -> bool:
        return await self.guard.confirm(session)


class GuardTopicPlugin(_GuardPlugin, BaseTopicPlugin):
    """Publish, subscribe and delivery as ``broker_access`` says."""

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None
    ) -> bool:
        allowed = self.guard.allows(session, topic, action)
        if not allowed and action != Action.RECEIVE:
            log.warning(
                "MQTT %s refused: %r may not use %r",
                action,
                session.username if session else None,
                topic,
            )
        return allowed
