"""Billing API: the calculators, and a contract with its invoices and today's settlement preview."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from billing import service
from billing.cancellation import Reason
from billing.claims import TheftLoss, theft_insurance
from billing.esign import service as esign
from billing.schemas import CancellationFeeRequest, ClaimRequest, claim_json, settle_request, settlement_json
from control_center.access.guard import allowed
from control_center.access.roles import Permission
from control_center.core.db import utcnow
from control_center.core.timezones import tokyo_today
from control_center.web.api_types import RowId

router = APIRouter(prefix="/api/billing", tags=["billing"], dependencies=[allowed(Permission.CONTRACTS_READ)])


@router.post("/cancellation-fee", summary="Settlement on termination: fee, deposit, removal, total")
async def cancellation_fee(body: CancellationFeeRequest) -> dict[str, Any]:
    return settlement_json(settle_request(body))


@router.post("/claim", summary="Theft insurance and building-damage consolation money for one accident")
async def claim(body: ClaimRequest) -> dict[str, Any]:
    loss = TheftLoss(**body.model_dump(exclude={"building_damage"}))
    return claim_json(theft_insurance(loss), body.building_damage)


@router.get(
    "/contracts/{contract_id}", summary="A contract, its invoices and what ending it today would cost"
)
async def contract(contract_id: RowId, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        row = await service.load(session=session, contract_id=contract_id)
        if row is None:
            raise HTTPException(status_code=404, detail=f"contract {contract_id} not found")
        signed = await esign.of_contract(session=session, contract_id=contract_id)
        state = (
            await esign.verify_document(
                session=session,
                box=request.app.state.secret_box,
                document_id=signed.id,
                at=utcnow(),
            )
            if signed
            else None
        )
    today = tokyo_today(utcnow())
    return {
        "signed_document": {
            "id": signed.id,
            "signed_at": signed.signed_at.isoformat(),
            "sha256": signed.sha256,
            "verified": state.ok,
        }
        if signed and state
        else None,
        "id": row.id,
        "plan": row.plan,
        "service_start": row.service_start.isoformat(),
        "monthly_fee": service.base_monthly(row, today),
        "deposit": row.deposit,
        "expiry": service.current_expiry(row, today).isoformat(),
        "fees_unpaid": service.fees_unpaid_on(row, today),
        "settlement_if_ended_today": settlement_json(service.settlement(row, today, Reason.SUBSCRIBER)),
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
