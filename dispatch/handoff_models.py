"""Tables of the agency hand-off: each message sent, each reply received, the premises' directions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, UTCDateTime


class AgencyHandoff(Base):
    """One ASAP notification to one agency for one agency task; its status follows the agency's replies.

    ``fallback_due_at`` is when, without an acceptance, the voice call takes over (a rejection sets it to
    the rejection's time); ``fallback_started_at`` when one process claimed the call (a conditional
    UPDATE: exactly one claimant on SQLite and PostgreSQL alike, handoff_service.fall_back);
    ``fallback_at`` when that call was made."""

    __tablename__ = "agency_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("incident_tasks.id"), index=True)
    agency: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_by: Mapped[str] = mapped_column(String(100))
    document: Mapped[str] = mapped_column(Text)  # the AlarmNotification exactly as sent
    evidence_url: Mapped[str | None] = mapped_column(String(300))  # signed, expiring (handoff_service)
    status: Mapped[str] = mapped_column(String(20))  # sent | accepted | rejected | dispatched | … | voice
    agency_reference: Mapped[str | None] = mapped_column(String(100))
    reject_reason: Mapped[str | None] = mapped_column(String(300))
    fallback_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    fallback_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    fallback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    voice_reference: Mapped[str | None] = mapped_column(String(100))


class AgencyReply(Base):
    """A status update as received (its MessageID unique: a replayed reply is recorded once)."""

    __tablename__ = "agency_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("agency_handoffs.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the agency's MessageDateTime
    status: Mapped[str] = mapped_column(String(20))
    agency_reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))


class PremisesDirections(Base):
    """How a police car or fire engine finds the premises: directions and landmarks, for the call-taker."""

    __tablename__ = "premises_directions"

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True)
    directions: Mapped[str | None] = mapped_column(String(300))
    landmarks: Mapped[str | None] = mapped_column(String(300))
