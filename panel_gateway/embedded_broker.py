"""The in-process MQTT broker of the embedded default (amqtt, MQTT 3.1.1).

amqtt 0.12 drops a QoS 1 message it sent to a subscriber when the PUBACK does not come within
5 seconds or the connection closes, so an unacknowledged alarm would never be redelivered. Two
methods are replaced to keep the MQTT 3.1.1 contract the gateway relies on (§4.4: unacknowledged
QoS 1 messages are resent when a persistent session reconnects):

- outgoing QoS 1 waits for its PUBACK without a time limit and leaves the session's in-flight
  store only once acknowledged;
- resends on reconnect, and the messages queued while the session was offline, go out in the
  background, so the reconnecting client's SUBSCRIBE is not held up behind them.

Sessions persist only for clients that give a user name (amqtt treats the rest as anonymous), so
anonymous logins are refused. tests/panel_gateway/test_mqtt_ingest.py proves the redelivery.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from amqtt.broker import Broker
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.mqtt.protocol.handler import ProtocolHandler
from amqtt.session import OUTGOING, OutgoingApplicationMessage, Session

log = logging.getLogger(__name__)
_original_qos1_flow = ProtocolHandler._handle_qos1_message_flow


async def _qos1_flow(self: ProtocolHandler, app_message: Any) -> None:
    if app_message.direction != OUTGOING:
        await _original_qos1_flow(self, app_message)
        return
    packet_id = app_message.packet_id
    if packet_id not in self.session.inflight_out and isinstance(app_message, OutgoingApplicationMessage):
        self.session.inflight_out[packet_id] = app_message
    packet = app_message.build_publish_packet(dup=app_message.publish_packet is not None)
    await self._send_packet(packet)
    app_message.publish_packet = packet
    waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    self._puback_waiters[packet_id] = waiter
    try:
        app_message.puback_packet = await waiter
    finally:
        self._puback_waiters.pop(packet_id, None)
    self.session.inflight_out.pop(packet_id, None)  # acknowledged: only now forget it


def _background(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    # A disconnect cancels the resend; the message stays in flight for the next reconnect.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())


async def _retry_deliveries(self: ProtocolHandler) -> None:
    for message in list(self.session.inflight_out.values()):
        _background(self._handle_message_flow(message))


BrokerProtocolHandler._handle_qos1_message_flow = _qos1_flow
BrokerProtocolHandler._retry_deliveries = _retry_deliveries


class EmbeddedBroker(Broker):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            {
                "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}", "max_connections": 20000}},
                "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": False}},
            }
        )
        self.address = f"mqtt://{host}:{port}"

    async def _publish_session_retained_messages(self, session: Session) -> None:
        handler = self._get_handler(session)
        if handler is None:
            return
        while not session.retained_messages.empty():
            queued = session.retained_messages.get_nowait()
            _background(handler.mqtt_publish(queued.topic, queued.data, queued.qos, retain=False))


async def start_embedded_broker(host: str, port: int) -> EmbeddedBroker:
    broker = EmbeddedBroker(host, port)
    await broker.start()
    log.info("embedded MQTT broker listening on %s:%d", host, port)
    return broker
