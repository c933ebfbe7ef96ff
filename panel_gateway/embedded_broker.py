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

And a panel's QoS 1 PUBLISH is acknowledged only once the gateway has acknowledged (after its commit)
the message forwarded to it, with at most ``Relay.bound`` such messages on their way
(``panel_gateway/broker_relay.py``): a panel is never told a message was received that this broker,
which keeps nothing on disk, could still lose.

tests/panel_gateway/transports/test_mqtt_ingest.py proves the redelivery,
tests/panel_gateway/test_panel_identity.py the door, tests/panel_gateway/test_connection_limit.py the
limit, tests/panel_gateway/test_embedded_broker_flood.py the acknowledgement after the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextvars import ContextVar
from typing import Any

from amqtt.adapters import ReaderAdapter, StreamWriterAdapter, WriterAdapter
from amqtt.broker import Broker, RetainedApplicationMessage
from amqtt.contexts import Action
from amqtt.errors import MQTTError
from amqtt.mqtt.connack import NOT_AUTHORIZED, SERVER_UNAVAILABLE, ConnackPacket
from amqtt.mqtt.constants import QOS_0
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.mqtt.protocol.handler import ProtocolHandler
from amqtt.mqtt.puback import PubackPacket
from amqtt.session import OUTGOING, IncomingApplicationMessage, OutgoingApplicationMessage, Session

from control_center.core import limits
from control_center.core.db import utcnow
from panel_gateway import broker_access, metrics
from panel_gateway.broker_access import Role
from panel_gateway.broker_guard import BrokerGuard, GuardAuthPlugin, GuardTopicPlugin
from panel_gateway.broker_relay import Handover, Line, Overflowing, Rank, Relay
from panel_gateway.ingest import received, urgent
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)
CLOSE_DRAIN_SECONDS = 2.0  # how long a closing connection may take to send what it has written
# The handover of the panel message being delivered, for the broadcast that delivery makes (same task).
_delivering: ContextVar[Handover | None] = ContextVar("delivering", default=None)
_original_qos1_flow = ProtocolHandler._handle_qos1_message_flow
_original_init_from_connect = BrokerProtocolHandler.init_from_connect.__func__  # type: ignore[attr-defined]


class _Relayed(IncomingApplicationMessage):
    """A panel's message on its way, with the handover its PUBACK waits for."""

    __slots__ = ("handover",)

    def __init__(self, message: IncomingApplicationMessage, handover: Handover) -> None:
        super().__init__(message.packet_id, message.topic, message.qos, message.data, message.retain)
        self.publish_packet = message.publish_packet
        self.handover = handover


class _Forwarded(OutgoingApplicationMessage):
    """That message sent on to one subscriber: its PUBACK settles the subscriber's part of the handover."""

    __slots__ = ("handover",)

    def __init__(self, packet_id: int, topic: str, qos: int, data: bytes, handover: Handover | None) -> None:
        super().__init__(packet_id, topic, qos, data, False)
        self.handover = handover


class _Kept(RetainedApplicationMessage):
    """That message kept for a persistent subscriber that is offline, to be forwarded when it is back."""

    __slots__ = ("handover",)

    def __init__(
        self, source: Session | None, topic: str, data: bytes, qos: int, handover: Handover | None
    ) -> None:
        super().__init__(source, topic, data, qos)
        self.handover = handover


async def _relay_incoming(
    handler: ProtocolHandler, relay: Relay, app_message: IncomingApplicationMessage
) -> None:
    """The panel's PUBACK once the subscribers have acknowledged (``panel_gateway/broker_relay.py``)."""
    line: Line = handler.relay_line  # type: ignore[attr-defined]
    urgent = relay.rank(app_message.topic, bytes(app_message.data))
    try:
        async with relay.admitted(urgent, line) as handover:
            await handler.session.delivered_message_queue.put(_Relayed(app_message, handover))
            if not await relay.settled(handover):
                metrics.RELAY_GIVEN_UP.inc()
                why = f"message {app_message.packet_id} not acknowledged in {relay.timeout:.0f} s"
                await _hang_up(handler, why + ": no PUBACK (the panel sends it again)")
                return
    except Overflowing:
        why = f"more than {relay.max_unacknowledged} messages sent without waiting for their PUBACKs"
        await _hang_up(handler, why)
        return
    if handover.refused:
        await _hang_up(handler, f"published to {app_message.topic!r}, which it may not use: no PUBACK")
        return
    puback = PubackPacket.build(app_message.packet_id)
    await handler._send_packet(puback)
    app_message.puback_packet = puback


