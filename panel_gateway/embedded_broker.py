"""The in-process MQTT broker of the embedded default (amqtt, MQTT 3.1.1).

amqtt 0.12 drops a QoS 1 message it sent to a subscriber when the PUBACK does not come within
5 seconds or the connection closes, so an unacknowledged alarm would never be redelivered. Two
methods are replaced to keep the MQTT 3.1.1 contract the gateway relies on (§4.4: unacknowledged
QoS 1 messages are resent when a persistent session reconnects):

- outgoing QoS 1 waits for its PUBACK without a time limit and leaves the session's in-flight
  store only once acknowledged;
- resends on reconnect, and the messages queued while the session was offline, go out in the
  background, so the reconnecting client's SUBSCRIBE is not held up behind them.

A third keeps strangers out of other clients' sessions. amqtt looks up the session of the client id
a CONNECT names — deleting it for a clean session, taking it over if connected — before it asks the
authentication plugins, so anyone could end the gateway's session without a password. Here the
CONNECT is checked by ``BrokerGuard.admit`` (``panel_gateway/broker_guard.py``) as soon as it is
read: a client without valid credentials gets "not authorised" and touches nothing, and the client
id of one who passes becomes its user name, as Mosquitto's ``use_username_as_clientid`` does.

A CONNECT past the connection limit is refused "server unavailable" (``BrokerGuard.room``).

tests/panel_gateway/transports/test_mqtt_ingest.py proves the redelivery,
tests/panel_gateway/test_panel_identity.py the door, tests/panel_gateway/test_connection_limit.py the
limit.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.broker import Broker
from amqtt.errors import MQTTError
from amqtt.mqtt.connack import NOT_AUTHORIZED, SERVER_UNAVAILABLE, ConnackPacket
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.mqtt.protocol.handler import ProtocolHandler
from amqtt.session import OUTGOING, OutgoingApplicationMessage, Session

from control_center.core import limits
from panel_gateway import broker_access
from panel_gateway.broker_access import Role
from panel_gateway.broker_guard import BrokerGuard, GuardAuthPlugin, GuardTopicPlugin

log = logging.getLogger(__name__)
_original_qos1_flow = ProtocolHandler._handle_qos1_message_flow
_original_init_from_connect = BrokerProtocolHandler.init_from_connect.__func__  # type: ignore[attr-defined]


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


async def _init_from_connect(
    cls: type[BrokerProtocolHandler],
    reader: ReaderAdapter,
    writer: WriterAdapter,
    plugins_manager: Any,
    loop: asyncio.AbstractEventLoop | None = None,
) -> tuple[BrokerProtocolHandler, Session]:
    handler, session = await _original_init_from_connect(cls, reader, writer, plugins_manager, loop)
    plugin = plugins_manager.get_plugin(GuardAuthPlugin.__name__)
    if plugin is None:  # an amqtt broker without the guard: amqtt's own behaviour
        return handler, session
    guard: BrokerGuard = plugin.guard
    room = guard.room()
    if room == "full":  # refused before any password is checked: a full broker stays cheap to ask
        guard.refuse_full(session.username)
        await ConnackPacket.build(0, SERVER_UNAVAILABLE).to_stream(writer)
        raise MQTTError("server unavailable: connection limit")
    will_topic = session.will_topic if session.will_flag else None
    login = await guard.admit(session.username, session.password, will_topic)
    if login is not None and room == "gateways" and login.role is not Role.GATEWAY:
        guard.refuse_full(session.username)
        await ConnackPacket.build(0, SERVER_UNAVAILABLE).to_stream(writer)
        raise MQTTError("server unavailable: connection limit")
    if login is None:
        log.warning(
            "MQTT login refused: user %r, client id %r from %s",
            session.username,
            session.client_id,
            session.remote_address,
        )
        await ConnackPacket.build(0, NOT_AUTHORIZED).to_stream(writer)
        raise MQTTError("not authorised")  # amqtt closes the connection
    session.client_id = broker_access.client_id(login)
    return handler, session


BrokerProtocolHandler._handle_qos1_message_flow = _qos1_flow
BrokerProtocolHandler._retry_deliveries = _retry_deliveries
BrokerProtocolHandler.init_from_connect = classmethod(_init_from_connect)  # type: ignore[assignment]


class EmbeddedBroker(Broker):
    def __init__(self, host: str, port: int, guard: BrokerGuard) -> None:
        """The connection limit is the guard's (``max_connections``; None: what this process's open-file
        limit allows). amqtt's own listener limit would hold the excess accepted and waiting, each on
        a descriptor, which is how a broker falls over; the guard refuses them instead."""
        if guard.max_connections is None:
            guard.max_connections = limits.connection_capacity(limits.raise_open_files().soft)
        guard.live_connections = self._live_connections
        plugin = {"guard": guard}
        super().__init__(
            {
                "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
                "plugins": {
                    f"{GuardAuthPlugin.__module__}.{GuardAuthPlugin.__name__}": plugin,
                    f"{GuardTopicPlugin.__module__}.{GuardTopicPlugin.__name__}": plugin,
                },
            }
        )
        self.guard = guard
        self.address = f"mqtt://{host}:{port}"

    def _live_connections(self) -> int:
        return sum(server.conn_count for server in self._servers.values())

    async def _publish_session_retained_messages(self, session: Session) -> None:
        handler = self._get_handler(session)
        if handler is None:
            return
        while not session.retained_messages.empty():
            queued = session.retained_messages.get_nowait()
            _background(handler.mqtt_publish(queued.topic, queued.data, queued.qos, retain=False))

    # --- session take-over (issue 15: a client with the gateway's id stopped MQTT intake for good) ---
    # amqtt shares one Session between the connection that takes it over and the one taken over. The
    # old connection's disconnect then marked the shared session disconnected while the new one was
    # live, and the broker queued its messages for a client it thought offline: connected, silent,
    # forever. A clean-session CONNECT deleted the session but left its connection open, without
    # subscriptions. MQTT 3.1.1 §3.1.4-2 wants the old connection closed and the new one served.

    async def _initialize_client_session(self, *args: Any) -> tuple[BrokerProtocolHandler, Session]:
        handler, session = await super()._initialize_client_session(*args)
        if session.parent == 1 and session.clean_session:
            # A persistent CONNECT took over a clean session: it is persistent now, as the CONNECT says.
            # Left clean, the expiry monitor would delete it under the live connection the moment the
            # connection taken over had marked it disconnected (amqtt copies only will and login).
            session.clean_session = False
        return handler, session

    async def _delete_session(self, client_id: str) -> None:
        session, handler = self._sessions.get(client_id, (None, None))
        if session is not None and handler is not None and session.transitions.is_connected():
            log.warning("client %s connected again, clean session: closing its old connection", client_id)
            await handler.handle_connection_closed()
            await handler.stop()
        await super()._delete_session(client_id)

    async def _handle_disconnect(self, client_session: Session, handler: Any, disconnect_waiter: Any) -> None:
        await self._deliver_acknowledged(client_session, handler)
        await super()._handle_disconnect(client_session, handler, disconnect_waiter)
        _, current = self._sessions.get(client_session.client_id or "", (None, None))
        if current is not None and current is not handler:  # taken over: the newer connection keeps it
            self._keep_connected(client_session, current)

    async def _client_message_loop(self, client_session: Session, handler: Any) -> None:
        # The connection taken over may have marked the session disconnected before this one got it.
        if self._keep_connected(client_session, handler):
            await self._publish_session_retained_messages(client_session)
        await super()._client_message_loop(client_session, handler)

    async def _handle_subscription(self, client_session: Session, handler: Any, waiter: Any) -> None:
        # A SUBSCRIBE read just before its connection lost the session: subscribing that orphan would
        # route messages to a session nobody holds (queued, then dropped though the panel had its ack).
        if self._sessions.get(client_session.client_id or "", (None, None)) != (client_session, handler):
            log.warning("ignored a SUBSCRIBE of %s from a connection taken over", client_session.client_id)
            return
        await super()._handle_subscription(client_session, handler, waiter)

    async def _deliver_acknowledged(self, session: Session, handler: Any) -> None:
        """Pass on what the client published and was acknowledged but not yet passed on when it left.

        amqtt acknowledges a QoS 1 PUBLISH as it reads it and queues it in the publisher's session; its
        client loop passes the queue on one message at a time and stops at the disconnect. What was
        left waited in the session until that client connected again, or vanished with a clean
        session, while the panel, acknowledged, never sent it again (the red team's lost fire).
        """
        queue = session.delivered_message_queue
        while not queue.empty():
            delivered = asyncio.get_running_loop().create_future()
            delivered.set_result(queue.get_nowait())
            await self._handle_message_delivery(session, handler, delivered)

    def _keep_connected(self, session: Session, handler: Any) -> bool:
        """Mark ``session`` connected again if ``handler``, its current connection, is live; True if so."""
        current, live = self._sessions.get(session.client_id or "", (None, None))
        if current is session and live is handler and not session.transitions.is_connected():
            session.transitions.connect()
            return True
        return False


async def start_embedded_broker(host: str, port: int, guard: BrokerGuard) -> EmbeddedBroker:
    broker = EmbeddedBroker(host, port, guard)
    await broker.start()
    log.info("embedded MQTT broker listening on %s:%d", host, port)
    return broker
