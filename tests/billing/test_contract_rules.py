"""Contract rules of seed 002 added for issue 21: the termination reason against the dates, the company's
3 months' notice, a pending decision, extra damages, notice periods for changes at the premises, arming
cards, repairs, retention of signed originals, the order payments settle invoices, qualified invoices."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from billing import cards, premises_changes, repairs, retention
from billing.cancellation import FeeDecision, Plan, Reason, SettlementRefused, settle
from billing.invoicing import Line
from billing.payments import Open, allocate
from billing.qualified_invoice import Issuer, NotQualified, per_rate
from billing.schemas import CancellationFeeRequest
from control_center.cli import main

D = dt.date
WORKED = dict(plan=Plan.RENTAL, service_start=D(2021, 1, 21), monthly=10_000, deposit=20_000)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["billing", *args]) == 0
    return json.loads(capsys.readouterr().out)


# --- the reason against the dates ---------------------------------------------------------------------


def test_expiry_two_years_early_is_an_early_cancellation_and_keeps_the_deposit(capsys) -> None:
    """Seed 002 重要事項 2.(2)①a/②a, ご利用規定（レンタル）第3条②a/③a: the deposit comes back only when the
    contract ends after the 5 years; "expiry" two years before the expiry is an early cancellation."""
    s = settle(**WORKED, terminated=D(2024, 1, 20), reason=Reason.EXPIRY)
    assert (s.reason, s.requested_reason) == (Reason.SUBSCRIBER, Reason.EXPIRY)
    assert (s.deposit_kept, s.deposit_returned) == (20_000, 0) and s.fee == 48_000  # 24 months left
    assert "中途解約" in s.note
    out = cli(capsys, "cancellation-fee", "--start", "2021-01-21", "--terminated", "2024-01-20", "--monthly",
              "10000", "--deposit", "20000", "--reason", "expiry")  # fmt: skip
    assert (out["reason"], out["deposit_returned"], out["deposit_kept"], out["total"]) == (
        "subscriber", 0, 20_000, 68_000)  # fmt: skip
    at_expiry = settle(**WORKED, terminated=D(2026, 1, 20), reason=Reason.EXPIRY)
    assert (at_expiry.reason, at_expiry.deposit_returned, at_expiry.fee) == (Reason.EXPIRY, 20_000, 0)


def test_the_companys_own_termination_needs_3_months_notice(capsys) -> None:
    """Seed 002 重要事項 2.(9), ご利用規定（レンタル）第8条: written notice 3 months before the end."""
    ok = settle(**WORKED, terminated=D(2025, 4, 30), reason=Reason.COMPANY, notified_on=D(2025, 1, 30))
    assert (ok.fee, ok.deposit_returned, ok.removal_paid_by) == (0, 20_000, "company")
    with pytest.raises(SettlementRefused, match="3 months"):
        settle(**WORKED, terminated=D(2025, 4, 30), reason=Reason.COMPANY, notified_on=D(2025, 1, 31))
    assert main(["billing", "cancellation-fee", "--start", "2021-01-21", "--terminated", "2025-04-30",
                 "--monthly", "10000", "--reason", "company",
                 "--notified-on", "2025-03-01"]) == 2  # fmt: skip
    assert "3 months" in capsys.readouterr().err


def test_an_unavoidable_reason_shows_pending_until_the_decision(capsys) -> None:
    """Seed 002 重要事項 2.(5)①ただし書, 第9条②: the fee is reduced or waived by the company's decision;
    before it, the total is not final."""
    pending = settle(**WORKED, terminated=D(2025, 4, 30), reason=Reason.UNAVOIDABLE)
    assert pending.pending_decision and pending.total is None and pending.total_before_decision == 37_200
    args = ("cancellation-fee", "--start", "2021-01-21", "--terminated", "2025-04-30", "--monthly", "10000",
            "--deposit", "20000", "--reason", "unavoidable")  # fmt: skip
    out = cli(capsys, *args)
    assert (out["status"], out["total"], out["fee"], out["total_before_decision"]) == (
        "pending_decision", None, None, 37_200)  # fmt: skip
    decided = cli(capsys, *args, "--reduced-to", "0", "--decision-reason", "もらい火", "--decided-by", "課長")
    assert (decided["status"], decided["fee"], decided["total"]) == ("final", 0, 20_000)
    reduced = settle(**WORKED, terminated=D(2025, 4, 30), reason=Reason.UNAVOIDABLE,
                     decision=FeeDecision(5_000, "大幅な増改築", "課長"))  # fmt: skip
    assert (reduced.fee, reduced.total) == (5_000, 25_000)


def test_extra_damages_after_a_large_equipment_addition() -> None:
    """Seed 002 重要事項 2.(6), ご利用規定（レンタル）第10条: beyond fee + deposit, only the excess."""
    s = settle(**WORKED, terminated=D(2025, 4, 30), reason=Reason.NON_PAYMENT, proven_damages=100_000,
               large_equipment_addition=True)  # fmt: skip
    assert (s.fee, s.deposit_kept, s.extra_damages, s.total) == (17_200, 20_000, 62_800, 100_000)
    with pytest.raises(SettlementRefused, match="large equipment addition"):
        settle(**WORKED, terminated=D(2025, 4, 30), reason=Reason.SUBSCRIBER, proven_damages=100_000,
               large_equipment_addition=True)  # fmt: skip


# --- changes at the premises ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "change_on", "notified_on", "in_time"),
    [("move", D(2025, 5, 1), D(2025, 4, 1), True), ("move", D(2025, 5, 1), D(2025, 4, 2), False),
     ("extension", D(2025, 5, 16), D(2025, 5, 1), True), ("remodel", D(2025, 5, 16), D(2025, 5, 2), False),
     ("installation", D(2025, 5, 16), D(2025, 5, 1), True),
     ("business", D(2025, 5, 16), D(2025, 5, 2), False),
     ("use", D(2025, 3, 31), D(2025, 3, 16), True), ("move", D(2025, 3, 31), D(2025, 2, 28), True)],
)  # fmt: skip
def test_notice_periods_for_changes_at_the_premises(kind, change_on, notified_on, in_time, capsys) -> None:
    """Seed 002 重要事項 2.(3)①, ご利用規定（レンタル）第5条①: 15 days before, a move 1 month before."""
    assert premises_changes.check_notice(kind, change_on, notified_on).in_time is in_time
    out = cli(capsys, "change-notice", "--kind", kind, "--change-on", change_on.isoformat(),
              "--notified-on", notified_on.isoformat())  # fmt: skip
    assert out["in_time"] is in_time and "第5条" in out["clause"]


# --- cards and repairs ------------------------------------------------------------------------------------


def test_four_cards_included_then_800_yen_each() -> None:
    """Seed 002 セコムからのお知らせ (2)④: 4 cards; each extra 800 yen, tax excluded."""
    assert (cards.charge(0, 4), cards.charge(4, 1), cards.charge(3, 3), cards.charge(6, 2)) == (
        0,
        800,
        1_600,
        1_600,
    )


@pytest.mark.parametrize(
    ("plan", "cause", "on", "gas", "earlier", "charged"),
    [("purchase", "wear", D(2030, 1, 1), False, 0, False),  # within 10 years: free (3.(3)①)
     ("purchase", "wear", D(2035, 4, 1), False, 0, True),  # after 10 years
     ("purchase", "subscriber", D(2026, 1, 1), False, 0, True),  # ａ
     ("purchase", "third_party", D(2026, 1, 1), False, 0, True),  # ｂ
     ("purchase", "force_majeure", D(2026, 1, 1), False, 0, True),  # ｃ
     ("purchase", "periodic", D(2030, 1, 1), True, 0, False),  # the gas sensor's first replacement (3.(3)②)
     ("purchase", "periodic", D(2034, 1, 1), True, 1, True),  # the second is not free
     ("rental", "wear", D(2040, 1, 1), False, 0, False),  # the company's equipment (レンタル 第1条③)
     ("rental", "third_party", D(2026, 1, 1), False, 0, False),
     ("rental", "subscriber", D(2026, 1, 1), False, 0, True)],  # 第11条②
)  # fmt: skip
def test_who_pays_for_repairs(plan, cause, on, gas, earlier, charged, capsys) -> None:
    decision = repairs.decide(plan=plan, installed_on=D(2025, 4, 1), on=on, cause=cause,
                              contract_in_force=True,
                              gas_sensor=gas, earlier_gas_replacements=earlier)  # fmt: skip
    assert decision.charged is charged and decision.clause.startswith("seed 002")
    options = ["repair", "--plan", plan, "--installed-on", "2025-04-01", "--on", on.isoformat(),
               "--cause", cause,
               "--earlier-gas-replacements", str(earlier)] + (["--gas-sensor"] if gas else [])  # fmt: skip
    assert cli(capsys, *options)["charged"] is charged


def test_repairs_are_charged_once_the_contract_has_ended() -> None:
    assert repairs.decide(plan="purchase", installed_on=D(2025, 4, 1), on=D(2026, 1, 1), cause="wear",
                          contract_in_force=False).charged  # fmt: skip


# --- retention, payments, qualified invoices --------------------------------------------------------------


def test_retention_counts_7_years_from_the_actual_end_even_from_29_february() -> None:
    assert retention.retain_until(D(2028, 2, 29)) == D(2035, 2, 28)
    assert retention.retain_until(D(2025, 6, 30)) == D(2032, 6, 30)


def test_a_payment_settles_the_oldest_invoices_first() -> None:
    invoices = [Open(3, D(2025, 6, 30), D(2025, 5, 21), 11_000),
                Open(1, D(2025, 4, 30), D(2025, 3, 21), 11_000),
                Open(2, D(2025, 5, 31), D(2025, 4, 21), 11_000)]  # fmt: skip
    part = allocate(15_000, invoices)
    assert (part.settled, part.unapplied, part.fully_paid) == (((1, 11_000), (2, 4_000)), 0, (1,))
    over = allocate(40_000, invoices)
    assert (over.unapplied, over.fully_paid) == (7_000, (1, 2, 3))
    for bad in (0, -1):
        with pytest.raises(ValueError):
            allocate(bad, invoices)


def test_qualified_invoice_tax_is_rounded_once_per_rate() -> None:
    """Qualified invoices: tax per rate on the rate's sum, rounded down once (not line by line)."""
    lines = [Line("月額料金", D(2025, 4, 21), D(2025, 5, 20), 10_005, Decimal("0.10")),
             Line("ライフカード追加発行", D(2025, 5, 1), D(2025, 5, 1), 805, Decimal("0.10")),
             Line("食品", D(2025, 5, 1), D(2025, 5, 1), 1_015, Decimal("0.08"))]  # fmt: skip
    standard, reduced = per_rate(lines)
    assert (standard.rate, standard.taxable, standard.tax, standard.reduced) == (
        Decimal("0.10"),
        10_810,
        1_081,
        False,
    )
    assert (reduced.taxable, reduced.tax, reduced.reduced) == (1_015, 81, True)  # 81.2 → 81


