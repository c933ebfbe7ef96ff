"""MQTT ingest: QoS 1, persistent session, PUBACK only after the batch is committed.

aiomqtt has no public manual-ack API, so the underlying paho client is put in manual-ack mode
(``manual_ack_set(True)``) before connecting and each message is acknowledged with ``ack(mid, qos)``
once the database has committed it. A crash before the commit leaves the message unacknowledged;
the broker redelivers it when the gateway's persistent session reconnects, and the
(account, message id) unique key makes the redelivery a no-op if it had been stored after all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

import aiomqtt

from control_center.cancellation import stop_if_cancelled
from control_center.db import utcnow
from control_center.settings import Settings
from panel_gateway.ingest import Ingest, Received, received
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)

TRANSPORT = "mqtt"
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
PIPELINE = 2  # batches committing at once


def subscription(settings: Settings) -> str:
    topic = f"{settings.mqtt_topic_root}/+/signals"
    return f"$share/{settings.mqtt_shared_group}/{topic}" if settings.mqtt_shared_group else topic


def decode(message: aiomqtt.Message, topic_root: str, keys: Mapping[str, bytes]) -> list[Received]:
    raw = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
    topic = message.topic.value
    now = utcnow()
    account = mqtt_payload.topic_account(topic, topic_root)
    decoded = (
        account if isinstance(account, ParseError) else mqtt_payload.parse(account, raw, keys=keys, now=now)
    )
    return received(TRANSPORT, topic, raw, now, decoded)


class MqttGateway:
    def __init__(
        self,
        settings: Settings,
        ingest: Ingest,
        keys: Callable[[], Mapping[str, bytes]] = dict,
        on_acked: Callable[[list[Received]], None] | None = None,
    ) -> None:
        self._settings = settings
        self._ingest = ingest
        self._keys = keys
        self._on_acked = on_acked  # measurement hook (bench ingest); called after the PUBACKs
        self.ready = asyncio.Event()

    def _client(self) -> aiomqtt.Client:
        target = self._settings.broker
        client = aiomqtt.Client(
            target.host,
            target.port,
            # The embedded broker keeps sessions only for named clients.
            username=target.username or "gateway",
            password=target.password,
            identifier=self._settings.mqtt_client_id,
            clean_session=False,
            keepalive=30,
        )
        client._client.manual_ack_set(True)  # see the module docstring
        return client

    async def run(self) -> None:
        """Connect, subscribe and ingest until cancelled; reconnects after broker outages."""
        attempt = 0
        while True:
            try:
                async with self._client() as client:
                    consumer = asyncio.create_task(self._consume(client))
                    await client.subscribe(subscription(self._settings), qos=1)
                    attempt = 0
                    self.ready.set()
                    log.info("gateway ready: subscribed to %s", subscription(self._settings))
                    await consumer
            except aiomqtt.MqttError as exc:
                stop_if_cancelled()
                self.ready.clear()
                delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                attempt += 1
                log.warning("broker connection lost (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def _consume(self, client: aiomqtt.Client) -> None:
        messages = client.messages
        limit = self._settings.ingest_batch_max
        wait = self._settings.ingest_batch_wait_ms / 1000
        loop = asyncio.get_running_loop()
        # Two batches in flight: the next one commits while the last one's commit is still under way,
        # so an alarm arriving mid-commit does not wait for it. Acknowledgements stay in order.
        in_flight: list[asyncio.Task[None]] = []
        try:
            while True:
                batch = [await anext(messages)]
                deadline = loop.time() + wait
                # Group commit: take what is already queued, wait a few ms for more, then commit once.
                while len(batch) < limit:
                    queued = min(len(messages), limit - len(batch))
                    if queued:
                        batch.extend([await anext(messages) for _ in range(queued)])
                    elif loop.time() < deadline:
                        await asyncio.sleep(0.001)
                    else:
                        break
                in_flight = [t for t in in_flight if not t.done()]
                if len(in_flight) >= PIPELINE:
                    await in_flight[0]
                after = in_flight[-1] if in_flight else None
                in_flight.append(asyncio.create_task(self._store_then_ack(client, batch, after)))
        finally:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                for task in in_flight:
                    task.cancel()  # shutting down: unacknowledged, so redelivered to the next session
            else:
                # The connection is gone, not the process: let the batches under way commit (their
                # PUBACKs are lost with the connection; the redelivery meets the unique key). Cancelling
                # one mid-transaction could leave SQLite's write lock held and stall every later batch.
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _store_then_ack(
        self, client: aiomqtt.Client, batch: list[aiomqtt.Message], after: asyncio.Task[None] | None
    ) -> None:
        keys = self._keys()
        items = [item for m in batch for item in decode(m, self._settings.mqtt_topic_root, keys)]
        log.debug("batch received: %d message(s), committing", len(batch))
        attempt = 0
        while True:
            try:
                result = await self._ingest.store(items)
                break
            except Exception as exc:  # the database is away: keep the batch, never ack it uncommitted
                stop_if_cancelled()
                delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                attempt += 1
                log.error("commit failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        if after is not None:
            await after  # MQTT wants PUBACKs in the order the PUBLISHes came
        for message in batch:
            if message.qos > 0:
                client._client.ack(message.mid, message.qos)
        log.debug("batch committed and acked: %s", result)
        if self._on_acked is not None:
            self._on_acked(items)