async def _hang_up(handler: ProtocolHandler, why: str) -> None:
    """Close ``handler``'s connection, once: its reader's other messages go with it (not acknowledged)."""
    if getattr(handler, "hung_up", False):
        return
    handler.hung_up = True  # type: ignore[attr-defined]
    log.warning("MQTT client %s: %s; connection closed", handler.session.client_id, why)
    # The socket first: stopping the handler alone left a client that kept writing connected (its
    # reader, always with data to read, let the cancellation pass) and the broker buffering all of it.
    writer = getattr(handler.writer, "_writer", None)
    if writer is not None:
        writer.transport.abort()
    await handler.handle_connection_closed()
    await handler.stop()


async def _qos1_flow(self: ProtocolHandler, app_message: Any) -> None:
    if app_message.direction != OUTGOING:
        relay: Relay | None = getattr(self, "relay", None)
        if relay is None:  # an amqtt broker without the relay: amqtt's own behaviour
            await _original_qos1_flow(self, app_message)
        else:
            await _relay_incoming(self, relay, app_message)
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
    if isinstance(app_message, _Forwarded) and app_message.handover is not None:
        app_message.handover.delivered()


async def _forward(
    handler: ProtocolHandler, topic: str, data: bytes, qos: int, handover: Handover | None
) -> None:
    """amqtt's ``mqtt_publish``, with the handover carried by the message (also through a resend)."""
    packet_id = handler.session.next_packet_id if qos != QOS_0 else None
    await handler._handle_message_flow(_Forwarded(packet_id, topic, qos, data, handover))


def alarm_rank(topic_root: str) -> Rank:
    """Whether a panel's message carries an alarm, read as the gateway will read it (anything it cannot
    read ranks as routine); the relay admits alarms first."""

    def rank(topic: str, data: bytes) -> bool:
        try:
            account = mqtt_payload.topic_account(topic, topic_root)
            if isinstance(account, ParseError):
                return False
            now = utcnow()
            decoded = mqtt_payload.parse(account, data, keys={}, now=now)  # sealed payloads: routine
            return urgent(received("mqtt", topic, data, now, decoded))
        except Exception:  # a decoder bug must not stop the broker: the gateway dead-letters the message
            log.exception("could not rank a message on %s; relayed as routine", topic)
            return False

    return rank


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
    handler.relay = plugin.relay  # type: ignore[attr-defined]
    handler.relay_line = Line()  # type: ignore[attr-defined]
    return handler, session


async def _close(self: StreamWriterAdapter) -> None:
    """amqtt's close, which first waited for everything written to be sent: a peer that stopped reading
    (a half-open link, a NAT mapping gone) held it, and with it a take-over's CONNACK, for as long as TCP
    kept trying (an outside tester's panel reconnecting under load waited 64 s, and intake with it)."""
    if self.is_closed:
        return
    self.is_closed = True
    try:
        await asyncio.wait_for(self._writer.drain(), CLOSE_DRAIN_SECONDS)
    except (TimeoutError, ConnectionError, OSError):
        self._writer.transport.abort()  # what the peer has not read is dropped with the connection
        return
    if self._writer.can_write_eof():
        self._writer.write_eof()
    self._writer.close()
    with contextlib.suppress(AttributeError, ConnectionError, OSError, TimeoutError):
        await asyncio.wait_for(self._writer.wait_closed(), CLOSE_DRAIN_SECONDS)


StreamWriterAdapter.close = _close  # type: ignore[method-assign]
BrokerProtocolHandler._handle_qos1_message_flow = _qos1_flow
BrokerProtocolHandler._retry_deliveries = _retry_deliveries
BrokerProtocolHandler.init_from_connect = classmethod(_init_from_connect)  # type: ignore[assignment]


