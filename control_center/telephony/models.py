from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, UTCDateTime


class CallRun(Base):
    """Working down an incident's call list: one target after another until someone is reached."""

    __tablename__ = "call_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sms_first: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    targets: Mapped[str] = mapped_column(Text)  # JSON list frozen at the start: position, name, phone, kind
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(
        String(20), default="calling"
    )  # calling | reached | exhausted | stopped
    reached: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ContactAttempt(Base):
    """One call or SMS, with its status as the carrier reports it and what came of it."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("call_runs.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # voice | sms
    purpose: Mapped[str] = mapped_column(String(20))  # premises | contact | trip_contact | doctor
    target_index: Mapped[int | None] = mapped_column(Integer)  # into the run's targets
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(20))  # E.164
    mode: Mapped[str | None] = mapped_column(String(10))  # voice: operator | ivr
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    started_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # No word from the carrier (or no SMS reply) by then: treated as not reached.
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    result: Mapped[str | None] = mapped_column(
        String(20)
    )  # answered | busy | no_answer | failed | acknowledged


class WebhookReceipt(Base):
    """A carrier callback already handled, with our answer: a retry gets the same answer, once."""

    __tablename__ = "webhook_receipts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of path and parameters
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    response: Mapped[str] = mapped_column(Text)


class VerificationLink(Base):
    """Digital verification of one incident: one signed, expiring link by SMS to every contact at once
    (``telephony/verification.py``). One per incident (unique): two processes sweeping at once cannot both
    send. ``state``: open → cancelled (a contact gave the house code) | help (a contact asked for help) |
    expired (nobody decided in time: the call list continues) | closed (the incident closed otherwise)."""

    __tablename__ = "verification_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), default="open")
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    settled_by: Mapped[str | None] = mapped_column(String(100))  # the contact's name


class LinkRecipient(Base):
    """One contact the link went to, with their own token (it names this row) and their latest answer."""

    __tablename__ = "verification_link_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("verification_links.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("contact_attempts.id"))  # the SMS
    answer: Mapped[str | None] = mapped_column(String(20))  # going | help | cancelled | wrong_code
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
