"""Deadline rows for the timers (life watch, set-forget check, return call), swept by a worker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, UTCDateTime


class Timer(Base):
    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # life_watch | set_forget | return_call
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    trip_id: Mapped[int] = mapped_column(Integer, default=0)  # 0 when not about a trip
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("kind", "premises_id", "trip_id"),)
