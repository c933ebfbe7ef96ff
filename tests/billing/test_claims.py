"""Claims: every exclusion of seed 002 重要事項 4. (theft insurance 4.(1), consolation money 4.(2)), the
cover period, the deductible after the limits, and the CLI that takes each exclusion as an option."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from billing.claims import DAMAGE_ONLY, EXCLUSIONS, Accident, consolation, decide, theft_insurance
from control_center.cli import main

D = dt.date
LOSS = dict(cash=800_000, goods=1_200_000, building_damage=150_000)  # the seed's example 1


def claim(capsys: pytest.CaptureFixture[str], *options: str) -> dict:
    assert main(["billing", "claim", *options]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_seeds_example_1_deductible_after_the_limits() -> None:
    """4.(1)③ and 例1: cash 800,000 → the 500,000 limit; goods 1,200,000; 5,000 once, after the limits."""
    result = decide(Accident(**LOSS))
    assert (result.insurance.insurance, result.insurance.deductible) == (1_695_000, 5_000)
    assert result.consolation.consolation == 100_000  # 例1: window 150,000 → 100,000
    assert decide(Accident(building_damage=1_500_000)).consolation.consolation == 1_000_000  # 例3


# (code, the accident's facts, insurance stopped, consolation stopped) — each row cites EXCLUSIONS' clause.
CASES = [
    ("fees_unpaid", dict(fees_unpaid=True), True, True),  # 4.(1)②a, 4.(2)①a
    ("service_stopped", dict(service_stopped_cause="subscriber"), True, True),  # 4.(1)②b, 4.(2)①b
    (
        "service_stopped",
        dict(service_stopped_cause="force_majeure"),
        True,
        True,
    ),  # any cause not the company's
    ("service_stopped", dict(service_stopped_cause="other"), True, True),
    ("intent", dict(intent=True), True, True),
    ("by_family_member", dict(by_family_member=True), True, False),
    ("by_employee", dict(by_employee=True), True, False),
    ("outside_premises", dict(outside_premises=True), True, False),
    ("intrusion_not_shown", dict(intrusion_not_shown=True), True, False),
    ("not_noticed_within_60_days", dict(noticed_after_days=61), True, False),
    ("war", dict(war=True), True, True),
    ("earthquake", dict(earthquake=True), True, True),
    ("flood", dict(flood=True), True, True),
    ("disaster", dict(disaster=True), True, False),
    ("fire_or_explosion_from_theft", dict(fire_or_explosion_from_theft=True), True, False),
    ("nuclear", dict(nuclear=True), True, True),
    ("loss_or_shoplifting", dict(loss_or_shoplifting=True), True, False),
    ("freezing", dict(freezing=True), False, True),
    ("business_without_notice", dict(business_without_notice=True), True, False),  # 2.(10)②, 第12条②
    ("outside_cover_period", dict(accident_on=D(2024, 3, 31), service_start=D(2024, 4, 1)), True, True),
    ("outside_cover_period", dict(accident_on=D(2025, 5, 1), service_ended=D(2025, 4, 30)), True, True),
]


@pytest.mark.parametrize(
    ("code", "facts", "stops_insurance", "stops_consolation"), CASES, ids=lambda v: str(v)
)
def test_each_exclusion_stops_what_its_clause_says(
    code: str, facts: dict, stops_insurance: bool, stops_consolation: bool
) -> None:
    assert EXCLUSIONS[code].clause.startswith("seed 002 ")
    assert (EXCLUSIONS[code].insurance, EXCLUSIONS[code].consolation) == (stops_insurance, stops_consolation)
    result = decide(Accident(**LOSS, **facts))
    assert (code in result.insurance.exclusions) is stops_insurance
    assert (result.insurance.insurance == 0) is (stops_insurance and code not in DAMAGE_ONLY)
    assert (code in result.consolation.exclusions) is stops_consolation
    assert result.consolation.consolation == (0 if stops_consolation else 100_000)


def test_a_fire_the_thief_set_excludes_its_own_damage_not_the_theft() -> None:
    """4.(1)【保険金が支払われない主な事故例】 excludes "damage from a fire or explosion caused by the theft
    or robbery": that damage (the building's is for the consolation money), not what was stolen."""
    result = decide(Accident(goods=100_000, fire_or_explosion_from_theft=True))
    assert result.insurance.insurance == 95_000
    assert "fire_or_explosion_from_theft" in result.insurance.exclusions


