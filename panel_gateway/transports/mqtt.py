"""MQTT ingest: QoS 1, persistent session, PUBACK only after the message is committed.

aiomqtt has no public manual-ack API, so the underlying paho client is put in manual-ack mode
(``manual_ack_set(True)``) before connecting and each message is acknowledged with ``ack(mid, qos)``
once the database has committed it. A crash before the commit leaves the message unacknowledged;
the broker redelivers it when the gateway's persistent session reconnects, and the
(account, message id) unique key makes the redelivery a no-op if it had been stored after all.

Messages are taken from paho as it reads them (``_watch``), not through aiomqtt's queue, and
committed by the gateway's group commit (``panel_gateway/group_commit.py``, one per session): alarms
first, the PUBACKs in arrival order.
"""

from __future__ import annotations

import asyncio
import logging
import select
from collections.abc import Callable, Mapping
from typing import Any

import aiomqtt

from control_center.core.db import utcnow
from control_center.core.settings import MqttTarget, Settings
from control_center.core.tasks import stop_if_cancelled
from panel_gateway.broker_access import probe_topic
from panel_gateway.group_commit import GroupCommit, Message, retry_delay
from panel_gateway.ingest import Ingest, Received, received
from panel_gateway.models import GatewayState
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.panel_signal import PanelSignal
from panel_gateway.transports.mqtt_liveness import STABLE_SECONDS, refused, silent

log = logging.getLogger(__name__)

TRANSPORT = "mqtt"
READ_BURST = 500  # packets read per readable socket at most, so other tasks still get their turn
SUBSCRIBE_SECONDS = 5.0  # no SUBACK by then: reconnect

Delivery = tuple[int, int]  # a message's mid and QoS: what its PUBACK needs


class SubscriptionRefused(aiomqtt.MqttError):
    """The broker's SUBACK refused a topic: reconnect and try again, as after any lost session."""


def subscription(settings: Settings) -> str:
    topic = f"{settings.mqtt_topic_root}/+/signals"
    return f"$share/{settings.mqtt_shared_group}/{topic}" if settings.mqtt_shared_group else topic


def decode(message: aiomqtt.Message | Any, topic_root: str, keys: Mapping[str, bytes]) -> list[Received]:
    """One message (aiomqtt's, or paho's as the gateway takes it) as ingest items; never raises, so
    one message can never hold back its batch."""
    payload = message.payload
    if isinstance(payload, bytes | bytearray):
        raw = bytes(payload)
    else:
        raw = b"" if payload is None else str(payload).encode(errors="surrogatepass")
    now = utcnow()
    topic = "?"
    try:
        topic = message.topic if isinstance(message.topic, str) else message.topic.value
        account = mqtt_payload.topic_account(topic, topic_root)
        if isinstance(account, ParseError):
            decoded: list[PanelSignal] | ParseError = account
        else:
            decoded = mqtt_payload.parse(account, raw, keys=keys, now=now)
    except Exception as exc:  # a decoder bug: the message becomes a dead letter, the batch goes on
        log.exception("decoder failed on a message from %s", topic)
        decoded = ParseError(f"decoder failed: {type(exc).__name__}")
    return received(TRANSPORT, topic, raw, now, decoded)


def read_in_bursts(client: aiomqtt.Client) -> None:
    """Read up to ``READ_BURST`` packets each time the socket is readable, instead of aiomqtt's one.

    aiomqtt's reader callback calls paho's ``loop_read``, which reads a single packet on a plain TCP
    socket; so the gateway read one message per turn of an event loop that also commits, serves the
    console and works the inbox, and under a flood the backlog, with any alarm in it, waited in the
    socket. Reading what is there lets the gateway see an alarm behind a flood and commit it first.
    """
    paho = client._client
    sock = paho.socket()
    if sock is None:
        return
    fd = sock.fileno()
    loop = asyncio.get_running_loop()

    def callback() -> None:
        try:
            for _ in range(READ_BURST):
                paho.loop_read()
                if paho.socket() is None or not select.select([sock], [], [], 0)[0]:
                    break
        except Exception as exc:  # as aiomqtt does: a broken read means a broken connection
            if not client._disconnected.done():
                client._disconnected.set_exception(exc)

    loop.remove_reader(fd)
    loop.add_reader(fd, callback)


