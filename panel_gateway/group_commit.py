"""The gateway's one group commit, for every transport: many messages, one commit, then their answers.

A transport adds each message with what its decoder made of it; the committer gathers what arrives
within a few milliseconds (``wait_ms``, at most ``max_batch`` messages), stores it in one transaction
and only then releases the messages: the MQTT transport sends their PUBACKs, a DC-09 or serial
connection its ACK. Nothing is released before its commit.

- Alarms first: a message carrying an alarm is committed in a batch of its own, before routine traffic
  that came earlier, and without waiting to fill a batch (``intake_order.py``).
- Two batches commit at once (``PIPELINE``), and an alarm gets a third place rather than wait for two
  routine batches.
- Released in arrival order where the protocol wants it (MQTT's PUBACKs, ``in_arrival_order``);
  otherwise each batch as it commits (a DC-09 or serial answer goes to its own connection).
- The database away: ``Ingest.store`` raises only then (``core/db_errors.database_away``; a message it cannot
  store becomes a dead letter), and the batch is kept, unreleased, and retried on ``RETRY_SECONDS``.
- Cancelled, the loop stops at once, even when the driver turned the cancellation into another error
  (``stop_if_cancelled``); the batches under way are cancelled, unreleased, so the panels send again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from control_center.core.tasks import stop_if_cancelled
from panel_gateway.ingest import Ingest, Received, urgent
from panel_gateway.intake_order import Entry, IntakeOrder

log = logging.getLogger(__name__)

RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)  # the gateway's one retry schedule (commits, reconnections)
PIPELINE = 2  # batches committing at once (and one more for alarms)
STOP_SECONDS = 2.0  # how long a stopping group commit waits for its cancelled batches to end

T = TypeVar("T")
Message = tuple[T, Sequence[Received]]  # what a transport needs to answer, and the message's items


def retry_delay(attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first)."""
    return RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]


class GroupCommit(Generic[T]):
    """One group commit; ``release`` gets the committed messages (see the module docstring)."""

    def __init__(
        self,
        ingest: Ingest,
        release: Callable[[list[Message[T]]], None],
        *,
        max_batch: int,
        wait_ms: float,
        in_arrival_order: bool = True,
    ) -> None:
        self._ingest = ingest
        self._release = release
        self._max = max_batch
        self._wait = wait_ms / 1000
        self._order: IntakeOrder[Message[T]] = IntakeOrder(in_arrival_order=in_arrival_order)
        self._arrived = asyncio.Event()
        self._stopped = False  # cancelled: a batch's retry loop ends even if a driver ate its cancellation

    @property
    def unreleased(self) -> int:
        """Messages added and not yet released (waiting, committing, or committed behind an older one)."""
        return self._order.unacked

    def add(self, message: T, items: Sequence[Received]) -> None:
        """Take one message for the next commit; never raises (it may be called from a socket reader)."""
        try:
            first = urgent(items)
        except Exception:  # never let one message break the read (it would be redelivered forever)
            source = items[0].source if items else "?"
            log.exception("could not rank a message from %s; committed as routine", source)
            first = False
        self._order.add((message, items), urgent=first)
        self._arrived.set()

    async def run(self, until: asyncio.Future[Any] | None = None) -> None:
        """Commit until cancelled, or until ``until`` is done (the connection is gone); then the
        batches under way still commit before this returns."""
        if until is not None:
            until.add_done_callback(lambda _: self._arrived.set())
        order, limit, loop = self._order, self._max, asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while until is None or not until.done():
                if not order.waiting:
                    self._arrived.clear()
                    await self._arrived.wait()
                    continue
                # Wait a few ms to fill the batch, unless an alarm is waiting.
                deadline = loop.time() + self._wait
                while order.waiting < limit and not order.urgent_waiting and not (until and until.done()):
                    if (left := deadline - loop.time()) <= 0:
                        break
                    self._arrived.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._arrived.wait(), left)
                # An alarm arriving mid-commit does not wait for it, nor for two routine batches.
                while len(in_flight) >= PIPELINE + order.urgent_waiting:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                task = asyncio.create_task(self._commit(order.take(limit)))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
        finally:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                self._stopped = True
                for task in in_flight:
                    task.cancel()  # shutting down: unreleased, so the panels send them again
                # Waited for, briefly: a batch left running outlived its gateway, retrying for ever
                # against a closed database (a test's event loop then never closed).
                if in_flight:
                    await asyncio.shield(asyncio.wait(in_flight, timeout=STOP_SECONDS))
            else:
                # The connection is gone, not the process: let the batches under way commit (their
                # answers are lost with the connection; a redelivery meets the unique key). Cancelling
                # one mid-transaction could leave SQLite's write lock held and stall every later batch.
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def _commit(self, batch: list[Entry[Message[T]]]) -> None:
        items = [item for entry in batch for item in entry.message[1]]
        log.debug("batch received: %d message(s), committing", len(batch))
        attempt = 0
        while True:
            try:
                result = await self._ingest.store(items)
                break
            except Exception as exc:  # the database is away: keep the batch, never release it uncommitted
                stop_if_cancelled()
                if self._stopped:  # cancelled, and the driver turned the cancellation into this error
                    raise asyncio.CancelledError from exc
                delay = retry_delay(attempt)
                attempt += 1
                log.error("commit failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        released = self._order.committed(batch)
        log.debug("batch committed: %s; %d released", result, len(released))
        if released:
            try:
                self._release(released)
            except Exception:  # a lost answer is sent again by the panel; the loop must go on
                log.exception("releasing %d committed message(s) failed", len(released))


def _answer(waiters: list[Message[asyncio.Future[None]]]) -> None:
    for done, _ in waiters:
        if not done.done():  # a connection that gave up waiting
            done.set_result(None)


class GroupCommitter(GroupCommit[asyncio.Future[None]]):
    """For connections that wait for their answer (DC-09, serial): ``submit`` returns once committed."""

    def __init__(self, ingest: Ingest, max_batch: int = 500, wait_ms: float = 2.0) -> None:
        super().__init__(ingest, _answer, max_batch=max_batch, wait_ms=wait_ms, in_arrival_order=False)

    async def submit(self, items: Sequence[Received]) -> None:
        """Returns once the items are committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.add(done, items)
        await done