def test_a_stop_on_the_companys_side_keeps_the_cover() -> None:
    """4.(1)②b: only a stop for a cause not on the company's side excludes."""
    result = decide(Accident(**LOSS, service_stopped_cause="company"))
    assert (result.insurance.insurance, result.consolation.consolation) == (1_695_000, 100_000)


def test_cover_starts_and_ends_with_the_service() -> None:
    """4.(1)② 保険責任: from the service start (or restart) to the contract's end, both days included."""
    span = dict(service_start=D(2024, 4, 1), service_ended=D(2025, 4, 30))
    for day in (D(2024, 4, 1), D(2025, 4, 30)):
        assert theft_insurance(Accident(goods=100_000, accident_on=day, **span)).insurance == 95_000


def test_excluded_articles_and_a_shops_cash_outside_a_safe_are_not_covered() -> None:
    """4.(1)①【保険の対象外】: business cash, securities, cars … and, in a shop, cash not in a safe."""
    payout = theft_insurance(Accident(goods=100_000, excluded_articles=300_000, shop_cash=200_000,
                                      shop_cash_outside_safe=True))  # fmt: skip
    assert (payout.insurance, payout.uncovered, payout.covered_cash) == (95_000, 500_000, 0)
    assert theft_insurance(Accident(goods=100_000, shop_cash=200_000)).insurance == 295_000


def test_consolation_alone_pays_by_its_table() -> None:
    assert consolation(Accident(building_damage=99_999)).consolation == 0
    assert consolation(Accident(building_damage=999_999)).consolation == 900_000


@pytest.mark.parametrize(
    ("option", "code"),
    [("--fees-unpaid", "fees_unpaid"), ("--service-stopped", "service_stopped"), ("--intent", "intent"),
     ("--by-family", "by_family_member"), ("--by-employee", "by_employee"),
     ("--outside-premises", "outside_premises"), ("--intrusion-not-shown", "intrusion_not_shown"),
     ("--war", "war"), ("--earthquake", "earthquake"), ("--flood", "flood"), ("--disaster", "disaster"),
     ("--fire-or-explosion-from-theft", "fire_or_explosion_from_theft"), ("--nuclear", "nuclear"),
     ("--loss-or-shoplifting", "loss_or_shoplifting"), ("--freezing", "freezing"),
     ("--business-without-notice", "business_without_notice")],
)  # fmt: skip
def test_the_cli_takes_each_exclusion_and_prints_the_clause(
    capsys: pytest.CaptureFixture[str], option: str, code: str
) -> None:
    out = claim(capsys, "--cash", "800000", "--goods", "1200000", "--building-damage", "150000", option)
    reasons = out["insurance_decision"]["reasons"] + out["consolation_decision"]["reasons"]
    assert reasons and all(r["code"] == code and r["clause"] == EXCLUSIONS[code].clause for r in reasons)
    assert out["insurance"] == (0 if EXCLUSIONS[code].insurance and code not in DAMAGE_ONLY else 1_695_000)
    assert out["consolation"] == (0 if EXCLUSIONS[code].consolation else 100_000)
    assert out["total"] == out["insurance"] + out["consolation"]


def test_the_cli_issue_21_cases(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 21: consolation money was paid with fees unpaid or service stopped (見舞金 a., b.)."""
    for option in ("--fees-unpaid", "--service-stopped"):
        out = claim(capsys, "--goods", "500000", "--building-damage", "150000", option)
        assert (out["insurance"], out["consolation"], out["total"]) == (0, 0, 0)
    late = claim(capsys, "--goods", "100000", "--noticed-after-days", "61")
    assert late["exclusions"] == ["not_noticed_within_60_days"]
    stopped_by_company = claim(capsys, "--goods", "100000", "--service-stopped-cause", "company")
    assert stopped_by_company["insurance"] == 95_000
    outside = claim(
        capsys, "--goods", "100000", "--accident-on", "2025-05-01", "--service-ended", "2025-04-30"
    )
    assert outside["exclusions"] == ["outside_cover_period"]
    safe = claim(capsys, "--shop-cash", "200000", "--goods", "100000", "--shop-cash-outside-safe",
                 "--excluded-articles", "50000")  # fmt: skip
    assert (safe["insurance"], safe["uncovered"]) == (95_000, 250_000)


def test_the_installed_command_refuses_bad_input_plainly() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "control_center.cli", "billing", "claim", "--goods", "-5"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "--goods" in run.stderr and "Traceback" not in run.stderr
