"""The signal inbox and the dead-letter table: what the gateway commits, through intake, before it acks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Index, Integer, String, Text, UniqueConstraint, or_, text
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, BigId, UTCDateTime


class Signal(Base):
    """A stored signal: part of the legal alarm record (警備業法 art. 44 / 施行規則 art. 64, kept 1 year).

    On PostgreSQL the table is partitioned by month of ``received_at`` (migration 0016, docs/storage.md):
    its primary key there is (id, received_at), and the (account, message_id) dedup is kept by the
    ``signal_keys`` table and a trigger instead of the unique constraint below (which SQLite keeps).
    """

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(64))  # the panel's own id: dedup key with account
    transport: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    panel_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    format: Mapped[str] = mapped_column(String(16))  # contact_id | sia | unknown (data nobody could read)
    event_code: Mapped[str] = mapped_column(String(8))
    qualifier: Mapped[str | None] = mapped_column(String(1))
    partition: Mapped[int] = mapped_column(Integer, default=0)
    zone: Mapped[int] = mapped_column(Integer, default=0)
    device: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    service_type: Mapped[str | None] = mapped_column(String(1))
    priority: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(100))
    raw: Mapped[str] = mapped_column(Text)
    # What else the panel said, as JSON text (panel_signal.PanelSignal.details): DC-09 extended fields
    # (verification URL, location, time, room…), DC-03 modifiers and text; for an unknown signal, why.
    details: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    held_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # runaway device: held, still stored
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)

    @property
    def details_map(self) -> dict[str, Any]:
        """``details`` as a mapping for the pages (empty when there are none)."""
        if not self.details:
            return {}
        try:
            value = json.loads(self.details)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def event_time(self) -> dt.datetime | None:
        """When the event happened by the panel (DC-09 ``[H…]``), if it said so in a readable form."""
        extended = self.details_map.get("extended")
        text = extended.get("event_time") if isinstance(extended, dict) else None
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if isinstance(text, str) else None
        except ValueError:
            return None

    __table_args__ = (
        UniqueConstraint("account", "message_id"),
        # The inbox: unprocessed signals, most urgent first.
        Index(
            "ix_signals_inbox",
            "priority",
            "id",
            postgresql_where=text("processed_at IS NULL"),
            sqlite_where=text("processed_at IS NULL"),
        ),
    )


def waiting(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    """The signals the inbox has still to work at ``now``: not processed, and not held (a runaway
    device's, held until later). The inbox worker takes from these; the watchdog times their wait."""
    return Signal.processed_at.is_(None), or_(Signal.held_until.is_(None), Signal.held_until <= now)


class DeadLetter(Base):
    """A message that could not be parsed, kept with the reason: nothing is dropped silently."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    transport: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))  # topic, peer address or line
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)  # undecodable bytes kept as \\x escapes
    payload_length: Mapped[int | None] = mapped_column(BigInteger)  # of the whole input, before truncation
    payload_sha256: Mapped[str | None] = mapped_column(String(64))  # of the whole input
    reason: Mapped[str] = mapped_column(String(300))
