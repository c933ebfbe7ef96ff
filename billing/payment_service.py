"""Payments on the database: record one, settle invoices oldest first, and the dunning state.

The rule of the order is billing/payments.py; the demand and its 20 days are billing/dunning.py (seed 002
重要事項 2.(6), ご利用規定（レンタル）第10条). A settled invoice gets ``paid_on`` = the payment's day, which
ends its unpaid period for claims (no insurance while fees are unpaid, 4.(1)②a) and stops the demand's
termination right (``billing.service.termination_allowed``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from billing import dunning, payments
from billing.errors import BillingRefused
from billing.models import Contract, InvoiceRow, PaymentAllocationRow, PaymentRow
from billing.money import Yen
from billing.payments import Method


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment_id: int
    settled: list[tuple[int, Yen]]  # (invoice id, yen applied), oldest first
    unapplied: Yen
    invoices_now_paid: list[int]


@dataclass(frozen=True, slots=True)
class OutstandingInvoice:
    invoice_id: int
    kind: str
    period_start: dt.date
    issued_on: dt.date
    due_on: dt.date
    total: Yen
    paid_amount: Yen
    outstanding: Yen


@dataclass(frozen=True, slots=True)
class DemandView:
    demand_id: int
    invoice_id: int
    sent_on: dt.date
    received_on: dt.date | None
    termination_allowed_from: dt.date | None
    settled: bool


@dataclass(frozen=True, slots=True)
class DunningState:
    overdue: list[OutstandingInvoice]
    demands: list[DemandView]
    termination_allowed: bool
    fees_unpaid: bool
    overdue_total: Yen


async def _invoices(session: AsyncSession, contract_id: int) -> list[InvoiceRow]:
    rows = await session.scalars(
        select(InvoiceRow)
        .where(InvoiceRow.contract_id == contract_id)
        .options(selectinload(InvoiceRow.demands))
        .order_by(InvoiceRow.due_on, InvoiceRow.issued_on, InvoiceRow.id)
    )
    return list(rows)


def _outstanding(row: InvoiceRow) -> OutstandingInvoice:
    return OutstandingInvoice(
        row.id, row.kind, row.period_start, row.issued_on, row.due_on, row.total, row.paid_amount,
        0 if row.paid_on is not None else max(0, row.total - row.paid_amount),
    )  # fmt: skip


async def outstanding(*, session: AsyncSession, contract_id: int) -> list[OutstandingInvoice]:
    """The invoices not yet fully paid, oldest first."""
    return [o for o in map(_outstanding, await _invoices(session, contract_id)) if o.outstanding > 0]


async def record_payment(
    *,
    session: AsyncSession,
    contract_id: int,
    amount: Yen,
    received_on: dt.date,
    method: Method | str,
    recorded_by: str,
    reference: str = "",
) -> PaymentResult:
    """Record money received and settle the open invoices with it, oldest first. The caller commits."""
    try:
        method = Method(method)
    except ValueError:
        raise BillingRefused(f"payment method is one of {', '.join(m.value for m in Method)}") from None
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise BillingRefused("a payment is a positive whole number of yen")
    if not recorded_by.strip():
        raise BillingRefused("who recorded the payment is required")
    if await session.get(Contract, contract_id) is None:
        raise LookupError(f"contract {contract_id} not found")
    rows = {r.id: r for r in await _invoices(session, contract_id)}
    still_open = [_outstanding(r) for r in rows.values()]
    allocation = payments.allocate(
        amount, [payments.Open(o.invoice_id, o.due_on, o.issued_on, o.outstanding) for o in still_open]
    )
    payment = PaymentRow(
        contract_id=contract_id, received_on=received_on, amount=amount, method=method.value,
        reference=reference.strip()[:100], unapplied=allocation.unapplied, recorded_by=recorded_by,
        allocations=[PaymentAllocationRow(invoice_id=i, amount=a) for i, a in allocation.settled],
    )  # fmt: skip
    for invoice_id, applied in allocation.settled:
        rows[invoice_id].paid_amount += applied
    for invoice_id in allocation.fully_paid:
        rows[invoice_id].paid_on = received_on
    session.add(payment)
    await session.flush()
    return PaymentResult(
        payment.id, list(allocation.settled), allocation.unapplied, list(allocation.fully_paid)
    )


async def payments_of(*, session: AsyncSession, contract_id: int) -> list[PaymentRow]:
    rows = await session.scalars(
        select(PaymentRow)
        .where(PaymentRow.contract_id == contract_id)
        .options(selectinload(PaymentRow.allocations))
        .order_by(PaymentRow.received_on, PaymentRow.id)
    )
    return list(rows)


async def dunning_state(*, session: AsyncSession, contract_id: int, on: dt.date) -> DunningState:
    """What is overdue on ``on``, the demands sent, and whether termination for non-payment is allowed
    (20 days after a demand's receipt with its invoice still unpaid; billing/dunning.py)."""
    rows = await _invoices(session, contract_id)
    overdue = [_outstanding(r) for r in rows if r.due_on < on and (r.paid_on is None or r.paid_on > on)]
    demands: list[DemandView] = []
    allowed = False
    for row in rows:
        settled = row.paid_on is not None and row.paid_on <= on
        for d in sorted(row.demands, key=lambda d: d.sent_on):
            start = dunning.termination_allowed_from(d.received_on) if d.received_on else None
            demands.append(DemandView(d.id, row.id, d.sent_on, d.received_on, start, settled))
            allowed = allowed or (start is not None and on >= start and not settled)
    return DunningState(
        overdue=overdue,
        demands=demands,
        termination_allowed=allowed,
        fees_unpaid=bool(overdue),
        overdue_total=sum(o.total - o.paid_amount for o in overdue),
    )
