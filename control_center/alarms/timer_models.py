"""Deadline rows for the timers (life watch, set-forget check, return call), swept by a worker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from control_center.db import Base, UTCDateTime


class Timer(Base):
    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # life_watch | set_forget | return_call
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    trip_id: Mapped[int] = mapped_column(Integer, default=0)  # 0 when not about a trip
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "premises_id", "trip_id"),)


class AuditEntry(Base):
    """Every view of a subscriber's personal data and every change: who, when, what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(20))  # view | change
    subject: Mapped[str] = mapped_column(String(100), index=True)  # e.g. subscriber:12, incident:40
    detail: Mapped[str] = mapped_column(String(500), default="")