@pytest.mark.parametrize(
    "number", ["", "1234567890123", "T123456789012", "T12345678901234", "TX234567890123"]
)
def test_the_registration_number_is_t_and_13_digits(number: str) -> None:
    with pytest.raises(NotQualified):
        Issuer("セコム株式会社", number)
    assert Issuer("セコム株式会社", "T1234567890123").registration_number == "T1234567890123"


def test_a_decision_only_reduces_or_waives_and_only_for_a_truly_unavoidable_reason() -> None:
    """Seed 002 重要事項 2.(5)①ただし書: for a truly unavoidable reason the company may reduce or waive the
    fee. A "decision" above the formula's fee, or on any other reason, is a mistake to refuse, not to
    cap or ignore silently."""
    terms = dict(plan=Plan.RENTAL, service_start=dt.date(2025, 1, 21), terminated=dt.date(2026, 4, 30),
                 monthly=10_000)  # fmt: skip
    with pytest.raises(ValueError, match="at most the formula's 89200 yen"):
        settle(**terms, reason=Reason.UNAVOIDABLE, decision=FeeDecision(500_000, "誤入力", "課長"))
    with pytest.raises(ValueError, match="only to a truly unavoidable reason"):
        CancellationFeeRequest(start=dt.date(2025, 1, 21), terminated=dt.date(2026, 4, 30), monthly=10_000,
                               reason=Reason.SUBSCRIBER, reduced_to=5_000, decision_reason="誤入力",
                               decided_by="課長")  # fmt: skip
    decided = settle(**terms, reason=Reason.UNAVOIDABLE, decision=FeeDecision(5_000, "転勤", "課長"))
    assert decided.fee == 5_000
