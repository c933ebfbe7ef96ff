"""The contract's money rules, to the yen: the domain brief's worked examples and their properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing import dunning, terms
from billing.cancellation import FeeDecision, Plan, Reason, remaining_months, settle
from billing.claims import TheftLoss, consolation_money, theft_insurance
from billing.invoicing import (
    Charge,
    PriceChange,
    Suspension,
    SuspensionCause,
    due_date,
    monthly_invoice,
    tax_difference,
)
from billing.tax import RATES

D = dt.date


# --- term, renewal --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expiry"),
    [(D(2021, 1, 21), D(2026, 1, 20)), (D(2024, 2, 29), D(2029, 2, 28)), (D(2020, 3, 1), D(2025, 2, 28)),
     (D(2019, 12, 31), D(2024, 12, 30))],
)  # fmt: skip
def test_five_full_years_by_the_civil_code(start: dt.date, expiry: dt.date) -> None:
    assert terms.initial_expiry(start) == expiry


def test_renewal_by_one_year_unless_noticed_three_months_ahead() -> None:
    start = D(2021, 1, 21)
    assert terms.notice_deadline(D(2026, 1, 20)) == D(2025, 10, 20)
    assert terms.expiry_on(start, D(2026, 1, 21)) == D(2027, 1, 20)  # renewed
    assert terms.expiry_on(start, D(2028, 6, 1)) == D(2029, 1, 20)  # and again
    assert terms.expiry_on(start, D(2026, 6, 1), [D(2025, 10, 20)]) == D(2026, 1, 20)  # noticed in time: ends
    assert terms.expiry_on(start, D(2026, 6, 1), [D(2025, 10, 21)]) == D(2027, 1, 20)  # late: the next expiry
    assert terms.expiry_on(start, D(2027, 6, 1), [D(2025, 10, 21)]) == D(2027, 1, 20)


# --- cancellation ---------------------------------------------------------------------------------------


def test_the_worked_example_to_the_yen() -> None:
    # Start 21 Jan, 10,000 yen a month, terminated 30 April of the 5th year: 8 months + 20 days → 8.6.
    remaining = remaining_months(D(2021, 1, 21), D(2025, 4, 30))
    assert (remaining.months, remaining.days, remaining.value) == (8, 20, Decimal("8.6"))
    s = settle(plan=Plan.RENTAL, service_start=D(2021, 1, 21), terminated=D(2025, 4, 30), monthly=10_000,
               reason=Reason.SUBSCRIBER, deposit=20_000)  # fmt: skip
    assert (s.fee, s.deposit_kept, s.damages) == (17_200, 20_000, 37_200)
    assert isinstance(s.fee, int) and isinstance(s.remaining_months, Decimal)


def test_no_fee_with_fewer_than_six_months_left() -> None:
    start = D(2021, 1, 21)  # expiry 2026-01-20
    five_and_a_half = settle(plan=Plan.RENTAL, service_start=start, terminated=D(2025, 8, 5), monthly=10_000,
                             reason=Reason.SUBSCRIBER, deposit=20_000)  # fmt: skip
    assert five_and_a_half.remaining_months < 6 and five_and_a_half.fee == 0
    assert five_and_a_half.deposit_kept == 20_000  # still early: the deposit is kept
    six = settle(plan=Plan.RENTAL, service_start=start, terminated=D(2025, 7, 20), monthly=10_000,
                 reason=Reason.SUBSCRIBER)  # fmt: skip
    assert (six.remaining_months, six.fee) == (Decimal("6.0"), 12_000)


def test_the_purchase_plan_has_no_deposit_and_no_fee() -> None:
    s = settle(plan=Plan.PURCHASE, service_start=D(2021, 1, 21), terminated=D(2022, 4, 30), monthly=5_000,
               reason=Reason.SUBSCRIBER, deposit=20_000, removal_cost=15_000)  # fmt: skip
    assert (s.fee, s.deposit_kept, s.total) == (0, 0, 15_000)


@pytest.mark.parametrize(
    ("reason", "fee", "kept", "removal_by"),
    [(Reason.SUBSCRIBER, 17_200, 20_000, "subscriber"), (Reason.NON_PAYMENT, 17_200, 20_000, "subscriber"),
     (Reason.COMPANY, 0, 0, "company"), (Reason.COMPANY_FAULT, 0, 0, "company")],
)  # fmt: skip
def test_deposit_and_removal_by_reason(reason: Reason, fee: int, kept: int, removal_by: str) -> None:
    s = settle(plan=Plan.RENTAL, service_start=D(2021, 1, 21), terminated=D(2025, 4, 30), monthly=10_000,
               reason=reason, deposit=20_000, removal_cost=7_000)  # fmt: skip
    assert (s.fee, s.deposit_kept, s.deposit_returned, s.removal_paid_by) == (
        fee,
        kept,
        20_000 - kept,
        removal_by,
    )


def test_after_the_initial_term_the_deposit_comes_back_and_no_fee_is_due() -> None:
    s = settle(plan=Plan.RENTAL, service_start=D(2021, 1, 21), terminated=D(2026, 1, 20), monthly=10_000,
               reason=Reason.EXPIRY, deposit=20_000, removal_cost=15_000)  # fmt: skip
    assert (s.fee, s.deposit_returned, s.removal_cost, s.total) == (0, 20_000, 15_000, 15_000)


def test_non_payment_owes_fee_unpaid_fees_and_removal() -> None:
    s = settle(plan=Plan.RENTAL, service_start=D(2021, 1, 21), terminated=D(2025, 4, 30), monthly=10_000,
               reason=Reason.NON_PAYMENT, deposit=20_000, removal_cost=15_000,
               unpaid_fees=32_400)  # fmt: skip
    assert s.total == 17_200 + 20_000 + 15_000 + 32_400


def test_an_unavoidable_reason_needs_a_recorded_decision() -> None:
    args = dict(plan=Plan.RENTAL, service_start=D(2021, 1, 21), terminated=D(2025, 4, 30), monthly=10_000,
                reason=Reason.UNAVOIDABLE, deposit=20_000)  # fmt: skip
    pending = settle(**args)
    assert pending.decision_required and pending.formula_fee == 17_200
    waived = settle(**args, decision=FeeDecision(0, "neighbour's fire", "supervisor"))
    assert (waived.fee, waived.decision_required) == (0, False)
    reduced = settle(**args, decision=FeeDecision(5_000, "major rebuild", "supervisor"))
    assert reduced.fee == 5_000


starts = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31))


@given(start=starts, offset=st.integers(0, 5 * 366), monthly=st.integers(0, 200_000))
def test_fee_properties_over_random_dates(start: dt.date, offset: int, monthly: int) -> None:
    terminated = start + dt.timedelta(days=offset)
    later = terminated + dt.timedelta(days=1)
    s = settle(
        plan=Plan.RENTAL,
        service_start=start,
        terminated=terminated,
        monthly=monthly,
        reason=Reason.SUBSCRIBER,
    )
    s_later = settle(plan=Plan.RENTAL, service_start=start, terminated=later, monthly=monthly,
                     reason=Reason.SUBSCRIBER)  # fmt: skip
    assert s.fee >= 0
    if s.remaining_months < 6:
        assert s.fee == 0
    assert s_later.fee <= s.fee  # never increases as the termination date moves later
    assert s.remaining_months <= 60


# --- claims ---------------------------------------------------------------------------------------------


def test_theft_insurance_worked_example() -> None:
    payout = theft_insurance(TheftLoss(cash=800_000, goods=1_200_000))
    assert (payout.covered_cash, payout.covered_goods, payout.insurance) == (500_000, 1_200_000, 1_695_000)


def test_residence_and_shop_share_the_cash_limit() -> None:
    payout = theft_insurance(TheftLoss(cash=300_000, shop_cash=300_000, shop_goods=2_500_000))
    assert payout.insurance == 500_000 + 2_000_000 - 5_000


@pytest.mark.parametrize(
    "loss",
    [TheftLoss(goods=100_000, fees_unpaid=True), TheftLoss(goods=100_000, noticed_after_days=61),
     TheftLoss(goods=100_000, by_family_member=True), TheftLoss(goods=100_000, outside_premises=True),
     TheftLoss(goods=100_000, service_stopped_cause="subscriber")],
)  # fmt: skip
def test_exclusions_pay_nothing_and_say_why(loss: TheftLoss) -> None:
    payout = theft_insurance(loss)
    assert payout.insurance == 0 and payout.exclusions


def test_a_loss_below_the_deductible_pays_nothing() -> None:
    assert theft_insurance(TheftLoss(goods=4_000)).insurance == 0


@pytest.mark.parametrize(
    ("damage", "money"), [(150_000, 100_000), (1_500_000, 1_000_000), (99_999, 0), (1_000_000, 1_000_000),
                          (999_999, 900_000), (100_000, 100_000)]
)  # fmt: skip
def test_consolation_money(damage: int, money: int) -> None:
    assert consolation_money(damage) == money


# --- invoices and tax -----------------------------------------------------------------------------------


def test_an_invoice_across_the_2019_rate_change_is_split_by_days() -> None:
    invoice = monthly_invoice(D(2019, 1, 21), D(2019, 9, 25), monthly=10_000)
    assert [(line.start, line.end, line.amount, line.rate) for line in invoice.lines] == [
        (D(2019, 9, 21), D(2019, 9, 30), 3_333, Decimal("0.08")),
        (D(2019, 10, 1), D(2019, 10, 20), 6_667, Decimal("0.10")),
    ]
    assert invoice.tax_by_rate() == {Decimal("0.08"): 266, Decimal("0.10"): 666}  # each rounded down once
    assert (invoice.total, invoice.issued_on, invoice.due_on) == (10_932, D(2019, 9, 21), D(2019, 10, 31))


def test_a_rate_change_after_issue_bills_the_difference() -> None:
    before_the_law = RATES[:2]  # the invoice was issued when 10 % was not yet in force
    issued = monthly_invoice(D(2019, 1, 21), D(2019, 9, 25), monthly=10_000, rates=before_the_law)
    assert issued.total == 10_800
    adjustment = tax_difference(issued, RATES, D(2019, 10, 5))
    assert adjustment.difference == 10_932 - 10_800
    assert adjustment.due_on == D(2019, 11, 30)
    assert (
        tax_difference(monthly_invoice(D(2019, 1, 21), D(2019, 9, 25), monthly=10_000), RATES, D(2019, 10, 5))
        is None
    )


def test_a_whole_month_at_one_rate_is_the_monthly_fee_plus_ten_percent() -> None:
    invoice = monthly_invoice(
        D(2021, 1, 21), D(2025, 3, 1), monthly=9_800, charges=[Charge(D(2025, 3, 2), "追加カード", 800)]
    )
    assert (invoice.period_start, invoice.period_end) == (D(2025, 2, 21), D(2025, 3, 20))
    assert (invoice.subtotal, invoice.tax, invoice.total) == (10_600, 1_060, 11_660)


def test_a_price_change_mid_month_is_charged_pro_rata() -> None:
    invoice = monthly_invoice(D(2021, 1, 1), D(2025, 4, 1), monthly=10_000,
                              price_changes=[PriceChange(D(2025, 4, 16), 12_000)])  # fmt: skip
    assert [line.amount for line in invoice.lines] == [5_000, 6_000]  # 15/30 of each price


def test_suspensions_by_cause() -> None:
    total = Suspension(D(2025, 4, 1), D(2025, 4, 15), SuspensionCause.FORCE_MAJEURE_TOTAL)
    partial = Suspension(D(2025, 4, 1), D(2025, 4, 15), SuspensionCause.FORCE_MAJEURE_PARTIAL)
    own = Suspension(D(2025, 4, 1), None, SuspensionCause.SUBSCRIBER)
    waived = Suspension(D(2025, 4, 1), None, SuspensionCause.SUBSCRIBER, waived=True)
    bill = lambda s: monthly_invoice(D(2021, 1, 1), D(2025, 4, 1), monthly=10_000, suspensions=[s]).subtotal  # noqa: E731
    assert (bill(total), bill(partial), bill(own), bill(waived)) == (5_000, 10_000, 10_000, 0)


def test_due_by_the_end_of_the_following_month() -> None:
    assert due_date(D(2025, 12, 21)) == D(2026, 1, 31)
    assert due_date(D(2024, 1, 31)) == D(2024, 2, 29)


# --- dunning ----------------------------------------------------------------------------------------------


def test_termination_is_allowed_once_20_days_after_the_demand_have_passed() -> None:
    assert dunning.termination_allowed_from(D(2025, 5, 1)) == D(2025, 5, 22)


def test_unpaid_periods_are_visible_to_claims() -> None:
    dues = [dunning.Due(D(2025, 3, 31), D(2025, 4, 10)), dunning.Due(D(2025, 4, 30), None)]
    assert dunning.unpaid_on(D(2025, 4, 5), dues) and not dunning.unpaid_on(D(2025, 4, 20), dues)
    periods = dunning.unpaid_periods(dues, today=D(2025, 5, 10))
    assert periods == [(D(2025, 4, 1), D(2025, 4, 9)), (D(2025, 5, 1), D(2025, 5, 10))]
