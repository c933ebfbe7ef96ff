"""Store-then-ack: every transport hands its decoded messages here and acknowledges only after commit."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, replace

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.alarms.classification import classify
from control_center.alarms.supervision import record_check_ins
from control_center.bulk import insert_new
from panel_gateway.models import DeadLetter, Signal
from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.errors import ParseError
from panel_gateway.protocols.panel_signal import PanelSignal

log = logging.getLogger(__name__)


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


def signal_row(item: Received, signal: PanelSignal) -> dict[str, object]:
    event = signal.event
    assert event is not None
    c = classify(event, signal.device)
    is_cid = isinstance(event, ContactIdEvent)
    return {
        "account": signal.account,
        "message_id": signal.message_id,
        "transport": item.transport,
        "received_at": item.received_at,
        "panel_time": signal.panel_time,
        "format": "contact_id" if is_cid else "sia",
        "event_code": f"{event.code:03d}" if is_cid else event.code,
        "qualifier": event.qualifier.value if is_cid else None,
        "partition": event.group if is_cid else event.partition,
        "zone": event.zone,
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


def _dead_row(item: Received, reason: str) -> dict[str, object]:
    return {
        "transport": item.transport,
        "source": item.source[:200],
        "received_at": item.received_at,
        "payload": _text(item.raw),
        "reason": reason[:300],
    }


class Ingest:
    """Commits a batch of received messages in one transaction (group commit)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], on_stored: Callable[[], None] | None = None
    ) -> None:
        self._sessions = sessions
        self._on_stored = on_stored

    async def store_rows(self, rows: Sequence[dict[str, object]]) -> None:
        """Signals the center raises itself (supervision, receiver failure), stored like any other."""
        async with self._sessions() as session, session.begin():
            await insert_new(session, Signal, rows)
        if self._on_stored:
            self._on_stored()

    async def store(self, batch: Sequence[Received]) -> StoreResult:
        """Commit the batch; raises only when the database cannot be reached (the caller retries)."""
        try:
            return await self._store(batch)
        except (OperationalError, InterfaceError):
            raise
        except DBAPIError as exc:
            # One message the database refuses must not hold up the others forever: store them one by
            # one, and dead-letter whichever still fails, with the database's reason.
            log.error("batch refused by the database (%s); storing one by one", exc.orig)
            totals = StoreResult(0, 0, 0)
            for item in batch:
                try:
                    result = await self._store([item])
                except (OperationalError, InterfaceError):
                    raise
                except DBAPIError as item_exc:
                    reason = f"storage refused: {item_exc.orig}"
                    result = await self._store([replace(item, decoded=ParseError(reason))])
                totals = StoreResult(*(a + b for a, b in zip(astuple(totals), astuple(result), strict=True)))
            return totals

    async def _store(self, batch: Sequence[Received]) -> StoreResult:
        decoded = [item for item in batch if isinstance(item.decoded, PanelSignal)]
        signals = [signal_row(item, item.decoded) for item in decoded if item.decoded.event is not None]
        dead = [
            _dead_row(item, item.decoded.reason) for item in batch if isinstance(item.decoded, ParseError)
        ]
        woke_for_restore = False
        async with self._sessions() as session, session.begin():
            stored = await insert_new(session, Signal, signals)
            await insert_new(session, DeadLetter, dead)
            if decoded:
                # Every message from a panel is a check-in for link supervision, in the same commit.
                restored = await record_check_ins(
                    session=session, seen=((i.decoded.account, i.received_at) for i in decoded)
                )
                woke_for_restore = bool(restored)
        # Committed: now the caller may acknowledge.
        if dead:
            log.warning("dead-lettered %d message(s): %s", len(dead), "; ".join(d["reason"] for d in dead))
        if (stored or woke_for_restore) and self._on_stored:
            self._on_stored()
        return StoreResult(stored, len(signals) - stored, len(dead))
