from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.db import Base, UTCDateTime
from control_center.i18n import N_


class ResponderStatus(StrEnum):
    AVAILABLE = "available"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    REPORTING = "reporting"
    OFF_DUTY = "off_duty"


STATUS_WORDS = (
    N_("available"),
    N_("assigned"),
    N_("en_route"),
    N_("on_site"),
    N_("reporting"),
    N_("off_duty"),
)


class Depot(Base):
    """A 待機所: where responders wait and key sets are kept."""

    __tablename__ = "depots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(10))
    area: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Responder(Base):
    """A 緊急対処員, signed in to the mobile view as ``user_id``."""

    __tablename__ = "responders"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ResponderStatus.AVAILABLE, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    position_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    depot: Mapped[Depot] = relationship(lazy="joined")


class Assignment(Base):
    """One responder sent to one incident, with each step's time (arrival is in the legal record)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    responder_id: Mapped[int] = mapped_column(ForeignKey("responders.id"), index=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str] = mapped_column(String(100))
    estimated_minutes: Mapped[float | None] = mapped_column(Float)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    en_route_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set when the responder is released (all clear, report filed, or replaced): access ends with it.
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    help_needed: Mapped[str | None] = mapped_column(String(40))  # police | fire | ambulance
    report: Mapped[str | None] = mapped_column(String(2000))

    responder: Mapped[Responder] = relationship(lazy="joined")
