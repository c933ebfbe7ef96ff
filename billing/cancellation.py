"""Settlement on termination: cancellation fee, deposit, removal cost.

Seed 002 重要事項 2.(2) (deposit), 2.(4)① (removal), 2.(5) (cancellation fee), 2.(6) (non-payment, and
extra damages after a large equipment addition), 2.(9) (the company's own termination: 3 months' written
notice); ご利用規定（レンタル）第3条, 第8条–第11条.

fee = base monthly fee (tax excluded, the one in force on the termination day; before a suspension
if service was suspended) × 1/5 × remaining months, where remaining months are the whole months from
the day after termination to the initial expiry plus the leftover days ÷ 30.4, truncated to one
decimal. Fewer than 6 remaining months → no fee (Consumer Contract Act art. 9). The fee is rounded
down to the yen. A truly unavoidable reason → the fee is reduced or waived, by a recorded decision;
until that decision is recorded the fee and the total are not final (``pending_decision``).

The reason is checked against the dates: "expiry" before the initial expiry is not an expiry — the seed
returns the deposit only when the contract ends after the 5 years (2.(2)①a, 第3条②a), so such an end is
an early cancellation for the subscriber's reasons (2.(2)②a) and is settled as one, with a note. The
company's own termination needs its written notice at least 3 months before the end (2.(9), 第8条).
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


COMPANY_NOTICE_MONTHS = 3  # 2.(9), ご利用規定（レンタル）第8条


class SettlementRefused(ValueError):
    """The termination asked for cannot be settled as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Settlement:
    plan: Plan
    reason: Reason  # the reason the settlement applies (may differ from the one asked, see ``note``)
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
    total: Yen | None  # what the subscriber owes: fee + kept deposit + removal + unpaid fees + extra damages;
    # None while a decision on a truly unavoidable reason is pending (the fee is not final)
    damages: Yen | None  # fee + kept deposit: the company's damages as the contract defines them
    requested_reason: Reason | None = None
    note: str = ""
    pending_decision: bool = False
    total_before_decision: Yen = 0  # the most the subscriber can owe (the formula fee, not reduced)
    extra_damages: Yen = 0  # 2.(6): proven damages beyond fee + deposit after a large equipment addition
    company_notice_by: dt.date | None = None  # 2.(9): the company's notice must have reached by then
    clauses: tuple[str, ...] = ()


def deposit_for(plan: Plan | str, amount: Yen) -> Yen:
    """The deposit a contract holds: the rental plan's (2.(2)); the purchase plan has no deposit (seed 002
    重要事項 3., ご利用規定（お買い取り）: no 保証金 clause)."""
    return 0 if Plan(plan) is Plan.PURCHASE else amount


def cancellation_fee(monthly: Yen, remaining: Decimal) -> Yen:
    if remaining < MINIMUM_REMAINING:
        return 0
    return floor_yen(Decimal(monthly) * remaining / 5)


