"""A simulated home controller publishing over MQTT, as a real panel would (QoS 1, persistent session)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import secrets
from collections.abc import Callable

import aiomqtt

from control_center.core.settings import MqttTarget, Settings
from panel_gateway.protocols import contact_id
from panel_gateway.protocols.contact_id import Qualifier
from simulators.mqtt_clients import connect

# The alarms `control-center simulate --alarm NAME` can send: Contact ID code and device.
ALARMS: dict[str, tuple[int, str | None]] = {
    "burglary": (130, None),
    "fire": (110, None),
    "emergency": (120, None),
    "duress": (121, None),
    "medical": (100, None),
    "gas": (151, None),
    "line-cut": (351, None),
    "equipment": (154, None),
    "life-watch": (654, None),
    "camera": (130, "outdoor_camera"),
}
# A placeholder frame (32×24 PNG) standing in for the camera's snapshot.
CAMERA_SNAPSHOT = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAACAAAAAYCAIAAAAUMWhjAAAAJElEQVR4nGPQsImiKWIYtWDUglELRi0YtWDUglELRi"
    "0YGhYAAMLpOh9U1i6hAAAAAElFTkSuQmCC"
)
ALARM_SERVICE = {
    "burglary": "A",
    "fire": "B",
    "emergency": "C",
    "duress": "C",
    "medical": "D",
    "gas": "E",
    "line-cut": "F",
    "equipment": "G",
    "life-watch": "H",
    "camera": "I",
}


def payload(
    account: str,
    message_id: str,
    code: int,
    qualifier: Qualifier = Qualifier.NEW,
    zone: int = 1,
    group: int = 1,
    device: str | None = None,
    sent_at: dt.datetime | None = None,
) -> bytes:
    doc: dict[str, object] = {
        "msg_id": message_id,
        "sent_at": (sent_at or dt.datetime.now(dt.UTC)).isoformat(),
        "contact_id": contact_id.encode(account, qualifier, code, group, zone),
    }
    if device:
        doc["device"] = device
    if device == "outdoor_camera":
        doc["images"] = [CAMERA_SNAPSHOT]
    return json.dumps(doc).encode()


PUBACK_WAIT_SECONDS = 60.0


class SimulatedPanel:
    """``password``: the one the center issued to this panel (``control-center panels credentials``, or
    simulators/credentials.py for the simulated fleet); the user name is the account."""

    def __init__(
        self, settings: Settings, account: str, client_id: str | None = None, password: str | None = None
    ) -> None:
        self.account = account
        self._settings = settings
        self._boot = secrets.token_hex(4)  # a panel's message ids stay unique across its reboots
        self._seq = itertools.count(1)
        self._client = connect(
            settings.broker,
            client_id or f"panel-{account}",
            account,
            password,
            clean_session=False,
            keepalive=60,
            # A panel waits for its PUBACK as long as the center takes: the embedded broker gives it
            # only once the gateway has stored the message (panel_gateway/broker_relay.py).
            timeout=PUBACK_WAIT_SECONDS,
        )

    @property
    def topic(self) -> str:
        return f"{self._settings.mqtt_topic_root}/{self.account}/signals"

    async def __aenter__(self) -> SimulatedPanel:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.__aexit__(*exc)

    def next_message_id(self) -> str:
        return f"{self._boot}-{next(self._seq)}"

    async def send_raw(self, body: bytes) -> None:
        """Publish at QoS 1; returns once the broker has acknowledged it."""
        await self._client.publish(self.topic, body, qos=1)

    async def send(
        self,
        code: int,
        qualifier: Qualifier = Qualifier.NEW,
        zone: int = 1,
        device: str | None = None,
        message_id: str | None = None,
    ) -> str:
        message_id = message_id or self.next_message_id()
        await self.send_raw(payload(self.account, message_id, code, qualifier, zone, device=device))
        return message_id

    async def alarm(self, name: str, zone: int = 1) -> str:
        code, device = ALARMS[name]
        return await self.send(code, zone=zone, device=device)


async def send_until_confirmed(
    target: MqttTarget | list[MqttTarget],
    topic: str,
    account: str,
    bodies: list[bytes],
    *,
    interval: float = 0.005,
    on_confirmed: Callable[[int], None] = lambda _: None,
    password: str | None = None,
) -> int:
    """A panel that keeps each message until the broker confirmed it (PUBACK), reconnecting and sending
    the same message again after a lost connection, as real panels do. ``on_confirmed`` hears the index
    of each confirmed body; returns how many were confirmed (all of them). Given a broker cluster's
    nodes, it connects to the first and moves on to the next whenever a connection is lost."""
    sent, identifier = 0, f"panel-{account}-{secrets.token_hex(3)}"  # one session, across reconnects
    nodes, node = (target if isinstance(target, list) else [target]), 0
    while sent < len(bodies):
        try:
            async with connect(
                nodes[node], identifier, account, password, clean_session=False, timeout=5
            ) as client:
                while sent < len(bodies):
                    await client.publish(topic, bodies[sent], qos=1)
                    on_confirmed(sent)
                    sent += 1
                    await asyncio.sleep(interval)
        except aiomqtt.MqttError:
            node = (node + 1) % len(nodes)
            await asyncio.sleep(0.3)  # the broker is away: try again, the same message first
    return sent
