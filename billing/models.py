"""Contracts and what hangs off them: notices, price changes, suspensions, charges, invoices, demands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from control_center.core.db import Base, UTCDateTime, utcnow
from control_center.core.i18n import N_
from control_center.subscribers.models import Premises, Subscriber

# Shown through the catalogs (templates call _(plan) and _(kind)).
WORDS = (N_("rental"), N_("purchase"), N_("monthly"), N_("tax_adjustment"))


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"), index=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    plan: Mapped[str] = mapped_column(String(10))  # rental | purchase
    service_start: Mapped[dt.date] = mapped_column(Date)
    monthly_fee: Mapped[int] = mapped_column(Integer)  # yen, tax excluded, as first agreed
    deposit: Mapped[int] = mapped_column(Integer, default=0)
    terminated_on: Mapped[dt.date | None] = mapped_column(Date)
    termination_reason: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
    premises: Mapped[Premises] = relationship()
    end_notices: Mapped[list[EndNotice]] = relationship(cascade="all, delete-orphan")
    price_changes: Mapped[list[PriceChangeRow]] = relationship(cascade="all, delete-orphan")
    suspensions: Mapped[list[SuspensionRow]] = relationship(cascade="all, delete-orphan")
    charges: Mapped[list[ChargeRow]] = relationship(cascade="all, delete-orphan")
    invoices: Mapped[list[InvoiceRow]] = relationship(order_by="InvoiceRow.period_start")


class EndNotice(Base):
    """A written notice to end the contract at an expiry (renewal stops)."""

    __tablename__ = "contract_end_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)


class PriceChangeRow(Base):
    __tablename__ = "contract_price_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    monthly_fee: Mapped[int] = mapped_column(Integer)
    notified_on: Mapped[dt.date] = mapped_column(Date)


class SuspensionRow(Base):
    __tablename__ = "contract_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(30))
    waived: Mapped[bool] = mapped_column(Boolean, default=False)
    waiver_reason: Mapped[str | None] = mapped_column(String(200))


class ChargeRow(Base):
    """A one-off charge: an extra arming card (800 yen), parts used in first aid."""

    __tablename__ = "contract_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(Integer)


class FeeDecisionRow(Base):
    """The company's recorded decision to reduce or waive a cancellation fee, with its reason."""

    __tablename__ = "fee_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    reduced_to: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvoiceRow(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # monthly | tax_adjustment
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    subtotal: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    adjusts_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))

    lines: Mapped[list[InvoiceLineRow]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceLineRow.id"
    )
    demands: Mapped[list[DemandRow]] = relationship(cascade="all, delete-orphan")

    # The run is idempotent: one invoice of a kind per contract and period.
    __table_args__ = (UniqueConstraint("contract_id", "kind", "period_start"),)


class InvoiceLineRow(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    description: Mapped[str] = mapped_column(String(100))
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    rate: Mapped[str] = mapped_column(String(8))  # Decimal as text, e.g. "0.10"


class DemandRow(Base):
    """A written demand for an unpaid invoice; termination is allowed 20 days after it was received."""

    __tablename__ = "payment_demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    sent_on: Mapped[dt.date] = mapped_column(Date)
    received_on: Mapped[dt.date | None] = mapped_column(Date)
