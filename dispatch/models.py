from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.core.db import Base, UTCDateTime
from control_center.core.i18n import N_


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


class CoverageLimit(Base):
    """The prefecture's (or one area's) limit from receipt to a responder's arrival."""

    __tablename__ = "coverage_limits"
    __table_args__ = (UniqueConstraint("prefecture", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture: Mapped[str] = mapped_column(String(10))
    area: Mapped[str | None] = mapped_column(String(100))
    minutes: Mapped[int] = mapped_column(Integer)


class PremisesCoverage(Base):
    """The legally required record of a premises' depot and normal travel time."""

    __tablename__ = "premises_coverage"

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True)
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    travel_minutes: Mapped[float] = mapped_column(Float)
    limit_minutes: Mapped[int] = mapped_column(Integer)
    within: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    depot: Mapped[Depot] = relationship(lazy="joined")


class DispatchNote(Base):
    """What the subscriber asked responders to know before entering."""

    __tablename__ = "dispatch_notes"

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True)
    no_entry_rooms: Mapped[str | None] = mapped_column(String(300))
    call_before_entry_name: Mapped[str | None] = mapped_column(String(100))
    call_before_entry_phone: Mapped[str | None] = mapped_column(String(20))
    pets: Mapped[str | None] = mapped_column(String(200))
    # A large or hunting dog: check jointly with an emergency contact, or from outside only.
    large_dog: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class KeySet(Base):
    """One of the two sealed sets of a premises' keys, held at a depot."""

    __tablename__ = "key_sets"
    __table_args__ = (UniqueConstraint("premises_id", "set_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id", ondelete="CASCADE"), index=True)
    set_no: Mapped[int] = mapped_column(Integer)  # 1 or 2
    depot_id: Mapped[int] = mapped_column(ForeignKey("depots.id"))
    state: Mapped[str] = mapped_column(String(10))  # sealed | out
    seal_number: Mapped[str | None] = mapped_column(String(40))  # None while the seal is broken
    holder_responder_id: Mapped[int | None] = mapped_column(ForeignKey("responders.id"))

    depot: Mapped[Depot] = relationship(lazy="joined")
    events: Mapped[list[KeyEvent]] = relationship(order_by="KeyEvent.id", cascade="all, delete-orphan")


class KeyEvent(Base):
    """Every key movement: registered, taken out (seal broken), resealed (new number; subscriber told)."""

    __tablename__ = "key_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_set_id: Mapped[int] = mapped_column(ForeignKey("key_sets.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    seal_before: Mapped[str | None] = mapped_column(String(40))
    seal_after: Mapped[str | None] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    subscriber_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SentReport(Base):
    """The written report sent to the subscriber after an on-site check (the rendered text as sent)."""

    __tablename__ = "sent_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_by: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(20000))
