"""The gateway's counters for Prometheus: what each transport received, stored, found already stored
and dead-lettered, and how long a batch takes to commit.

They live in prometheus_client's default registry, so whichever process runs a gateway (``serve`` with
the embedded broker, or ``control-center gateway``) exposes them on its ``/metrics``
(``control_center/watchdog/metrics.py``). ``Ingest.store`` is wrapped by ``measured``: one place counts
every transport, and only what the store settled (a batch retried because the database is away is
counted once, when it commits; its failed attempts are ``cc_ingest_batch_failures_total``).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from panel_gateway.protocols.errors import ParseError

RECEIVED = Counter(
    "cc_signals_received", "Decoded or refused items the gateway settled, per transport", ["transport"]
)
STORED = Counter("cc_signals_stored", "New signals committed to the inbox, per transport", ["transport"])
DUPLICATES = Counter(
    "cc_signals_duplicates",
    "Signals already stored (a retry after a lost answer), per transport",
    ["transport"],
)
DEAD_LETTERED = Counter(
    "cc_signals_dead_lettered",
    "Items kept as dead letters (unreadable or refused), per transport",
    ["transport"],
)
COMMIT_SECONDS = Histogram(
    "cc_ingest_batch_commit_seconds",
    "Time to commit one batch of signals (group commit), from the store call to its return",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMIT_FAILURES = Counter(
    "cc_ingest_batch_failures", "Batch commits that failed because the database was away (retried)"
)
RELAY_ON_THE_WAY = Gauge(
    "cc_broker_relay_on_the_way",
    "Panel messages the embedded broker has read and not yet acknowledged (waiting for the gateway's store)",
)
RELAY_GIVEN_UP = Counter(
    "cc_broker_relay_given_up",
    "Panel messages the embedded broker gave up relaying (no gateway stored them in time; the panel resends)",
)


class Item(Protocol):
    """What ``measured`` reads of a received item (``panel_gateway.ingest.Received``)."""

    transport: str
    decoded: Any


class Result(Protocol):
    stored: int
    duplicates: int
    dead_letters: int


@dataclass(frozen=True, slots=True)
class Share:
    received: int
    stored: int
    duplicates: int
    dead_letters: int


def shares(batch: Sequence[Item], result: Result) -> dict[str, Share]:
    """The store's totals per transport. A batch of one transport (the usual case) is exact; a batch
    the DC-09 and serial receivers share is split: refused items where they came from, the signals'
    outcomes in proportion to each transport's signals (largest remainder, so the totals add up)."""
    items = Tally(item.transport for item in batch)
    if len(items) <= 1:
        return {t: Share(n, result.stored, result.duplicates, result.dead_letters) for t, n in items.items()}
    refused = Tally(item.transport for item in batch if isinstance(item.decoded, ParseError))
    signals = {t: items[t] - refused[t] for t in items}
    extra_dead = max(result.dead_letters - sum(refused.values()), 0)  # signals the database refused
    stored = _split(result.stored, signals)
    duplicates = _split(result.duplicates, signals)
    dead = _split(extra_dead, signals)
    return {t: Share(items[t], stored[t], duplicates[t], refused[t] + dead[t]) for t in items}


def _split(total: int, weights: dict[str, int]) -> dict[str, int]:
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    exact = {t: total * w / whole for t, w in weights.items()}
    parts = {t: int(x) for t, x in exact.items()}
    for t in sorted(exact, key=lambda t: exact[t] - parts[t], reverse=True)[: total - sum(parts.values())]:
        parts[t] += 1
    return parts


def count(batch: Sequence[Item], result: Result) -> None:
    for transport, share in shares(batch, result).items():
        RECEIVED.labels(transport).inc(share.received)
        STORED.labels(transport).inc(share.stored)
        DUPLICATES.labels(transport).inc(share.duplicates)
        DEAD_LETTERED.labels(transport).inc(share.dead_letters)


S = TypeVar("S")
R = TypeVar("R", bound=Result)


def measured(
    store: Callable[[S, Sequence[Item]], Awaitable[R]],
) -> Callable[[S, Sequence[Item]], Awaitable[R]]:
    """Count what ``store`` settled and time it; a failed commit (it raises) counts as a failure."""

    @functools.wraps(store)
    async def wrapper(self: S, batch: Sequence[Item]) -> R:
        started = time.perf_counter()
        try:
            result = await store(self, batch)
        except Exception:
            COMMIT_FAILURES.inc()
            raise
        COMMIT_SECONDS.observe(time.perf_counter() - started)
        # A metric must never make a committed batch look failed (it would be retried).
        with contextlib.suppress(Exception):
            count(batch, result)
        return result

    return wrapper
