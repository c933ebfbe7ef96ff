"""Ending a contract on the database: the settlement preview for a chosen day and reason, the confirmation,
and the company's recorded decision on a truly unavoidable reason.

The arithmetic is billing/cancellation.py (seed 002 重要事項 2.(2), 2.(4)–2.(6), 2.(9); ご利用規定（レンタル）
第3条, 第8条–第11条). The preview and the confirmation use the same function, so what the clerk saw is
what is confirmed. A confirmation is refused while a decision on a truly unavoidable reason is pending
(2.(5)①ただし書: the company reduces or waives the fee — the amount is not known before it decides).
What the subscriber still has to pay (cancellation fee, removal cost, extra damages) is billed on a
settlement invoice, due at the end of the following month like every invoice (seed 004 via the domain
brief §5): the cancellation fee and damages are compensation, outside consumption tax (不課税, rate 0);
the removal is a service, taxed at the rate of its day. The kept deposit is not billed: the company holds
it already; a returned deposit is paid back by the clerk.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing import invoicing, service, tax
from billing.cancellation import Reason, Settlement, SettlementRefused
from billing.errors import BillingRefused
from billing.models import CancellationRow, Contract, InvoiceLineRow, InvoiceRow
from billing.money import Yen

SETTLEMENT = "settlement"
NOT_TAXED = "0"


async def _contract(session: AsyncSession, contract_id: int) -> Contract:
    contract = await service.load(session=session, contract_id=contract_id)
    if contract is None:
        raise LookupError(f"contract {contract_id} not found")
    return contract


async def _settle(
    session: AsyncSession,
    contract: Contract,
    terminated_on: dt.date,
    reason: Reason | str,
    removal_cost: Yen,
    notified_on: dt.date | None,
    proven_damages: Yen | None,
    large_equipment_addition: bool,
) -> Settlement:
    try:
        reason = Reason(reason)
    except ValueError:
        raise BillingRefused(f"reason is one of {', '.join(r.value for r in Reason)}") from None
    if reason is Reason.COMPANY and notified_on is None:
        # A contract on the books ends by the company only 3 months after its notice arrived: that day
        # is needed to check it (seed 002 重要事項 2.(9), ご利用規定（レンタル）第8条).
        raise BillingRefused(
            "termination by the company needs the day its written notice reached the subscriber "
            "(notified_on; seed 002 重要事項 2.(9), ご利用規定（レンタル）第8条)"
        )
    if reason is Reason.NON_PAYMENT and not await service.termination_allowed(
        session=session, contract_id=contract.id, on=terminated_on
    ):
        raise BillingRefused(
            "termination for non-payment is allowed only 20 days after a written demand was received and "
            "while it stays unpaid (seed 002 重要事項 2.(6); ご利用規定（レンタル）第10条)"
        )
    if reason is Reason.SUBSCRIBER and service.refused_price_rise(contract, terminated_on):
        reason = Reason.UNAVOIDABLE  # seed 002 重要事項 2.(7) 例: a refused price rise is truly unavoidable
    decision = await service.latest_decision(session=session, contract_id=contract.id)
    try:
        return service.settlement(
            contract, terminated_on, reason, removal_cost=removal_cost, decision=decision,
            notified_on=notified_on, proven_damages=proven_damages,
            large_equipment_addition=large_equipment_addition,
        )  # fmt: skip
    except SettlementRefused as exc:
        raise BillingRefused(str(exc)) from None
    except ValueError as exc:
        raise BillingRefused(str(exc)) from None


async def preview_cancellation(
    *,
    session: AsyncSession,
    contract_id: int,
    terminated_on: dt.date,
    reason: Reason | str,
    removal_cost: Yen = 0,
    notified_on: dt.date | None = None,
    proven_damages: Yen | None = None,
    large_equipment_addition: bool = False,
) -> Settlement:
    """What ending the contract on ``terminated_on`` for ``reason`` would settle; nothing is written."""
    contract = await _contract(session, contract_id)
    if contract.terminated_on is not None:
        raise BillingRefused(f"contract {contract_id} already ended on {contract.terminated_on}")
    return await _settle(
        session, contract, terminated_on, reason, removal_cost, notified_on, proven_damages,
        large_equipment_addition,
    )  # fmt: skip


async def confirm_cancellation(
    *,
    session: AsyncSession,
    contract_id: int,
    terminated_on: dt.date,
    reason: Reason | str,
    confirmed_by: str,
    removal_cost: Yen = 0,
    notified_on: dt.date | None = None,
    proven_damages: Yen | None = None,
    large_equipment_addition: bool = False,
    today: dt.date | None = None,
) -> Settlement:
    """End the contract as previewed, record the settlement and bill what is owed. The caller commits."""
    if not confirmed_by.strip():
        raise BillingRefused("who confirmed the cancellation is required")
    contract = await _contract(session, contract_id)
    if contract.terminated_on is not None:
        raise BillingRefused(f"contract {contract_id} already ended on {contract.terminated_on}")
    result = await _settle(
        session, contract, terminated_on, reason, removal_cost, notified_on, proven_damages,
        large_equipment_addition,
    )  # fmt: skip
    if result.pending_decision or result.total is None:
        raise BillingRefused(
            "a truly unavoidable reason needs the company's recorded decision (reduce or waive the fee) "
            "before the cancellation is confirmed (seed 002 重要事項 2.(5)①; ご利用規定（レンタル）第9条②)"
        )
    contract.terminated_on = terminated_on
    contract.termination_reason = result.reason.value
    session.add(
        CancellationRow(
            contract_id=contract.id, terminated_on=terminated_on, reason=result.reason.value,
            requested_reason=(result.requested_reason or result.reason).value, fee=result.fee,
            deposit_kept=result.deposit_kept, deposit_returned=result.deposit_returned,
            removal_cost=result.removal_cost, unpaid_fees=result.unpaid_fees,
            extra_damages=result.extra_damages, total=result.total, note=result.note[:300],
            confirmed_by=confirmed_by,
        )
    )  # fmt: skip
    invoice = settlement_invoice(contract.id, result, terminated_on, today or terminated_on)
    if invoice is not None:
        session.add(invoice)
    await session.flush()
    return result


def settlement_invoice(
    contract_id: int, result: Settlement, terminated_on: dt.date, issued_on: dt.date
) -> InvoiceRow | None:
    """The invoice for what the settlement adds to the fees already billed; None when nothing is owed."""
    lines: list[tuple[str, Yen, str]] = []
    if result.fee:
        lines.append(("解約金（不課税）", result.fee, NOT_TAXED))
    if result.extra_damages:
        lines.append(("損害金（不課税）", result.extra_damages, NOT_TAXED))
    if result.removal_cost:
        lines.append(("セキュリティ機器撤去費用", result.removal_cost, str(tax.rate_on(terminated_on))))
    if not lines:
        return None
    subtotal = sum(amount for _, amount, _ in lines)
    taxable = sum(amount for _, amount, rate in lines if rate != NOT_TAXED)
    levied = tax.tax_for(taxable, tax.rate_on(terminated_on)) if taxable else 0
    return InvoiceRow(
        contract_id=contract_id, kind=SETTLEMENT, period_start=terminated_on, period_end=terminated_on,
        issued_on=issued_on, due_on=invoicing.due_date(issued_on), subtotal=subtotal, tax=levied,
        total=subtotal + levied,
        lines=[InvoiceLineRow(description=d, start=terminated_on, end=terminated_on, amount=a, rate=r)
               for d, a, r in lines],
    )  # fmt: skip


async def record_decision(
    *, session: AsyncSession, contract_id: int, reduced_to: Yen, reason: str, decided_by: str
) -> None:
    """The company's decision on a truly unavoidable reason: the fee reduced to ``reduced_to`` (0 =
    waived), with why and who (seed 002 重要事項 2.(5)①ただし書; ご利用規定（レンタル）第9条②)."""
    if not isinstance(reduced_to, int) or reduced_to < 0 or not reason.strip() or not decided_by.strip():
        raise BillingRefused("a decision needs a fee of 0 or more yen, its reason and who decided")
    if await session.get(Contract, contract_id) is None:
        raise LookupError(f"contract {contract_id} not found")
    await service.decide_fee(
        session=session, contract_id=contract_id, reduced_to=reduced_to, reason=reason.strip(),
        decided_by=decided_by.strip(),
    )  # fmt: skip
    await session.flush()


async def cancellation_of(*, session: AsyncSession, contract_id: int) -> CancellationRow | None:
    return await session.scalar(select(CancellationRow).where(CancellationRow.contract_id == contract_id))
