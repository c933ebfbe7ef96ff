"""The written demand (催告) for an unpaid invoice, on the database: sent, then the day it reached the
subscriber recorded. Termination for non-payment is allowed from the day after the 20 days counted from
that receipt (the first day not counted: receipt + 21 days; seed 002 重要事項 2.(6), ご利用規定（レンタル）
第10条; the rule is billing/dunning.py, the check billing/closing.py). The caller commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing import dunning
from billing.errors import BillingRefused
from billing.models import Contract, DemandRow, InvoiceRow
from control_center.core import audit

CLAUSE = "seed 002 重要事項 2.(6); ご利用規定（レンタル）第10条"


@dataclass(frozen=True, slots=True)
class DemandResult:
    demand_id: int
    invoice_id: int
    contract_id: int
    sent_on: dt.date
    received_on: dt.date | None

    @property
    def termination_allowed_from(self) -> dt.date | None:
        return dunning.termination_allowed_from(self.received_on) if self.received_on else None


def _result(demand: DemandRow, invoice: InvoiceRow) -> DemandResult:
    return DemandResult(demand.id, invoice.id, invoice.contract_id, demand.sent_on, demand.received_on)


async def _invoice(session: AsyncSession, invoice_id: int) -> InvoiceRow:
    invoice = await session.get(InvoiceRow, invoice_id)
    if invoice is None:
        raise LookupError(f"invoice {invoice_id} not found")
    return invoice


async def _demands(session: AsyncSession, invoice_id: int) -> list[DemandRow]:
    rows = await session.scalars(
        select(DemandRow).where(DemandRow.invoice_id == invoice_id).order_by(DemandRow.sent_on, DemandRow.id)
    )
    return list(rows)


async def send_demand(
    *, session: AsyncSession, invoice_id: int, sent_on: dt.date, actor: str
) -> DemandResult:
    """Send a written demand for an invoice past its due date and unpaid on ``sent_on``; one demand per
    invoice (a second one would restart nothing the first did not). Audited as ``actor``'s."""
    invoice = await _invoice(session, invoice_id)
    contract = await session.get(Contract, invoice.contract_id)
    if contract is not None and contract.terminated_on is not None and contract.terminated_on < sent_on:
        raise BillingRefused(f"contract {contract.id} ended on {contract.terminated_on}")
    if sent_on <= invoice.due_on:
        raise BillingRefused(f"a demand is only for an invoice past its due date ({invoice.due_on})")
    if invoice.paid_on is not None and invoice.paid_on <= sent_on:
        raise BillingRefused(f"invoice {invoice_id} was paid on {invoice.paid_on}")
    if await _demands(session, invoice_id):
        raise BillingRefused(f"a demand for invoice {invoice_id} was already sent")
    demand = DemandRow(invoice_id=invoice_id, sent_on=sent_on)
    session.add(demand)
    await session.flush()
    detail = f"demand {demand.id} for invoice {invoice_id} sent {sent_on}"
    audit.changed(session, actor, f"contract:{invoice.contract_id}", detail)
    return _result(demand, invoice)


async def record_receipt(
    *, session: AsyncSession, invoice_id: int, received_on: dt.date, actor: str
) -> DemandResult:
    """Record the day the demand for ``invoice_id`` reached the subscriber (from then the 20 days run).
    Audited as ``actor``'s."""
    invoice = await _invoice(session, invoice_id)
    demands = await _demands(session, invoice_id)
    if not demands:
        raise BillingRefused(f"no demand was sent for invoice {invoice_id}")
    demand = demands[-1]
    if demand.received_on is not None:
        raise BillingRefused(f"the demand for invoice {invoice_id} was received on {demand.received_on}")
    if received_on < demand.sent_on:
        raise BillingRefused(f"a demand cannot arrive before it was sent ({demand.sent_on})")
    demand.received_on = received_on
    await session.flush()
    detail = f"demand {demand.id} for invoice {invoice_id} received {received_on}"
    audit.changed(session, actor, f"contract:{invoice.contract_id}", detail)
    return _result(demand, invoice)
