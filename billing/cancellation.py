"""Settlement on termination: cancellation fee, deposit, removal cost (seed 002, §(2), §(5), art. 3, 9–11).

fee = base monthly fee (tax excluded, the one in force on the termination day; before a suspension
if service was suspended) × 1/5 × remaining months, where remaining months are the whole months from
the day after termination to the initial expiry plus the leftover days ÷ 30.4, truncated to one
decimal. Fewer than 6 remaining months → no fee (Consumer Contract Act art. 9). The fee is rounded
down to the yen. A truly unavoidable reason → the fee is reduced or waived, by a recorded decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from billing import terms
from billing.money import Yen, floor_yen

DAYS_PER_MONTH = Decimal("30.4")
MINIMUM_REMAINING = Decimal(6)


class Plan(StrEnum):
    RENTAL = "rental"
    PURCHASE = "purchase"  # no deposit, no cancellation fee


class Reason(StrEnum):
    SUBSCRIBER = "subscriber"  # お客様の理由
    UNAVOIDABLE = "unavoidable"  # 真にやむを得ない理由 (neighbour's fire, refused price rise)
    NON_PAYMENT = "non_payment"  # 催告後20日以内に支払いなし
    COMPANY = "company"  # セコムからの申し入れ (3 months' notice)
    COMPANY_FAULT = "company_fault"  # セコム側の原因
    EXPIRY = "expiry"  # 期間満了


@dataclass(frozen=True, slots=True)
class Remaining:
    months: int
    days: int
    value: Decimal  # months + days / 30.4, truncated to one decimal


def remaining_months(service_start: dt.date, terminated: dt.date) -> Remaining:
    """Whole months from the day after ``terminated`` to the initial expiry, plus the leftover days."""
    expiry = terms.initial_expiry(service_start)
    first = terminated + dt.timedelta(days=1)
    if first > expiry:
        return Remaining(0, 0, Decimal(0))
    months = 0
    while terms.period_end(first, months + 1) <= expiry:
        months += 1
    covered_until = terms.period_end(first, months) if months else first - dt.timedelta(days=1)
    days = (expiry - covered_until).days
    value = (months + Decimal(days) / DAYS_PER_MONTH).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return Remaining(months, days, value)


@dataclass(frozen=True, slots=True)
class FeeDecision:
    """The company's recorded decision on a truly unavoidable reason: waive, or reduce to an amount."""

    reduced_to: Yen  # 0 = waived
    reason: str
    decided_by: str


@dataclass(frozen=True, slots=True)
class Settlement:
    plan: Plan
    reason: Reason
    expiry: dt.date
    remaining_months: Decimal
    formula_fee: Yen
    fee: Yen
    decision_required: bool
    deposit: Yen
    deposit_kept: Yen
    deposit_returned: Yen
    removal_paid_by: str  # subscriber | company
    removal_cost: Yen  # charged to the subscriber
    unpaid_fees: Yen
    total: Yen  # what the subscriber owes: fee + kept deposit + removal + unpaid fees
    damages: Yen  # fee + kept deposit: the company's damages as the contract defines them


def cancellation_fee(monthly: Yen, remaining: Decimal) -> Yen:
    if remaining < MINIMUM_REMAINING:
        return 0
    return floor_yen(Decimal(monthly) * remaining / 5)


def settle(
    *,
    plan: Plan,
    service_start: dt.date,
    terminated: dt.date,
    monthly: Yen,
    reason: Reason,
    deposit: Yen = 0,
    removal_cost: Yen = 0,
    unpaid_fees: Yen = 0,
    decision: FeeDecision | None = None,
) -> Settlement:
    for name, value in (("monthly", monthly), ("deposit", deposit), ("removal_cost", removal_cost),
                        ("unpaid_fees", unpaid_fees)):  # fmt: skip
        if value < 0:
            raise ValueError(f"{name} cannot be negative")
    expiry = terms.initial_expiry(service_start)
    early = terminated < expiry
    remaining = remaining_months(service_start, terminated).value
    subscriber_side = reason in (Reason.SUBSCRIBER, Reason.UNAVOIDABLE, Reason.NON_PAYMENT)
    owes_fee = plan is Plan.RENTAL and early and subscriber_side
    formula_fee = cancellation_fee(monthly, remaining) if owes_fee else 0
    fee = formula_fee
    decision_required = False
    if reason is Reason.UNAVOIDABLE and formula_fee:
        if decision is None:
            decision_required = True  # the company must reduce or waive it, and record why
        else:
            fee = min(formula_fee, decision.reduced_to)
    if plan is Plan.PURCHASE:
        deposit = 0
    keeps_deposit = early and subscriber_side
    deposit_kept = deposit if keeps_deposit else 0
    company_pays_removal = reason in (Reason.COMPANY, Reason.COMPANY_FAULT)
    removal = 0 if company_pays_removal else removal_cost
    return Settlement(
        plan=plan, reason=reason, expiry=expiry, remaining_months=remaining, formula_fee=formula_fee, fee=fee,
        decision_required=decision_required, deposit=deposit, deposit_kept=deposit_kept,
        deposit_returned=deposit - deposit_kept,
        removal_paid_by="company" if company_pays_removal else "subscriber",
        removal_cost=removal, unpaid_fees=unpaid_fees, total=fee + deposit_kept + removal + unpaid_fees,
        damages=fee + deposit_kept,
    )  # fmt: skip
