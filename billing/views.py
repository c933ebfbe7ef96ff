"""Billing API: the calculators, a contract with its invoices and today's settlement preview
(``contract_json``; its route, which adds the contract's signature, is ``billing/esign/views.py``), the
invoice PDF, and the clerk's work (the month's run, payments, a cancellation previewed, decided and
confirmed; ``contracts.write``): the services the subscriber page uses
(control_center/console/subscribers.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from billing import closing, demand_service, payment_service, service
from billing.cancellation import Reason
from billing.claims import decide
from billing.errors import BillingRefused
from billing.invoice_pdf import render_invoice_pdf
from billing.invoice_service import issuer_from, qualified_invoice
from billing.models import Contract, InvoiceRow
from billing.payments import Method
from billing.pdf_font import FontMissing
from billing.schemas import CancellationFeeRequest, ClaimRequest, claim_json, settle_request, settlement_json
from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.core.timezones import tokyo_today
from control_center.web.api_types import RowId

router = APIRouter(prefix="/api/billing", tags=["billing"], dependencies=[allowed(Permission.CONTRACTS_READ)])


@router.post("/cancellation-fee", summary="Settlement on termination: fee, deposit, removal, total")
async def cancellation_fee(body: CancellationFeeRequest) -> dict[str, Any]:
    return settlement_json(settle_request(body))


@router.post("/claim", summary="Theft insurance and building-damage consolation money for one accident")
async def claim(body: ClaimRequest) -> dict[str, Any]:
    return claim_json(decide(body.accident()))


def contract_json(row: Contract, today: dt.date) -> dict[str, Any]:
    """A contract, its invoices and what ending it today would cost, as ``GET /api/billing/contracts/{id}``
    shows it; the route is in ``billing/esign/views.py``, since the page shows the signature too, and
    signing builds on contracts, not the other way round."""
    return {
        "id": row.id,
        "plan": row.plan,
        "service_start": row.service_start.isoformat(),
        "monthly_fee": service.base_monthly(row, today),
        "deposit": row.deposit,
        "expiry": service.current_expiry(row, today).isoformat(),
        "fees_unpaid": service.fees_unpaid_on(row, today),
        # None before the service starts or once the contract has ended: there is nothing to end today.
        "settlement_if_ended_today": settlement_json(service.settlement(row, today, Reason.SUBSCRIBER))
        if row.service_start <= today and row.terminated_on is None
        else None,
        "invoices": [
            {
                "id": i.id,
                "kind": i.kind,
                "period_start": i.period_start.isoformat(),
                "period_end": i.period_end.isoformat(),
                "issued_on": i.issued_on.isoformat(),
                "due_on": i.due_on.isoformat(),
                "subtotal": i.subtotal,
                "tax": i.tax,
                "total": i.total,
                "paid_on": i.paid_on.isoformat() if i.paid_on else None,
            }
            for i in row.invoices
        ],
    }


@router.get(
    "/invoices/{invoice_id}/pdf",
    summary="The invoice as a qualified invoice (適格請求書), a Japanese PDF (the download is logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def invoice_pdf(invoice_id: RowId, request: Request) -> Response:
    async with request.app.state.sessions() as session:
        if await session.get(InvoiceRow, invoice_id) is None:
            raise HTTPException(status_code=404, detail=f"invoice {invoice_id} not found")
        try:
            issuer = issuer_from(request.app.state.settings)
        except BillingRefused as exc:  # no registration number configured: say what to set
            raise HTTPException(status_code=503, detail=str(exc)) from exc
        try:
            invoice = await qualified_invoice(session=session, invoice_id=invoice_id, issuer=issuer)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        audit.record(
            session=session, actor=actor_of(request), action="download", subject=f"invoice:{invoice_id}",
            at=utcnow(), detail=f"{invoice.number} PDF",
        )  # fmt: skip
        await session.commit()
    try:
        pdf = render_invoice_pdf(invoice)
    except FontMissing as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{invoice.number}.pdf"'},
    )


# --- the clerk's work through the API (the same services as the subscriber page) ------------------------

Writes = [allowed(Permission.CONTRACTS_WRITE)]


class PaymentIn(BaseModel):
    amount: int = Field(ge=1, le=100_000_000, description="yen received")
    received_on: dt.date = Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))
    method: Method
    reference: str = Field(default="", max_length=100)


class CancellationIn(BaseModel):
    terminated_on: dt.date = Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))
    reason: Reason = Reason.SUBSCRIBER
    removal_cost: int = Field(default=0, ge=0, le=100_000_000)
    notified_on: dt.date | None = Field(default=None, ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))


class DemandIn(BaseModel):
    sent_on: dt.date = Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))


class DemandReceiptIn(BaseModel):
    received_on: dt.date = Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))


class DecisionIn(BaseModel):
    reduced_to: int = Field(ge=0, le=100_000_000, description="the fee after the decision; 0 waives it")
    reason: str = Field(min_length=1, max_length=300)


async def _clerk(request: Request, step: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """``step(session)`` then commit; a refusal of the rules is 409 with its reason, an unknown row 404."""
    try:
        async with request.app.state.sessions() as session:
            result = await step(session)
            await session.commit()
            return result
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except Refused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc


@router.post(
    "/run", dependencies=Writes, summary="Issue this month's invoices (as `control-center billing run`)"
)
async def run_now(request: Request) -> dict[str, Any]:
    today = tokyo_today(utcnow())

    async def step(session: AsyncSession) -> list[InvoiceRow]:
        created = await service.run(session=session, on=today)
        audit.changed(session, actor_of(request), "billing", f"run {today}: {len(created)} invoices issued")
        return created

    created = await _clerk(request, step)
    return {"on": today.isoformat(), "issued": [i.id for i in created]}


@router.post(
    "/contracts/{contract_id}/payments", status_code=201, dependencies=Writes,
    summary="A payment received (bank transfer, card, convenience store), applied oldest invoice first",
)  # fmt: skip
async def payment(contract_id: RowId, body: PaymentIn, request: Request) -> dict[str, Any]:
    actor = actor_of(request)

    async def step(session: AsyncSession) -> payment_service.PaymentResult:
        result = await payment_service.record_payment(
            session=session, contract_id=contract_id, amount=body.amount, received_on=body.received_on,
            method=body.method, recorded_by=actor, reference=body.reference.strip(),
        )  # fmt: skip
        audit.changed(
            session, actor, f"contract:{contract_id}",
            f"payment {result.payment_id}: {body.amount} yen by {body.method} received {body.received_on}",
        )  # fmt: skip
        return result

    result = await _clerk(request, step)
    return {
        "payment_id": result.payment_id,
        "settled": [{"invoice_id": i, "amount": a} for i, a in result.settled],
        "unapplied": result.unapplied,
        "invoices_now_paid": result.invoices_now_paid,
    }


@router.post(
    "/contracts/{contract_id}/cancellation/preview",
    summary="What ending the contract on a chosen day for a reason would settle (nothing is written)",
)
async def cancellation_preview(contract_id: RowId, body: CancellationIn, request: Request) -> dict[str, Any]:
    async def step(session: AsyncSession) -> Any:
        return await closing.preview_cancellation(
            session=session, contract_id=contract_id, **body.model_dump()
        )

    return settlement_json(await _clerk(request, step))


@router.post(
    "/contracts/{contract_id}/cancellation", dependencies=Writes,
    summary="End the contract as previewed (refused while a decision on an unavoidable reason is pending)",
)  # fmt: skip
async def cancellation(contract_id: RowId, body: CancellationIn, request: Request) -> dict[str, Any]:
    actor = actor_of(request)

    async def step(session: AsyncSession) -> Any:
        settled = await closing.confirm_cancellation(
            session=session, contract_id=contract_id, confirmed_by=actor, **body.model_dump()
        )
        detail = f"cancelled on {body.terminated_on} ({settled.reason.value}): total {settled.total} yen"
        audit.changed(session, actor, f"contract:{contract_id}", detail)
        return settled

    return settlement_json(await _clerk(request, step))


@router.post(
    "/contracts/{contract_id}/decision", status_code=201, dependencies=Writes,
    summary="The company's decision on a truly unavoidable reason: the fee reduced (0 waives it), and why",
)  # fmt: skip
async def decision(contract_id: RowId, body: DecisionIn, request: Request) -> dict[str, Any]:
    actor = actor_of(request)

    async def step(session: AsyncSession) -> None:
        await closing.record_decision(
            session=session, contract_id=contract_id, reduced_to=body.reduced_to, reason=body.reason.strip(),
            decided_by=actor,
        )  # fmt: skip
        detail = f"fee decision: reduced to {body.reduced_to} yen ({body.reason.strip()})"
        audit.changed(session, actor, f"contract:{contract_id}", detail)

    await _clerk(request, step)
    return {"reduced_to": body.reduced_to, "reason": body.reason.strip(), "decided_by": actor}


def _demand_json(result: demand_service.DemandResult) -> dict[str, Any]:
    allowed = result.termination_allowed_from
    return {
        "demand_id": result.demand_id,
        "invoice_id": result.invoice_id,
        "contract_id": result.contract_id,
        "sent_on": result.sent_on.isoformat(),
        "received_on": result.received_on.isoformat() if result.received_on else None,
        "termination_allowed_from": allowed.isoformat() if allowed else None,
        "clause": demand_service.CLAUSE,
    }


@router.post(
    "/invoices/{invoice_id}/demand", status_code=201, dependencies=Writes,
    summary="Send the written demand (催告) for an invoice past its due date and unpaid",
)  # fmt: skip
async def demand(invoice_id: RowId, body: DemandIn, request: Request) -> dict[str, Any]:
    actor = actor_of(request)

    async def step(session: AsyncSession) -> demand_service.DemandResult:
        return await demand_service.send_demand(
            session=session, invoice_id=invoice_id, sent_on=body.sent_on, actor=actor
        )

    return _demand_json(await _clerk(request, step))


@router.post(
    "/invoices/{invoice_id}/demand/receipt", dependencies=Writes,
    summary="The day the demand reached the subscriber: termination for non-payment allowed 21 days later",
)  # fmt: skip
async def demand_receipt(invoice_id: RowId, body: DemandReceiptIn, request: Request) -> dict[str, Any]:
    actor = actor_of(request)

    async def step(session: AsyncSession) -> demand_service.DemandResult:
        return await demand_service.record_receipt(
            session=session, invoice_id=invoice_id, received_on=body.received_on, actor=actor
        )

    return _demand_json(await _clerk(request, step))
