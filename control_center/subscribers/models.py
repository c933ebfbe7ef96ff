from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.db import Base, UTCDateTime, utcnow


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    premises: Mapped[list[Premises]] = relationship(back_populates="subscriber")


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
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="premises")
    services: Mapped[list[PremisesService]] = relationship(cascade="all, delete-orphan")
    contacts: Mapped[list[EmergencyContact]] = relationship(
        order_by="EmergencyContact.position", cascade="all, delete-orphan"
    )
    panels: Mapped[list[PanelAccount]] = relationship(back_populates="premises")


class PremisesService(Base):
    """One of the services A–I the premises subscribes to."""

    __tablename__ = "premises_services"

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), primary_key=True)
    service_type: Mapped[str] = mapped_column(String(1), primary_key=True)

    __table_args__ = (
        CheckConstraint("service_type IN ('A','B','C','D','E','F','G','H','I')", name="letter"),
    )


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
    # DC-09 AES key, encrypted at rest (control_center/secret_box.py); never stored in clear.
    dc09_key_sealed: Mapped[str | None] = mapped_column(String(200))

    premises: Mapped[Premises] = relationship(back_populates="panels")

    __table_args__ = (
        CheckConstraint("transport IN ('mqtt','dc09_tcp','dc09_udp','serial')", name="transport"),
    )