class MqttGateway:
    def __init__(
        self,
        settings: Settings,
        ingest: Ingest,
        keys: Callable[[], Mapping[str, bytes]] = dict,
        on_acked: Callable[[list[Received]], None] | None = None,
        broker: MqttTarget | None = None,
    ) -> None:
        self._settings = settings
        # Where and as whom: the settings' broker (a cluster: its nodes), or the embedded one with the
        # login made at start.
        self._brokers = [broker] if broker is not None else settings.brokers
        self._node = 0  # the node the next session connects to
        self._ingest = ingest
        self._keys = keys
        self._on_acked = on_acked  # measurement hook (bench ingest); called after the PUBACKs
        self.ready = asyncio.Event()
        # Reported by the heartbeat (panel_gateway/heartbeat.py); ``changed`` is set on every change.
        self.state = GatewayState(subscribed=False, problem="starting", since=utcnow())
        self.changed = asyncio.Event()
        self._heard_at = 0.0  # loop time of the broker's last delivery, signal or probe
        self._ended_because: str | None = None  # why this side ended the session (a silent one)
        self._commit: GroupCommit[Delivery] | None = None  # the current session's

    @property
    def unacknowledged(self) -> int:
        """Messages of the current session received but not yet acknowledged to the broker."""
        return self._commit.unreleased if self._commit is not None else 0

    @property
    def node(self) -> MqttTarget:
        """The broker node the current (or next) session uses."""
        return self._brokers[self._node]

    def _next_node(self) -> None:
        """After a session ended: a cluster's next node, so a dead node is left behind at once (its
        session, subscription and unacknowledged messages are the cluster's, replicated)."""
        self._node = (self._node + 1) % len(self._brokers)

    def _client(self) -> aiomqtt.Client:
        target = self.node
        client = aiomqtt.Client(
            target.host,
            target.port,
            # With the generated broker access, the client id is the user name (nobody else's).
            username=target.username,
            password=target.password,
            identifier=self._settings.mqtt_client_id,
            clean_session=False,
            keepalive=30,
        )
        client._client.manual_ack_set(True)  # see the module docstring
        return client

    async def run(self) -> None:
        """Connect, subscribe and ingest until cancelled.

        Whatever ends a session is logged and followed by a new connection and subscription: the
        broker gone, the session taken over by another client with our id, a refused subscription, a
        connection on which nothing arrives any more (``_probe``), or a bug of ours.
        """
        loop = asyncio.get_running_loop()
        attempt = 0
        try:
            while True:
                began = loop.time()
                self._ended_because = None
                try:
                    await self._session()
                    problem = "session ended"  # _session returns only by raising; kept for safety
                except aiomqtt.MqttError as exc:
                    stop_if_cancelled()
                    problem = self._ended_because or f"broker connection lost ({exc})"
                except Exception as exc:
                    stop_if_cancelled()
                    log.exception("gateway session failed")
                    problem = f"gateway error ({type(exc).__name__}: {exc})"
                lasted = loop.time() - began
                was_subscribed = self.state.subscribed
                self._report(subscribed=False, problem=problem[:300])
                if lasted >= STABLE_SECONDS:
                    attempt = 0
                delay = retry_delay(attempt)
                attempt += 1
                if len(self._brokers) > 1:
                    self._next_node()
                    problem += f"; next node {self.node.host}:{self.node.port}"
                log.warning("MQTT intake stopped: %s; reconnecting in %.1fs", problem, delay)
                if was_subscribed and lasted < STABLE_SECONDS and self._ended_because is None:
                    log.warning(
                        "the session lasted %.1fs: if this repeats, another client is using the client id "
                        "%r (a session take-over: a second gateway, or someone with its password)",
                        lasted,
                        self._settings.mqtt_client_id,
                    )
                await asyncio.sleep(delay)
        finally:
            self._report(subscribed=False, problem="stopped")

    def _report(self, *, subscribed: bool, problem: str | None) -> None:
        self.state = self.state.then(subscribed=subscribed, problem=problem, at=utcnow())
        if subscribed:
            self.ready.set()
        else:
            self.ready.clear()
        self.changed.set()

    async def _session(self) -> None:
        """One connection: subscribe, probe and consume until it ends (always by raising)."""
        client = self._client()
        commit: GroupCommit[Delivery] = GroupCommit(
            self._ingest,
            self._acknowledge(client),
            max_batch=self._settings.ingest_batch_max,
            wait_ms=self._settings.ingest_batch_wait_ms,
        )
        self._commit = commit
        self._watch(client, commit)
        async with client:
            read_in_bursts(client)
            topics = [subscription(self._settings), probe_topic(self._settings.mqtt_topic_root)]
            granted = await self._subscribe(client, [(topics[0], 1), (topics[1], 0)])
            if (why := refused(topics, granted)) is not None:
                raise SubscriptionRefused(why)
            self._heard_at = asyncio.get_running_loop().time()
            self._report(subscribed=True, problem=None)
            at = f" at {self.node.host}:{self.node.port}" if len(self._brokers) > 1 else ""
            log.info("gateway ready: subscribed to %s%s", topics[0], at)
            prober = asyncio.create_task(self._probe(client))
            try:
                await commit.run(until=client._disconnected)  # returns once the connection is gone
                lost = client._disconnected
                why = lost.exception() if not lost.cancelled() else None
                raise aiomqtt.MqttError(f"connection lost ({why})")
            finally:
                prober.cancel()
                await asyncio.gather(prober, return_exceptions=True)

    @staticmethod
    async def _subscribe(client: aiomqtt.Client, topics: list[tuple[str, int]]) -> Any:
        """The SUBACK's codes. aiomqtt's subscribe waits out its timeout even when the connection has
        dropped meanwhile (a take-over while subscribing), so it races the disconnect here."""
        subscribing = asyncio.ensure_future(client.subscribe(topics, timeout=SUBSCRIBE_SECONDS))
        try:
            await asyncio.wait({subscribing, client._disconnected}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not subscribing.done():
                subscribing.cancel()
        if not subscribing.done() or subscribing.cancelled():
            lost = client._disconnected
            why = lost.exception() if lost.done() and not lost.cancelled() else None  # retrieved, so quiet
            raise aiomqtt.MqttError(f"connection lost while subscribing ({why})")
        return subscribing.result()

    def _watch(self, client: aiomqtt.Client, commit: GroupCommit[Delivery]) -> None:
        """Take each delivery as paho hands it over: note it (liveness), leave the probes out, and
        decode it and hand it to the group commit at once instead of through aiomqtt's queue, whose
        iterator yields to the event loop once per message and so, under a flood, read the backlog
        no faster than the loop turned, an alarm in it waiting its turn."""
        root = self._settings.mqtt_topic_root
        probe = probe_topic(root).encode()
        loop = asyncio.get_running_loop()

        def on_message(c: Any, userdata: Any, message: Any) -> None:
            self._heard_at = loop.time()
            if message._topic == probe:  # the raw bytes: a topic that is not UTF-8 is a dead letter
                return
            commit.add((message.mid, message.qos), decode(message, root, self._keys()))

        client._client.on_message = on_message

    async def _probe(self, client: aiomqtt.Client) -> None:
        """A message to ourselves every few seconds; nothing heard for a while ends the session."""
        every = self._settings.mqtt_probe_seconds
        topic = probe_topic(self._settings.mqtt_topic_root)
        loop = asyncio.get_running_loop()
        while True:
            try:
                await client.publish(topic, b"probe", qos=0)
            except aiomqtt.MqttError:
                return  # the connection is ending: the consumer sees it too
            await asyncio.sleep(every)
            if silent(loop.time(), self._heard_at, every):
                self._ended_because = (
                    f"nothing delivered for {loop.time() - self._heard_at:.1f}s, not even the gateway's "
                    "own probe: the subscription is lost or the session was taken over"
                )
                log.warning("%s; ending the session", self._ended_because)
                client._client.disconnect()  # the consumer ends as on any lost connection
                return

    def _acknowledge(self, client: aiomqtt.Client) -> Callable[[list[Message[Delivery]]], None]:
        """The PUBACKs of committed messages (the group commit releases them in arrival order)."""

        def release(committed: list[Message[Delivery]]) -> None:
            for (mid, qos), _ in committed:
                if qos > 0:
                    client._client.ack(mid, qos)
            if self._on_acked is not None:
                self._on_acked([item for _, items in committed for item in items])

        return release
