"""Store-then-ack: every transport hands its decoded messages here and acknowledges only after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db_errors import database_away
from control_center.signals import intake
from control_center.signals.classification import Classification, classify
from control_center.signals.link_supervision import IntakeProgress
from control_center.signals.service_types import Priority
from panel_gateway import metrics
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.panel_signal import PanelSignal, UnknownEvent

log = logging.getLogger(__name__)

DEAD_LETTER_KEEP = 4 * 1024  # bytes of a refused input kept; its full length and SHA-256 are kept beside


@dataclass(frozen=True, slots=True)
class Received:
    """One message as it came off the wire, with what its decoder made of it."""

    transport: str
    source: str
    raw: bytes
    received_at: dt.datetime
    decoded: PanelSignal | ParseError


@dataclass(frozen=True, slots=True)
class StoreResult:
    stored: int  # new signals
    duplicates: int  # already stored (a retry after a lost ack)
    dead_letters: int


def received(
    transport: str, source: str, raw: bytes, at: dt.datetime, decoded: list[PanelSignal] | ParseError
) -> list[Received]:
    """One wire message as ingest items: one per signal, or one carrying the parse error."""
    if isinstance(decoded, ParseError):
        return [Received(transport, source, raw, at, decoded)]
    return [Received(transport, source, raw, at, signal) for signal in decoded]


def urgent(items: list[Received]) -> bool:
    """Whether a message carries an alarm (life safety or intrusion): it is committed before routine
    traffic that arrived earlier (panel_gateway/intake_order.py)."""
    return any(
        isinstance(s := item.decoded, PanelSignal)
        and s.event is not None
        and classify(s.event, s.device).priority <= Priority.ALARM
        for item in items
    )


def signal_row(item: Received, signal: PanelSignal) -> dict[str, object]:
    event = signal.event
    assert event is not None
    c = classify(event, signal.device)
    details = _clean(json.dumps(signal.details, ensure_ascii=False)) if signal.details else None
    if isinstance(event, UnknownEvent):
        # The raw frame is the signal: stored whole (``raw``) with why it could not be read (``details``).
        return _base_row(item, signal, c) | {"format": "unknown", "event_code": "unknown", "qualifier": None,
                                             "partition": 0, "zone": 0, "details": details}  # fmt: skip
    is_cid = isinstance(event, ContactIdEvent)
    return _base_row(item, signal, c) | {
        "format": "contact_id" if is_cid else "sia",
        "event_code": f"{event.code:03d}" if is_cid else event.code,
        "qualifier": event.qualifier.value if is_cid else None,
        "partition": event.group if is_cid else event.partition,
        "zone": event.zone,
        "details": details,
    }


def _base_row(item: Received, signal: PanelSignal, c: Classification) -> dict[str, object]:
    return {
        "account": signal.account,
        "message_id": signal.message_id,
        "transport": item.transport,
        "received_at": item.received_at,
        "panel_time": signal.panel_time,
        "device": signal.device,
        "kind": c.kind.value,
        "service_type": c.service_type.value if c.service_type else None,
        "priority": int(c.priority),
        "description": c.description,
        "raw": _text(item.raw),
        "processed_at": None,
        "incident_id": None,
    }


def _text(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL: keep it visible as an escape like the undecodable bytes.
    return raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def _clean(text: str) -> str:
    """Text any database takes: lone surrogates (from JSON's \\ud800) and NUL become escapes."""
    return text.encode("utf-8", errors="backslashreplace").decode().replace("\x00", "\\x00")


def _kept(raw: bytes) -> str:
    """At most DEAD_LETTER_KEEP bytes of stored text (escapes count); a character cut in two is dropped."""
    text = _text(raw[:DEAD_LETTER_KEEP]).encode()[:DEAD_LETTER_KEEP]
    return text.decode(errors="ignore")


def dead_row(item: Received, reason: str) -> dict[str, object]:
    return {
        "transport": item.transport,
        "source": _clean(item.source)[:200],
        "received_at": item.received_at,
        "payload": _kept(item.raw),
        "payload_length": len(item.raw),
        "payload_sha256": hashlib.sha256(item.raw).hexdigest(),
        "reason": _clean(reason)[:300],
    }


def _describe(exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", None) or exc).strip()
    first_line = detail.splitlines()[0] if detail else ""  # later lines carry the SQL and its parameters
    return f"{type(exc).__name__}: {first_line}"[:250]


class Ingest:
    """Commits a batch of received messages in one transaction (group commit)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_stored: Callable[[bool], None] | None = None,
        progress: IntakeProgress | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_stored = on_stored
        self.progress = progress  # how far the intake has got, for link supervision (issue 20)

    async def store_rows(self, rows: Sequence[dict[str, object]]) -> None:
        """Signals the center raises itself (supervision, receiver failure), stored like any other."""
        async with self._sessions() as session, session.begin():
            await intake.store_signals(session, rows)
        if self._on_stored:
            self._on_stored(True)

    @metrics.measured  # counters per transport and the commit time, for /metrics
    async def store(self, batch: Sequence[Received]) -> StoreResult:
        """Commit the batch; raises only when the database is away (the caller retries the batch).

        Any other failure is some message's data. One such message must not hold up the others, nor
        be retried forever: the batch is then stored one by one, and whichever message still fails
        becomes a dead letter with the reason.
        """
        try:
            return await self._store(batch)
        except Exception as exc:
            if database_away(exc):
                raise
            log.error("batch of %d refused (%s); storing one by one", len(batch), _describe(exc))
        totals = StoreResult(0, 0, 0)
        for item in batch:
            result = await self._store_alone(item)
            totals = StoreResult(*(a + b for a, b in zip(astuple(totals), astuple(result), strict=True)))
        return totals

    async def _store_alone(self, item: Received) -> StoreResult:
        try:
            return await self._store([item])
        except Exception as exc:
            if database_away(exc):
                raise
            reason = f"storage refused: {_describe(exc)}"
        log.error("message from %s refused by the database, dead-lettered: %s", _clean(item.source), reason)
        # Should even the dead letter fail, that raises: then it is the database, and the batch is retried.
        return await self._store([replace(item, decoded=ParseError(reason))])

    async def _store(self, batch: Sequence[Received]) -> StoreResult:
        decoded = [item for item in batch if isinstance(item.decoded, PanelSignal)]
        signals = [signal_row(item, item.decoded) for item in decoded if item.decoded.event is not None]
        dead = [dead_row(item, item.decoded.reason) for item in batch if isinstance(item.decoded, ParseError)]
        woke_for_restore = False
        async with self._sessions() as session, session.begin():
            stored = await intake.store_signals(session, signals)
            await intake.store_dead_letters(session, dead)
            if decoded:
                # Every message from a panel is a check-in for link supervision, in the same commit.
                restored = await intake.record_check_ins(
                    session=session, seen=((i.decoded.account, i.received_at, i.transport) for i in decoded)
                )
                woke_for_restore = bool(restored)
        # Committed: now the caller may acknowledge.
        if self.progress is not None:  # a refused message (a stale DC-09 timestamp) says nothing of it
            self.progress.committed((i.received_at, i.decoded.panel_time) for i in decoded)
        if dead:
            log.warning("dead-lettered %d message(s): %s", len(dead), "; ".join(d["reason"] for d in dead))
        # Urgent when an alarm is among them: only then do the workers' alarm lanes look. An alarm met
        # as a duplicate wakes them too: a commit whose answer was lost is retried, and the retry
        # stores nothing new, but the first attempt's wake-up may never have gone out.
        alarm = any(row["priority"] <= Priority.ALARM for row in signals)
        if (stored or woke_for_restore or alarm) and self._on_stored:
            try:
                self._on_stored(alarm)
            except Exception:  # a missed wake-up costs a poll; failing here would store the batch again
                log.exception("wake-up after commit failed")
        return StoreResult(stored, len(signals) - stored, len(dead))
