from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.core.db import Base, BigId, UTCDateTime
from control_center.core.i18n import N_
from control_center.subscribers.models import Premises


class IncidentStatus(StrEnum):
    """received → claimed → verifying → false alarm (closed) / confirmed / no answer → responder on
    site → resolved (closed) → report sent."""

    RECEIVED = "received"
    CLAIMED = "claimed"
    VERIFYING = "verifying"
    FALSE_ALARM = "false_alarm"
    CONFIRMED = "confirmed"
    NO_ANSWER = "no_answer"
    RESPONDER_ON_SITE = "responder_on_site"
    RESOLVED = "resolved"
    REPORT_SENT = "report_sent"


# Shown through the catalogs (templates call _(status)).
STATUS_WORDS = (
    N_("received"),
    N_("claimed"),
    N_("verifying"),
    N_("responder_on_site"),
    N_("resolved"),
    N_("report_sent"),
)


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
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)  # a resident passed the house-code check
    outcome: Mapped[str | None] = mapped_column(String(20))
    responder_on_site_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(300))
    flag: Mapped[str | None] = mapped_column(String(100))  # e.g. a burglary alarm while disarmed
    # The AVS-01 level (0–4) and the reasons that set it, as JSON (control_center/alarms/alarm_level.py,
    # kept current by control_center/incidents/alarm_level_service.py); NULL before the first assessment.
    alarm_level: Mapped[int | None] = mapped_column(Integer)
    alarm_level_reasons: Mapped[str | None] = mapped_column(Text)

    @property
    def alarm_reason_list(self) -> list[dict[str, Any]]:
        """The stored reasons as mappings (code, data, level) for the pages; none when unreadable."""
        try:
            value = json.loads(self.alarm_level_reasons or "[]")
        except ValueError:
            return []
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    premises: Mapped[Premises | None] = relationship()
    events: Mapped[list[IncidentEvent]] = relationship(
        order_by="IncidentEvent.id", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[IncidentTask]] = relationship(order_by="IncidentTask.id", cascade="all, delete-orphan")


class IncidentEvent(Base):
    """One timestamped measure on an incident, with who took it: the legal alarm record (警備業法 art. 44 /
    施行規則 art. 64, kept 1 year). On PostgreSQL partitioned by month of ``at`` (migration 0016), primary
    key (id, at); archived and dropped by month after the year (``incidents/archive.py``)."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500), default="")


class IncidentTask(Base):
    """A step the action plan asks for (or an agency to notify), open until someone records it done."""

    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    step: Mapped[str | None] = mapped_column(String(40))
    agency: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(200))  # e.g. the police's case number


class VerificationAttempt(Base):
    """A house-code check: the name given and whether it matched; never the digits."""

    __tablename__ = "verification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    name_given: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))  # house_code | extra_question | ivr
    matched: Mapped[bool] = mapped_column(Boolean)