def company_notice_by(terminated: dt.date) -> dt.date:
    """The company's written notice must arrive 3 months before the end (2.(9), 第8条)."""
    return terms.months_before(terminated, COMPANY_NOTICE_MONTHS)


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
    notified_on: dt.date | None = None,
    proven_damages: Yen | None = None,
    large_equipment_addition: bool = False,
) -> Settlement:
    for name, value in (("monthly", monthly), ("deposit", deposit), ("removal_cost", removal_cost),
                        ("unpaid_fees", unpaid_fees), ("proven_damages", proven_damages or 0)):  # fmt: skip
        if value < 0:
            raise ValueError(f"{name} cannot be negative")
    reason = Reason(reason)
    requested = reason
    if terminated < service_start:
        # A contract ends on or after its service start; remaining months past the 5 years do not exist.
        raise SettlementRefused(
            f"the termination date {terminated.isoformat()} is before the service start "
            f"{service_start.isoformat()}"
        )
    expiry = terms.initial_expiry(service_start)
    early = terminated < expiry
    note = ""
    clauses = ["seed 002 重要事項 2.(5); ご利用規定（レンタル）第9条"]
    if reason is Reason.EXPIRY and early:
        # 2.(2)①a/②a, 第3条②a: the deposit comes back only after the 5 years; ending earlier for the
        # subscriber's side is an early cancellation.
        reason = Reason.SUBSCRIBER
        note = (f"満了日（{expiry.isoformat()}）前の終了は期間満了ではなく、お客様の理由による中途解約として"
                "精算します（seed 002 重要事項 2.(2)①a・②a, ご利用規定（レンタル）第3条）")  # fmt: skip
        clauses.append("seed 002 重要事項 2.(2)①a, ②a; ご利用規定（レンタル）第3条②a, ③a")
    notice_by = None
    if reason is Reason.COMPANY:
        notice_by = company_notice_by(terminated)
        clauses.append("seed 002 重要事項 2.(9); ご利用規定（レンタル）第8条")
        if notified_on is not None and notified_on > notice_by:
            raise SettlementRefused(
                f"the company's notice of {notified_on.isoformat()} is short: it must arrive 3 months before "
                f"the end (by {notice_by.isoformat()}; seed 002 重要事項 2.(9), ご利用規定（レンタル）第8条)"
            )
    if proven_damages is not None and (reason is not Reason.NON_PAYMENT or not large_equipment_addition):
        raise SettlementRefused(
            "extra damages are claimed only on termination for non-payment after a large equipment addition "
            "(seed 002 重要事項 2.(6); ご利用規定（レンタル）第10条)"
        )
    remaining = remaining_months(service_start, terminated).value
    subscriber_side = reason in (Reason.SUBSCRIBER, Reason.UNAVOIDABLE, Reason.NON_PAYMENT)
    owes_fee = plan is Plan.RENTAL and early and subscriber_side
    formula_fee = cancellation_fee(monthly, remaining) if owes_fee else 0
    fee = formula_fee
    decision_required = False
    if reason is Reason.UNAVOIDABLE and formula_fee:
        clauses.append("seed 002 重要事項 2.(5)①ただし書; ご利用規定（レンタル）第9条②")
        if decision is None:
            decision_required = True  # the company must reduce or waive it, and record why
        elif decision.reduced_to > formula_fee:
            raise ValueError(
                f"a decision reduces or waives the fee: at most the formula's {formula_fee} yen, "
                f"not {decision.reduced_to} (seed 002 重要事項 2.(5)①ただし書)"
            )
        else:
            fee = decision.reduced_to
    deposit = deposit_for(plan, deposit)
    keeps_deposit = early and subscriber_side
    deposit_kept = deposit if keeps_deposit else 0
    company_pays_removal = reason in (Reason.COMPANY, Reason.COMPANY_FAULT)
    removal = 0 if company_pays_removal else removal_cost
    extra = 0
    if proven_damages is not None:
        extra = max(0, proven_damages - (fee + deposit_kept))  # only the excess (2.(6), 第10条)
        clauses.append("seed 002 重要事項 2.(6); ご利用規定（レンタル）第10条")
    total = fee + deposit_kept + removal + unpaid_fees + extra
    return Settlement(
        plan=plan, reason=reason, expiry=expiry, remaining_months=remaining, formula_fee=formula_fee, fee=fee,
        decision_required=decision_required, deposit=deposit, deposit_kept=deposit_kept,
        deposit_returned=deposit - deposit_kept,
        removal_paid_by="company" if company_pays_removal else "subscriber",
        removal_cost=removal, unpaid_fees=unpaid_fees,
        total=None if decision_required else total,
        damages=None if decision_required else fee + deposit_kept,
        requested_reason=requested, note=note, pending_decision=decision_required,
        total_before_decision=formula_fee + deposit_kept + removal + unpaid_fees + extra,
        extra_damages=extra, company_notice_by=notice_by, clauses=tuple(clauses),
    )  # fmt: skip
