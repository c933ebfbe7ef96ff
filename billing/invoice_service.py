"""An invoice row as a qualified invoice (billing/qualified_invoice.py), ready for billing/invoice_pdf.py."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from billing import invoicing
from billing.errors import BillingRefused
from billing.models import Contract, InvoiceRow
from billing.qualified_invoice import Issuer, NotQualified, QualifiedInvoice, number_of, per_rate
from control_center.core.settings import Settings


def issuer_from(settings: Settings) -> Issuer:
    """The issuer of every invoice, from CC_INVOICE_ISSUER_NAME, CC_INVOICE_REGISTRATION_NUMBER (T + 13
    digits) and CC_INVOICE_ISSUER_ADDRESS; refused plainly while the registration number is not set."""
    try:
        return Issuer(
            settings.invoice_issuer_name,
            settings.invoice_registration_number or "",
            settings.invoice_issuer_address,
        )
    except NotQualified as exc:
        raise BillingRefused(str(exc)) from None


async def qualified_invoice(*, session: AsyncSession, invoice_id: int, issuer: Issuer) -> QualifiedInvoice:
    row = await session.scalar(
        select(InvoiceRow).where(InvoiceRow.id == invoice_id).options(selectinload(InvoiceRow.lines))
    )
    if row is None:
        raise LookupError(f"invoice {invoice_id} not found")
    contract = await session.scalar(
        select(Contract)
        .where(Contract.id == row.contract_id)
        .options(selectinload(Contract.subscriber), selectinload(Contract.premises))
    )
    assert contract is not None
    lines = tuple(
        invoicing.Line(line.description, line.start, line.end, line.amount, Decimal(line.rate))
        for line in row.lines
    )
    rates = per_rate(lines)
    # A tax-difference invoice bills the tax at the new rates less the tax already billed.
    previously = sum(r.tax for r in rates) - row.tax if row.kind == "tax_adjustment" else 0
    return QualifiedInvoice(
        number=number_of(row.id),
        issuer=issuer,
        recipient=contract.subscriber.name,
        recipient_address=contract.premises.address,
        issued_on=row.issued_on,
        due_on=row.due_on,
        period_start=row.period_start,
        period_end=row.period_end,
        lines=lines,
        per_rate=rates,
        previously_billed_tax=previously,
        kind="monthly" if row.kind != "tax_adjustment" else row.kind,
    )
