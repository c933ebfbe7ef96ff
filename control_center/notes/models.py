"""A note on an incident: append-only, part of the incident's record (never edited or deleted)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, BigId, UTCDateTime

MAX_NOTE_CHARS = 2000  # a handover paragraph; longer text belongs in the written report


class IncidentNote(Base):
    __tablename__ = "incident_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    author: Mapped[str] = mapped_column(String(100), index=True)  # the login; pages show the name
    body: Mapped[str] = mapped_column(Text)
