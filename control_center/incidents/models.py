from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.db import Base, UTCDateTime
from control_center.i18n import N_
from control_center.subscribers.models import Premises


class IncidentStatus(StrEnum):
    RECEIVED = "received"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


# Shown through the catalogs (templates call _(status)).
STATUS_WORDS = (N_("received"), N_("claimed"), N_("resolved"))


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))
    service_type: Mapped[str] = mapped_column(String(1))
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=IncidentStatus.RECEIVED)
    # Set while open, NULL once closed: the unique index allows one open incident per premises and service.
    open_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    last_signal_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    restored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the condition has ended
    signal_count: Mapped[int] = mapped_column(Integer, default=1)

    premises: Mapped[Premises | None] = relationship()
