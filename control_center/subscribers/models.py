from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.core.db import Base, UTCDateTime, utcnow
from control_center.subscribers import search


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Name and reading, and the phone's digits, folded for search (subscribers/search.py); kept
    # current on every insert and update below, never written by hand.
    search_names: Mapped[str | None] = mapped_column(String(210))
    search_phone: Mapped[str | None] = mapped_column(String(20))

    premises: Mapped[list[Premises]] = relationship(back_populates="subscriber")


@event.listens_for(Subscriber, "before_insert")
@event.listens_for(Subscriber, "before_update")
def _fold_for_search(_mapper: object, _connection: object, row: Subscriber) -> None:
    row.search_names = search.names_key(row.name or "", row.name_kana)
    row.search_phone = search.phone_digits(row.phone or "")


class Premises(Base):
    __tablename__ = "premises"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(20))
    # argon2id hash with its own salt; the three digits are never stored.
    house_code_hash: Mapped[str] = mapped_column(String(200))
    arming_state: Mapped[str] = mapped_column(String(20), default="unknown")
    arming_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    life_watch_hours: Mapped[int] = mapped_column(Integer, default=12)
    # The subscriber asked that contacts get an SMS first and a call only if it goes unacknowledged.
    contact_sms_first: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    doctor_name: Mapped[str | None] = mapped_column(String(100))  # medical and life watch
    doctor_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who installed the panel (company and technician, as written on the installation report): the
    # per-installer false-alarm scorecard groups by it (supervisor_desk/scorecards.py).
    installer: Mapped[str | None] = mapped_column(String(100), index=True)
    # commissioning → active (subscribers/commissioning.py): while commissioning, the panel's signals are
    # stored and recorded as test results, not worked; active once every configured zone has sent an
    # alarm and a restore end to end. Premises from before issue 18 are active.
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    commissioning_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    commissioned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    subscriber: Mapped[Subscriber] = relationship(back_populates="premises")
    services: Mapped[list[PremisesService]] = relationship(cascade="all, delete-orphan")
    contacts: Mapped[list[EmergencyContact]] = relationship(
        order_by="EmergencyContact.position", cascade="all, delete-orphan"
    )
    panels: Mapped[list[PanelAccount]] = relationship(back_populates="premises")
    questions: Mapped[list[ExtraQuestion]] = relationship(
        order_by="ExtraQuestion.position", cascade="all, delete-orphan"
    )
    trips: Mapped[list[Trip]] = relationship(order_by="Trip.departs_at", cascade="all, delete-orphan")
    devices: Mapped[list[Device]] = relationship(cascade="all, delete-orphan")
    zones: Mapped[list[PremisesZone]] = relationship(
        order_by="PremisesZone.zone", cascade="all, delete-orphan"
    )


class ExtraQuestion(Base):
    """A pre-registered question for a caller who cannot give the house code; the answer only hashed."""

    __tablename__ = "extra_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(200))
    answer_hash: Mapped[str] = mapped_column(String(200))


class Trip(Base):
    """A long absence: temporary contacts replace the usual ones; optional set-forget check."""

    __tablename__ = "trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    departs_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    returns_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    set_forget_check: Mapped[bool] = mapped_column(Boolean, default=False)
    grace_minutes: Mapped[int] = mapped_column(Integer, default=60)

    contacts: Mapped[list[TripContact]] = relationship(
        order_by="TripContact.position", cascade="all, delete-orphan"
    )


class TripContact(Base):
    __tablename__ = "trip_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))


