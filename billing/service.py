"""Billing data access and the billing run; the rules themselves are the pure modules beside this one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from billing import dunning, invoicing, tax, terms
from billing.cancellation import FeeDecision, Plan, Reason, Settlement, settle
from billing.models import ChargeRow, Contract, FeeDecisionRow, InvoiceLineRow, InvoiceRow
from billing.money import Yen

MONTHLY = "monthly"
TAX_ADJUSTMENT = "tax_adjustment"


def _price_changes(contract: Contract) -> list[invoicing.PriceChange]:
    return [invoicing.PriceChange(p.effective_from, p.monthly_fee) for p in contract.price_changes]


def _suspensions(contract: Contract) -> list[invoicing.Suspension]:
    return [
        invoicing.Suspension(s.start, s.end, invoicing.SuspensionCause(s.cause), s.waived)
        for s in contract.suspensions
    ]


def base_monthly(contract: Contract, on: dt.date) -> Yen:
    """The fee in force on ``on``; during a suspension, the fee before it began."""
    for s in contract.suspensions:
        if s.start <= on and (s.end is None or on <= s.end):
            on = s.start - dt.timedelta(days=1)
    return invoicing.price_on(on, contract.monthly_fee, _price_changes(contract))


async def load(*, session: AsyncSession, contract_id: int) -> Contract | None:
    return await session.scalar(
        select(Contract)
        .where(Contract.id == contract_id)
        .options(
            selectinload(Contract.price_changes),
            selectinload(Contract.suspensions),
            selectinload(Contract.charges),
            selectinload(Contract.end_notices),
            selectinload(Contract.invoices).selectinload(InvoiceRow.lines),
        )
    )


def unpaid_fees(contract: Contract, on: dt.date) -> Yen:
    return sum(i.total for i in contract.invoices if i.due_on < on and (i.paid_on is None or i.paid_on > on))


def fees_unpaid_on(contract: Contract, day: dt.date) -> bool:
    """For claims: no theft insurance while fees are past due and unpaid."""
    return dunning.unpaid_on(day, [dunning.Due(i.due_on, i.paid_on) for i in contract.invoices])


async def latest_decision(*, session: AsyncSession, contract_id: int) -> FeeDecision | None:
    row = await session.scalar(
        select(FeeDecisionRow)
        .where(FeeDecisionRow.contract_id == contract_id)
        .order_by(FeeDecisionRow.id.desc())
    )
    return FeeDecision(row.reduced_to, row.reason, row.decided_by) if row else None


def settlement(
    contract: Contract,
    terminated: dt.date,
    reason: Reason,
    *,
    removal_cost: Yen = 0,
    decision: FeeDecision | None = None,
) -> Settlement:
    return settle(
        plan=Plan(contract.plan),
        service_start=contract.service_start,
        terminated=terminated,
        monthly=base_monthly(contract, terminated),
        reason=reason,
        deposit=contract.deposit,
        removal_cost=removal_cost,
        unpaid_fees=unpaid_fees(contract, terminated),
        decision=decision,
    )


def current_expiry(contract: Contract, on: dt.date) -> dt.date:
    return terms.expiry_on(contract.service_start, on, [n.received_on for n in contract.end_notices])


def _invoice_row(
    contract_id: int, kind: str, invoice: invoicing.Invoice, adjusts: int | None = None
) -> InvoiceRow:
    return InvoiceRow(
        contract_id=contract_id,
        kind=kind,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        subtotal=invoice.subtotal,
        tax=invoice.tax,
        total=invoice.total,
        adjusts_invoice_id=adjusts,
        lines=[
            InvoiceLineRow(
                description=line.description,
                start=line.start,
                end=line.end,
                amount=line.amount,
                rate=str(line.rate),
            )
            for line in invoice.lines
        ],
    )


def _as_invoice(row: InvoiceRow) -> invoicing.Invoice:
    lines = tuple(
        invoicing.Line(line.description, line.start, line.end, line.amount, Decimal(line.rate))
        for line in row.lines
    )
    return invoicing.Invoice(row.period_start, row.period_end, row.issued_on, row.due_on, lines)


async def run(
    *, session: AsyncSession, on: dt.date, rates: tuple[tuple[dt.date, Decimal], ...] = tax.RATES
) -> list[InvoiceRow]:
    """The billing run for ``on``: invoice each running contract's service month containing ``on``
    (once per period), and bill tax differences for invoices whose rates have since changed.
    Safe to run any number of times a day."""
    contracts = list(
        await session.scalars(
            select(Contract)
            .where(
                Contract.service_start <= on,
                (Contract.terminated_on.is_(None)) | (Contract.terminated_on >= on),
            )
            .options(
                selectinload(Contract.price_changes),
                selectinload(Contract.suspensions),
                selectinload(Contract.charges),
                selectinload(Contract.invoices).selectinload(InvoiceRow.lines),
            )
        )
    )
    created: list[InvoiceRow] = []
    for contract in contracts:
        start, _ = invoicing.service_month(contract.service_start, on)
        kinds = {(i.kind, i.period_start) for i in contract.invoices}
        if (MONTHLY, start) not in kinds:
            invoice = invoicing.monthly_invoice(
                contract.service_start,
                start,
                monthly=contract.monthly_fee,
                price_changes=_price_changes(contract),
                suspensions=_suspensions(contract),
                charges=[invoicing.Charge(c.day, c.description, c.amount) for c in contract.charges],
                rates=rates,
            )
            created.append(_invoice_row(contract.id, MONTHLY, invoice))
        for row in contract.invoices:
            if row.kind != MONTHLY or (TAX_ADJUSTMENT, row.period_start) in kinds:
                continue
            adjustment = invoicing.tax_difference(_as_invoice(row), rates, on)
            if adjustment is not None and adjustment.difference:
                rebilled = adjustment.rebilled
                created.append(
                    InvoiceRow(
                        contract_id=contract.id,
                        kind=TAX_ADJUSTMENT,
                        period_start=row.period_start,
                        period_end=row.period_end,
                        issued_on=on,
                        due_on=adjustment.due_on,
                        subtotal=0,
                        tax=adjustment.difference,
                        total=adjustment.difference,
                        adjusts_invoice_id=row.id,
                        lines=[
                            InvoiceLineRow(
                                description=f"{line.description}（税率変更差額）",
                                start=line.start,
                                end=line.end,
                                amount=line.amount,
                                rate=str(line.rate),
                            )
                            for line in rebilled.lines
                        ],
                    )
                )
    for row in created:
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            pass  # another run made it a moment ago: the unique key keeps one
    await session.commit()
    return created


async def add_charge(
    *, session: AsyncSession, contract_id: int, day: dt.date, description: str, amount: Yen
) -> None:
    if amount < 0:
        raise ValueError("a charge cannot be negative")
    session.add(ChargeRow(contract_id=contract_id, day=day, description=description, amount=amount))
