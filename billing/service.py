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
from billing.models import (
    Contract,
    DemandRow,
    FeeDecisionRow,
    InvoiceLineRow,
    InvoiceRow,
    PriceChangeRow,
    SuspensionRow,
)
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
    """Fees past due on ``on`` and not paid (less what part-payments already settled)."""
    return sum(
        i.total - (i.paid_amount or 0)
        for i in contract.invoices
        if i.due_on < on and (i.paid_on is None or i.paid_on > on)
    )


def fees_unpaid_on(contract: Contract, day: dt.date) -> bool:
    """For claims: no theft insurance while fees are past due and unpaid."""
    return dunning.unpaid_on(day, [dunning.Due(i.due_on, i.paid_on) for i in contract.invoices])


def stop_cause_on(contract: Contract, day: dt.date) -> str | None:
    """Why all service was stopped on ``day``, for claims (seed 002 重要事項 4.(1)②b, 4.(2)①b): a total
    force-majeure stop or the subscriber's own suspension is a cause not on the company's side; a partial
    stop is not "all service" and keeps the cover. None when the service ran."""
    for s in contract.suspensions:
        if s.start <= day and (s.end is None or day <= s.end):
            if s.cause == invoicing.SuspensionCause.FORCE_MAJEURE_TOTAL:
                return "force_majeure"
            if s.cause == invoicing.SuspensionCause.SUBSCRIBER:
                return "subscriber"
    return None


def claim_facts(contract: Contract, day: dt.date) -> dict[str, object]:
    """What the contract's records say about an accident on ``day``: fees unpaid, all service stopped,
    and the cover period (the service start to the contract's end) — the rest the claim handler finds."""
    return {
        "fees_unpaid": fees_unpaid_on(contract, day),
        "service_stopped_cause": stop_cause_on(contract, day),
        "accident_on": day,
        "service_start": contract.service_start,
        "service_ended": contract.terminated_on,
    }


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
    notified_on: dt.date | None = None,
    proven_damages: Yen | None = None,
    large_equipment_addition: bool = False,
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
        notified_on=notified_on,
        proven_damages=proven_damages,
        large_equipment_addition=large_equipment_addition,
    )


def unbilled_charges(contract: Contract) -> list[invoicing.Charge]:
    """One-off charges (extra cards, paid repairs) that no invoice of the contract carries yet."""
    billed = [
        invoicing.Line(line.description, line.start, line.end, line.amount, Decimal(line.rate))
        for row in contract.invoices
        if row.kind in (MONTHLY, "settlement")
        for line in row.lines
    ]
    return invoicing.unbilled_charges(
        [invoicing.Charge(c.day, c.description, c.amount) for c in contract.charges], billed
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
                charges=unbilled_charges(contract),
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


async def change_price(
    *, session: AsyncSession, contract_id: int, effective_from: dt.date, monthly: Yen, notified_on: dt.date
) -> None:
    """A price change takes effect only after the subscriber was told (seed 002 §(7))."""
    if monthly < 0:
        raise ValueError("a monthly fee cannot be negative")
    if notified_on >= effective_from:
        raise ValueError("a price change must be notified before it takes effect")
    session.add(
        PriceChangeRow(
            contract_id=contract_id,
            effective_from=effective_from,
            monthly_fee=monthly,
            notified_on=notified_on,
        )
    )


PRICE_RISE_WINDOW = dt.timedelta(days=92)


def refused_price_rise(contract: Contract, terminated: dt.date) -> bool:
    """Ended between a price rise's notice and about 3 months after it took effect: the subscriber is
    taken to have refused the rise, a truly unavoidable reason (the 3 months are this project's reading)."""
    changes = _price_changes(contract)
    for change in changes:
        before = invoicing.price_on(
            change.effective_from - dt.timedelta(days=1), contract.monthly_fee, changes
        )
        notified = next(
            p.notified_on for p in contract.price_changes if p.effective_from == change.effective_from
        )
        if change.monthly > before and notified <= terminated <= change.effective_from + PRICE_RISE_WINDOW:
            return True
    return False


async def suspend(
    *,
    session: AsyncSession,
    contract_id: int,
    start: dt.date,
    end: dt.date | None,
    cause: invoicing.SuspensionCause,
    waiver_reason: str | None = None,
) -> None:
    """Record a suspension; a waiver (no charge for the subscriber's own suspension) needs its reason."""
    waived = waiver_reason is not None
    if waived and cause is not invoicing.SuspensionCause.SUBSCRIBER:
        raise ValueError("only a suspension for the subscriber's reasons can be waived")
    session.add(
        SuspensionRow(
            contract_id=contract_id,
            start=start,
            end=end,
            cause=cause.value,
            waived=waived,
            waiver_reason=waiver_reason,
        )
    )


async def record_payment(*, session: AsyncSession, invoice_id: int, paid_on: dt.date) -> None:
    invoice = await session.get(InvoiceRow, invoice_id)
    if invoice is None:
        raise LookupError(f"invoice {invoice_id} not found")
    invoice.paid_on = paid_on


async def termination_allowed(*, session: AsyncSession, contract_id: int, on: dt.date) -> bool:
    """Non-payment: allowed once 20 days from a demand's receipt have passed with the invoice unpaid."""
    rows = await session.execute(
        select(DemandRow.received_on, InvoiceRow.paid_on)
        .join(InvoiceRow, InvoiceRow.id == DemandRow.invoice_id)
        .where(InvoiceRow.contract_id == contract_id, DemandRow.received_on.is_not(None))
    )
    return any(
        on >= dunning.termination_allowed_from(received) and (paid is None or paid > on)
        for received, paid in rows
    )


async def decide_fee(
    *, session: AsyncSession, contract_id: int, reduced_to: Yen, reason: str, decided_by: str
) -> None:
    """The recorded decision to reduce or waive a fee for a truly unavoidable reason."""
    if reduced_to < 0 or not reason.strip() or not decided_by.strip():
        raise ValueError("a fee decision needs a non-negative amount, a reason and who decided")
    session.add(
        FeeDecisionRow(contract_id=contract_id, reduced_to=reduced_to, reason=reason, decided_by=decided_by)
    )


async def terminate(
    *, session: AsyncSession, contract_id: int, on: dt.date, reason: Reason, removal_cost: Yen = 0
) -> Settlement:
    """End the contract and settle it (non-payment only once the demand's 20 days have passed)."""
    contract = await load(session=session, contract_id=contract_id)
    if contract is None:
        raise LookupError(f"contract {contract_id} not found")
    if contract.terminated_on is not None:
        raise ValueError(f"contract {contract_id} already ended on {contract.terminated_on}")
    if reason is Reason.NON_PAYMENT and not await termination_allowed(
        session=session, contract_id=contract_id, on=on
    ):
        raise ValueError("termination for non-payment is allowed only 20 days after the demand was received")
    if reason is Reason.SUBSCRIBER and refused_price_rise(contract, on):
        reason = Reason.UNAVOIDABLE
    decision = await latest_decision(session=session, contract_id=contract_id)
    result = settlement(contract, on, reason, removal_cost=removal_cost, decision=decision)
    contract.terminated_on = on
    contract.termination_reason = reason.value
    return result
