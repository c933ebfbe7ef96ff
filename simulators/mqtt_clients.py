"""MQTT connections as the simulators make them: to a broker, logged in as a user (a panel's user name
is its account) under a client id of their own."""

from __future__ import annotations

from typing import Any

import aiomqtt

from control_center.core.settings import MqttTarget


def connect(
    target: MqttTarget, identifier: str | None, username: str | None, password: str | None, **options: Any
) -> aiomqtt.Client:
    """A client for ``target``'s broker (``identifier`` None: one made up by the client library)."""
    return aiomqtt.Client(
        target.host, target.port, identifier=identifier, username=username, password=password, **options
    )


async def forget_session(target: MqttTarget, identifier: str) -> None:
    """Connect as ``identifier`` with a clean session and ``target``'s own login: the broker drops the
    persistent session it kept for that client (a gateway's, once a run is over)."""
    async with connect(target, identifier, target.username, target.password, clean_session=True):
        pass
