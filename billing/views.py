"""Billing API: the calculators, and a contract with its invoices and today's settlement preview
(``contract_json``; its route, which adds the contract's signature, is ``billing/esign/views.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter

from billing import service
from billing.cancellation import Reason
from billing.claims import TheftLoss, theft_insurance
from billing.models import Contract
from billing.schemas import CancellationFeeRequest, ClaimRequest, claim_json, settle_request, settlement_json
from control_center.access.guard import allowed
from control_center.access.roles import Permission

router = APIRouter(prefix="/api/billing", tags=["billing"], dependencies=[allowed(Permission.CONTRACTS_READ)])


@router.post("/cancellation-fee", summary="Settlement on termination: fee, deposit, removal, total")
async def cancellation_fee(body: CancellationFeeRequest) -> dict[str, Any]:
    return settlement_json(settle_request(body))


@router.post("/claim", summary="Theft insurance and building-damage consolation money for one accident")
async def claim(body: ClaimRequest) -> dict[str, Any]:
    loss = TheftLoss(**body.model_dump(exclude={"building_damage"}))
    return claim_json(theft_insurance(loss), body.building_damage)


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
