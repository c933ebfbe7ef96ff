"""Contracts and what hangs off them: notices, price changes, suspensions, charges, invoices, demands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from control_center.core.db import Base, UTCDateTime, utcnow
from control_center.core.i18n import N_
from control_center.subscribers.models import Premises, Subscriber

# Shown through the catalogs (templates call _(plan) and _(kind)).
WORDS = (N_("rental"), N_("purchase"), N_("monthly"), N_("tax_adjustment"), N_("settlement"))


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
    # Arming cards handed over; 4 are included, each extra one is charged (seed 002 お知らせ (2)④).
    cards_issued: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship()
    premises: Mapped[Premises] = relationship()

    @validates("deposit", "plan")
    def _no_deposit_on_purchase(self, key: str, value: object) -> object:
        """The purchase plan has no deposit (seed 002 重要事項 3.; billing/cancellation.py deposit_for)."""
        plan, deposit = (value, self.deposit) if key == "plan" else (self.plan, value)
        if plan == "purchase" and deposit:
            raise ValueError("a purchase-plan contract has no deposit (seed 002 重要事項 3.)")
        return value

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
    paid_on: Mapped[dt.date | None] = mapped_column(Date)  # the day it became fully paid
    paid_amount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
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


class PaymentRow(Base):
    """Money received from the subscriber (bank transfer, card, convenience store), integer yen."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))  # bank_transfer | card | convenience_store
    reference: Mapped[str] = mapped_column(String(100), default="")
    unapplied: Mapped[int] = mapped_column(Integer, default=0)  # credit left after settling invoices
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    allocations: Mapped[list[PaymentAllocationRow]] = relationship(cascade="all, delete-orphan")


class PaymentAllocationRow(Base):
    """How much of a payment settled which invoice (oldest first)."""

    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)


class CancellationRow(Base):
    """A confirmed termination and its settlement, as the clerk confirmed it."""

    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), unique=True)
    terminated_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    requested_reason: Mapped[str] = mapped_column(String(20))
    fee: Mapped[int] = mapped_column(Integer)
    deposit_kept: Mapped[int] = mapped_column(Integer)
    deposit_returned: Mapped[int] = mapped_column(Integer)
    removal_cost: Mapped[int] = mapped_column(Integer)
    unpaid_fees: Mapped[int] = mapped_column(Integer)
    extra_damages: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300), default="")
    confirmed_by: Mapped[str] = mapped_column(String(100))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PremisesChangeRow(Base):
    """A change at the premises the subscriber told us of (seed 002 重要事項 2.(3), ご利用規定 第5条)."""

    __tablename__ = "premises_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    change_on: Mapped[dt.date] = mapped_column(Date)
    notified_on: Mapped[dt.date] = mapped_column(Date)
    in_time: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(100))


class RepairRow(Base):
    """An adjustment, repair or replacement of equipment, and whether the subscriber pays for it."""

    __tablename__ = "repairs"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    part: Mapped[str] = mapped_column(String(40))
    cause: Mapped[str] = mapped_column(String(30))
    charged: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int] = mapped_column(Integer, default=0)  # charged to the subscriber, tax excluded
    clause: Mapped[str] = mapped_column(String(200))
