"""Requests and answers of the billing API and CLI (the same JSON in both)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from billing.cancellation import Plan, Reason, Settlement, settle
from billing.claims import TheftPayout, consolation_money


class CancellationFeeRequest(BaseModel):
    start: dt.date = Field(description="service start date")
    terminated: dt.date = Field(description="termination date")
    monthly: int = Field(ge=0, le=10_000_000, description="monthly fee in force, yen, tax excluded")
    deposit: int = Field(default=0, ge=0, le=10_000_000)
    reason: Reason = Reason.SUBSCRIBER
    plan: Plan = Plan.RENTAL
    removal_cost: int = Field(default=0, ge=0, le=10_000_000)
    unpaid_fees: int = Field(default=0, ge=0, le=100_000_000)


class ClaimRequest(BaseModel):
    cash: int = Field(
        default=0, ge=0, le=10_000_000_000, description="cash, precious metals, art (residence)"
    )
    goods: int = Field(default=0, ge=0, le=10_000_000_000, description="household goods")
    shop_cash: int = Field(default=0, ge=0, le=10_000_000_000)
    shop_goods: int = Field(default=0, ge=0, le=10_000_000_000)
    building_damage: int = Field(default=0, ge=0, le=10_000_000_000)
    fees_unpaid: bool = False
    service_stopped_by_subscriber: bool = False
    noticed_after_days: int = Field(default=0, ge=0, le=100_000)
    by_family_member: bool = False
    outside_premises: bool = False


def settle_request(body: CancellationFeeRequest) -> Settlement:
    return settle(
        plan=body.plan,
        service_start=body.start,
        terminated=body.terminated,
        monthly=body.monthly,
        reason=body.reason,
        deposit=body.deposit,
        removal_cost=body.removal_cost,
        unpaid_fees=body.unpaid_fees,
    )


def settlement_json(s: Settlement) -> dict[str, Any]:
    return {
        "plan": s.plan.value,
        "reason": s.reason.value,
        "expiry": s.expiry.isoformat(),
        "remaining_months": float(s.remaining_months),  # one decimal, for display; the fee used Decimal
        "formula_fee": s.formula_fee,
        "fee": s.fee,
        "decision_required": s.decision_required,
        "deposit": s.deposit,
        "deposit_kept": s.deposit_kept,
        "deposit_returned": s.deposit_returned,
        "removal_paid_by": s.removal_paid_by,
        "removal_cost": s.removal_cost,
        "unpaid_fees": s.unpaid_fees,
        "damages": s.damages,
        "total": s.total,
    }


def claim_json(payout: TheftPayout, building_damage: int) -> dict[str, Any]:
    consolation = consolation_money(building_damage)
    return {
        "insurance": payout.insurance,
        "covered_cash": payout.covered_cash,
        "covered_goods": payout.covered_goods,
        "covered_shop_goods": payout.covered_shop_goods,
        "deductible": payout.deductible,
        "exclusions": payout.exclusions,
        "consolation": consolation,
        "total": payout.insurance + consolation,
    }