class Device(Base):
    """An equipment sensor (service G) at a zone, with its agreed response type."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    zone: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    response_type: Mapped[str] = mapped_column(String(20))  # notify | respond_notify | respond_first_aid

    __table_args__ = (UniqueConstraint("premises_id", "zone"),)


class PremisesService(Base):
    """One of the services A–I the premises subscribes to."""

    __tablename__ = "premises_services"

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), primary_key=True)
    service_type: Mapped[str] = mapped_column(String(1), primary_key=True)

    __table_args__ = (
        CheckConstraint("service_type IN ('A','B','C','D','E','F','G','H','I')", name="letter"),
    )


class PremisesZone(Base):
    """A configured zone of the premises' panel (as on the installer's zone list): commissioning needs an
    alarm and a restore from each, end to end (subscribers/commissioning.py)."""

    __tablename__ = "premises_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    zone: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("premises_id", "zone"),)


class TestPeriod(Base):
    """A premises put "on test" by a technician (subscribers/test_mode.py): always with an end, which
    ends it by itself. ``zones`` is the announced zones, comma-separated; NULL = the whole premises."""

    __tablename__ = "test_periods"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    zones: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(200))
    technician: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TestSignal(Base):
    """A signal stored during a test or commissioning and, for that reason, not worked: the test's result
    (which zones reported what). The signal itself stays in ``signals`` as always (the legal record)."""

    __tablename__ = "test_signals"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"))
    test_period_id: Mapped[int | None] = mapped_column(Integer)  # NULL: during commissioning
    signal_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    account: Mapped[str] = mapped_column(String(32))
    zone: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    service_type: Mapped[str | None] = mapped_column(String(1))
    description: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_test_signals_premises_received", "premises_id", "received_at"),)


class EmergencyContact(Base):
    __tablename__ = "emergency_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # call order, 1 first
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    relation: Mapped[str | None] = mapped_column(String(50))

    __table_args__ = (UniqueConstraint("premises_id", "position"),)


class PanelAccount(Base):
    """A home controller's account number and the transport it reports over."""

    __tablename__ = "panel_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(32), unique=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    transport: Mapped[str] = mapped_column(String(20))  # mqtt | dc09_tcp | dc09_udp | serial
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Link supervision: the panel must check in every check_in_seconds (NULL = not supervised). The
    # deadline is epoch seconds so both backends compute it as plain integer arithmetic.
    check_in_seconds: Mapped[int | None] = mapped_column(Integer)
    check_in_deadline: Mapped[int | None] = mapped_column(BigInteger, index=True)
    last_check_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    link_lost_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # DC-09 AES key, encrypted at rest (control_center/core/secret_box.py); never stored in clear.
    dc09_key_sealed: Mapped[str | None] = mapped_column(String(200))
    # While set and in the future, a keyed account may still send plain frames (logged); else never.
    dc09_plain_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the key or the transition last changed: receivers look for changes every second.
    dc09_key_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # MQTT identity issued by the center (`control-center panels credentials`); the password only hashed.
    mqtt_username: Mapped[str | None] = mapped_column(String(64), unique=True)
    mqtt_password_hash: Mapped[str | None] = mapped_column(String(200))
    mqtt_credentials_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    premises: Mapped[Premises] = relationship(back_populates="panels")

    __table_args__ = (
        CheckConstraint("transport IN ('mqtt','dc09_tcp','dc09_udp','serial')", name="transport"),
    )


class PanelPath(Base):
    """One alarm transmission path of a panel account, supervised by its EN 50136-1 category
    (rules: ``control_center/signals/path_rules.py``; supervision: ``signals/link_supervision.py``).

    ``channel`` attributes a check-in to the path (ip = DC-09 over IP, cellular = MQTT, serial = the
    receiver line). The rule's figures are stored with the path so the deadline, like the panel's, is
    plain integer arithmetic on both backends: deadline = last check-in (epoch s) + overdue_seconds.
    """

    __tablename__ = "panel_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(32), ForeignKey("panel_accounts.account"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # primary | backup
    channel: Mapped[str] = mapped_column(String(10))  # ip | cellular | serial
    category: Mapped[str] = mapped_column(String(3))  # SP1–SP6, DP1–DP4 (the panel's, on each path)
    reporting_seconds: Mapped[int] = mapped_column(Integer)
    poll_seconds: Mapped[int] = mapped_column(Integer)
    overdue_seconds: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[int] = mapped_column(BigInteger, index=True)
    last_check_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    commissioned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("account", "role", name="uq_panel_paths_account_role"),
        UniqueConstraint("account", "channel", name="uq_panel_paths_account_channel"),
        CheckConstraint("role IN ('primary','backup')", name="path_role"),
        CheckConstraint("channel IN ('ip','cellular','serial')", name="path_channel"),
    )


class PathOutage(Base):
    """A lost path (or, with ``path_id`` NULL, every path of a multi-path panel) and its restore: the
    failure signal and the restore signal paired, and the minutes down per month come from these rows.

    The outage counts from the last check-in heard on the path (it may have failed any time after),
    until the check-in that restores it.
    """

    __tablename__ = "path_outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(32), index=True)
    path_id: Mapped[int | None] = mapped_column(Integer)  # None: the whole panel (all paths lost)
    role: Mapped[str | None] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(10))
    service_type: Mapped[str] = mapped_column(String(1))  # G (one path of several) or F (line cut)
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # last heard
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    lost_message_id: Mapped[str] = mapped_column(String(64))
    restored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    restore_message_id: Mapped[str | None] = mapped_column(String(64))
