"""Requests and answers of the billing API and CLI (the same JSON in both)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from billing.cancellation import FeeDecision, Plan, Reason, Settlement, settle
from billing.claims import (
    CONSOLATION_CLAUSE,
    EXCLUSIONS,
    LIMITS_CLAUSE,
    Accident,
    ClaimDecision,
    StopCause,
)


class CancellationFeeRequest(BaseModel):
    start: dt.date = Field(description="service start date")
    terminated: dt.date = Field(description="termination date")
    monthly: int = Field(ge=0, le=10_000_000, description="monthly fee in force, yen, tax excluded")
    deposit: int = Field(default=0, ge=0, le=10_000_000)
    reason: Reason = Reason.SUBSCRIBER
    plan: Plan = Plan.RENTAL
    removal_cost: int = Field(default=0, ge=0, le=10_000_000)
    unpaid_fees: int = Field(default=0, ge=0, le=100_000_000)
    notified_on: dt.date | None = Field(
        default=None, description="the company's written notice (reason company)"
    )
    proven_damages: int | None = Field(default=None, ge=0, le=1_000_000_000)
    large_equipment_addition: bool = False
    reduced_to: int | None = Field(
        default=None, ge=0, le=100_000_000, description="the company's decision: fee reduced to (0 = waived)"
    )
    decision_reason: str | None = Field(default=None, max_length=300)
    decided_by: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _settles(self) -> CancellationFeeRequest:
        if self.reduced_to is not None and not ((self.decision_reason or "").strip() and
                                                (self.decided_by or "").strip()):  # fmt: skip
            raise ValueError("a decision needs its reason and who decided (seed 002 重要事項 2.(5)①)")
        if self.reduced_to is not None and self.reason is not Reason.UNAVOIDABLE:
            raise ValueError("a decision on the fee applies only to a truly unavoidable reason")
        settle_request(self)  # SettlementRefused is a ValueError: a 422 / exit 2 with the message
        return self


class ClaimRequest(BaseModel):
    """One accident (billing/claims.py ``Accident``); every exclusion of seed 002 重要事項 4. is a field."""

    cash: int = Field(
        default=0, ge=0, le=10_000_000_000, description="cash, precious metals, art (residence)"
    )
    goods: int = Field(default=0, ge=0, le=10_000_000_000, description="household goods")
    shop_cash: int = Field(default=0, ge=0, le=10_000_000_000)
    shop_goods: int = Field(default=0, ge=0, le=10_000_000_000)
    excluded_articles: int = Field(
        default=0, ge=0, le=10_000_000_000, description="stolen articles outside the insurance (4.(1)①)"
    )
    building_damage: int = Field(default=0, ge=0, le=10_000_000_000)
    shop_cash_outside_safe: bool = False
    fees_unpaid: bool = False
    service_stopped: bool = Field(
        default=False, description="all service or the equipment stopped, a cause not on the company's side"
    )
    service_stopped_cause: Literal["company", "subscriber", "force_majeure", "other"] | None = None
    service_stopped_by_subscriber: bool = False  # the older name of service_stopped
    accident_on: dt.date | None = None
    service_start: dt.date | None = None
    service_ended: dt.date | None = None
    noticed_after_days: int = Field(default=0, ge=0, le=100_000)
    intent: bool = False
    by_family_member: bool = False
    by_employee: bool = False
    outside_premises: bool = False
    intrusion_not_shown: bool = False
    war: bool = False
    earthquake: bool = False
    flood: bool = False
    disaster: bool = False
    fire_or_explosion_from_theft: bool = False
    nuclear: bool = False
    loss_or_shoplifting: bool = False
    freezing: bool = False
    business_without_notice: bool = False

    def accident(self) -> Accident:
        data = self.model_dump(exclude={"service_stopped", "service_stopped_by_subscriber"})
        stopped = self.service_stopped or self.service_stopped_by_subscriber
        if data["service_stopped_cause"] is None and stopped:
            by_subscriber = self.service_stopped_by_subscriber
            data["service_stopped_cause"] = StopCause.SUBSCRIBER if by_subscriber else StopCause.OTHER
        return Accident(**data)


def settle_request(body: CancellationFeeRequest) -> Settlement:
    decision = (
        FeeDecision(body.reduced_to, body.decision_reason or "", body.decided_by or "")
        if body.reduced_to is not None
        else None
    )
    return settle(
        plan=body.plan,
        service_start=body.start,
        terminated=body.terminated,
        monthly=body.monthly,
        reason=body.reason,
        deposit=body.deposit,
        removal_cost=body.removal_cost,
        unpaid_fees=body.unpaid_fees,
        decision=decision,
        notified_on=body.notified_on,
        proven_damages=body.proven_damages,
        large_equipment_addition=body.large_equipment_addition,
    )


def settlement_json(s: Settlement) -> dict[str, Any]:
    """The settlement; while a decision on a truly unavoidable reason is pending, ``total`` is null and
    ``status`` says "pending_decision" (the most it can be is ``total_before_decision``)."""
    return {
        "status": "pending_decision" if s.pending_decision else "final",
        "plan": s.plan.value,
        "reason": s.reason.value,
        "requested_reason": (s.requested_reason or s.reason).value,
        "note": s.note,
        "expiry": s.expiry.isoformat(),
        "remaining_months": float(s.remaining_months),  # one decimal, for display; the fee used Decimal
        "formula_fee": s.formula_fee,
        "fee": None if s.pending_decision else s.fee,
        "decision_required": s.decision_required,
        "deposit": s.deposit,
        "deposit_kept": s.deposit_kept,
        "deposit_returned": s.deposit_returned,
        "removal_paid_by": s.removal_paid_by,
        "removal_cost": s.removal_cost,
        "unpaid_fees": s.unpaid_fees,
        "extra_damages": s.extra_damages,
        "damages": s.damages,
        "total": s.total,
        "total_before_decision": s.total_before_decision,
        "company_notice_by": s.company_notice_by.isoformat() if s.company_notice_by else None,
        "clauses": list(s.clauses),
    }


def _reasons(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "clause": EXCLUSIONS[c].clause, "ja": EXCLUSIONS[c].ja} for c in codes]


def claim_json(decision: ClaimDecision) -> dict[str, Any]:
    """The decision on one accident, each refusal with the clause it comes from."""
    payout, money = decision.insurance, decision.consolation
    return {
        "insurance": payout.insurance,
        "covered_cash": payout.covered_cash,
        "covered_goods": payout.covered_goods,
        "covered_shop_goods": payout.covered_shop_goods,
        "uncovered": payout.uncovered,
        "deductible": payout.deductible,
        "exclusions": payout.exclusions,
        "insurance_decision": {
            "paid": not payout.exclusions and payout.insurance > 0,
            "reasons": _reasons(payout.exclusions),
            "clause": LIMITS_CLAUSE,
        },
        "consolation": money.consolation,
        "consolation_exclusions": money.exclusions,
        "consolation_decision": {
            "paid": not money.exclusions and money.consolation > 0,
            "reasons": _reasons(money.exclusions),
            "clause": CONSOLATION_CLAUSE,
        },
        "total": decision.total,
    }