class EmbeddedBroker(Broker):
    def __init__(self, host: str, port: int, guard: BrokerGuard, relay: Relay | None = None) -> None:
        """The connection limit is the guard's (``max_connections``; None: what this process's open-file
        limit allows). amqtt's own listener limit would hold the excess accepted and waiting, each on
        a descriptor, which is how a broker falls over; the guard refuses them instead."""
        if guard.max_connections is None:
            guard.max_connections = limits.connection_capacity(limits.raise_open_files().soft)
        guard.live_connections = self._live_connections
        self.relay = relay or Relay(rank=alarm_rank(guard.topic_root))
        metrics.RELAY_ON_THE_WAY.set_function(lambda: self.relay.on_the_way)
        plugin = {"guard": guard, "relay": self.relay}
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
            handover = queued.handover if isinstance(queued, _Kept) else None
            _background(_forward(handler, queued.topic, queued.data, queued.qos, handover))

    # --- a panel's PUBACK once its subscribers acknowledged (panel_gateway/broker_relay.py) ---------------

    async def _handle_message_delivery(
        self, client_session: Session, handler: Any, wait_deliver: Any
    ) -> bool:
        message = wait_deliver.result()
        handover = message.handover if isinstance(message, _Relayed) else None
        token = _delivering.set(handover)
        try:
            return await super()._handle_message_delivery(client_session, handler, wait_deliver)
        finally:
            _delivering.reset(token)
            if handover is not None and not handover.queued:  # refused or invalid: nobody will take it
                handover.refuse()

    async def _broadcast_message(
        self, session: Session | None, topic: str | None, data: Any, force_qos: int | None = None
    ) -> None:
        handover = _delivering.get()
        _delivering.set(None)  # a will published in the same task is not the panel's message
        broadcast: dict[str, Any] = {"session": session, "topic": topic, "data": data}
        if force_qos is not None:
            broadcast["qos"] = force_qos
        if handover is not None:
            handover.queued = True
            broadcast["handover"] = handover
        await self._broadcast_queue.put(broadcast)

    async def _run_broadcast(self, running_tasks: Any) -> None:
        """amqtt's, with each QoS 1 subscriber counted in the message's handover. The subscriptions are
        read from a copy: a SUBSCRIBE during the awaits below changed amqtt's dict under its loop, and
        the message went to nobody. Should anything here fail, the handover is never settled: the panel
        gets no PUBACK and sends the message again (``Relay.timeout``)."""
        broadcast = await self._broadcast_queue.get()
        handover: Handover | None = broadcast.get("handover")
        topic, data = broadcast["topic"], broadcast["data"]
        for topic_filter, subscriptions in list(self._subscriptions.items()):
            if not self._matches(topic, topic_filter):
                continue
            for target, subscribed_qos in list(subscriptions):
                qos = broadcast.get("qos", subscribed_qos)
                if not await self._topic_filtering(target, topic=topic, action=Action.RECEIVE):
                    continue
                counted = handover if qos != QOS_0 else None
                connected = target.transitions.state == "connected"
                if not connected and not target.clean_session and qos != QOS_0 and not target.is_anonymous:
                    if counted is not None:  # acknowledged once the subscriber is back
                        counted.expect()
                    await target.retained_messages.put(_Kept(broadcast["session"], topic, data, qos, counted))
                    continue
                handler = self._get_handler(target) if connected else None
                if handler is not None:
                    if counted is not None:
                        counted.expect()
                    running_tasks.append(asyncio.ensure_future(_forward(handler, topic, data, qos, counted)))
        if handover is not None:
            handover.routed()

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


async def start_embedded_broker(
    host: str, port: int, guard: BrokerGuard, relay: Relay | None = None
) -> EmbeddedBroker:
    broker = EmbeddedBroker(host, port, guard, relay)
    await broker.start()
    log.info("embedded MQTT broker listening on %s:%d", host, port)
    return broker
