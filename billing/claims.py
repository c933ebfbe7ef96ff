"""Claims after an accident: theft insurance and building-damage consolation money (見舞金).

Seed 002, 重要事項 4.(1) (盗難保険) and 4.(2) (建物損害修復費用見舞金), with 2.(10) and ご利用規定
（レンタル）第12条 ②③ (business use without notice, fees unpaid); domain brief §4.

Theft insurance, per accident (4.(1)③): cash, precious metals and art up to 500,000 yen (residence and
shop together, ※2); household goods up to 2,000,000; a shop's goods and fixtures up to 2,000,000; then
the deductible of 5,000 yen, taken once per accident after the limits, as the seed's example 1 computes
(cash 800,000 capped at 500,000 + goods 1,200,000 − 5,000 = 1,695,000).

Consolation money (4.(2)②): damage of 1,000,000 or more → 1,000,000; from 100,000 → rounded down to
100,000-yen units; under 100,000 → nothing.

Every reason not to pay is one row of ``EXCLUSIONS`` with the clause it comes from and whether it stops
the insurance, the consolation money, or both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from billing.money import Yen

CASH_LIMIT = 500_000
GOODS_LIMIT = 2_000_000
SHOP_GOODS_LIMIT = 2_000_000
DEDUCTIBLE = 5_000
NOTICE_DAYS = 60
CONSOLATION_CAP = 1_000_000
CONSOLATION_UNIT = 100_000

SEED = "seed 002"


@dataclass(frozen=True, slots=True)
class Exclusion:
    clause: str
    insurance: bool  # stops the theft insurance
    consolation: bool  # stops the consolation money
    ja: str


# The rule table: code → where the seed says it, and what it stops.
EXCLUSIONS: dict[str, Exclusion] = {
    "fees_unpaid": Exclusion(
        f"{SEED} 重要事項 4.(1)②a, 4.(2)①a; ご利用規定（レンタル）第12条③", True, True,
        "契約料金を契約条件に従って支払っていない間に発生した損害"),
    "service_stopped": Exclusion(
        f"{SEED} 重要事項 4.(1)②b, 4.(2)①b", True, True,
        "お客様の事由などセコム側の原因によらない事由により全サービスまたは機器の稼動を停止している間の損害"),
    "outside_cover_period": Exclusion(
        f"{SEED} 重要事項 4.(1)②, 4.(2)①", True, True,
        "保険責任・見舞金の適用期間（サービス利用開始時から契約終了時まで）外の損害"),
    "intent": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】, 4.(2)【見舞金が支払われない主な事故例】",
        True, True, "お客様の故意・重過失"),
    "by_family_member": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "お客様の家族が行った（加担した）盗難"),
    "by_employee": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "お客様の使用人が行った（加担した）盗難"),
    "outside_premises": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "保険の対象がご利用先の住宅・店舗外にある間に被った盗難"),
    "intrusion_not_shown": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "外部からの不法侵入に起因することが、お客様によって証明できない損害"),
    "not_noticed_within_60_days": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "発生後60日以内に気付くことができなかった盗難"),
    "war": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】, 4.(2)【見舞金が支払われない主な事故例】",
        True, True, "戦争・騒じょう・変乱などの事変"),
    "earthquake": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】, 4.(2)【見舞金が支払われない主な事故例】",
        True, True, "地震・噴火・津波等の天災（変災）"),
    "flood": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】（変災）, "
        "4.(2)【見舞金が支払われない主な事故例】", True, True,
        "台風・暴風雨等による洪水・高潮・土砂崩れ等の水災"),
    "disaster": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "地震・火災などの変災の際に被った盗難"),
    "fire_or_explosion_from_theft": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False,
        "窃盗または強盗のために生じた火災または爆発による損害（建物は見舞金の対象）"),
    "nuclear": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】, 4.(2)【見舞金が支払われない主な事故例】",
        True, True, "原子力危険による損害"),
    "loss_or_shoplifting": Exclusion(
        f"{SEED} 重要事項 4.(1)【保険金が支払われない主な事故例】", True, False, "紛失、万引きによる損害"),
    "freezing": Exclusion(
        f"{SEED} 重要事項 4.(2)【見舞金が支払われない主な事故例】", False, True, "凍結、気温の変化"),
    "business_without_notice": Exclusion(
        f"{SEED} 重要事項 2.(10)②; ご利用規定（レンタル）第5条①e, 第12条②", True, False,
        "セコムに連絡せずにご利用先で事業を開始・変更したことにより発生または拡大した損害"),
}  # fmt: skip

# Not a reason to refuse the whole claim, but articles or money the insurance never covers (4.(1)①).
EXCLUDED_ARTICLES_CLAUSE = f"{SEED} 重要事項 4.(1)①【保険の対象外】"
SHOP_CASH_OUTSIDE_SAFE_CLAUSE = f"{SEED} 重要事項 4.(1)①【保険の対象外】店舗部分 3)"
LIMITS_CLAUSE = f"{SEED} 重要事項 4.(1)③（限度額、免責金額 1事故につき5,000円）"
CONSOLATION_CLAUSE = f"{SEED} 重要事項 4.(2)②"


class StopCause:
    """Why all service or the equipment was stopped (4.(1)②b): only the company's side keeps cover."""

    COMPANY = "company"
    SUBSCRIBER = "subscriber"
    FORCE_MAJEURE = "force_majeure"
    OTHER = "other"
    ALL = (COMPANY, SUBSCRIBER, FORCE_MAJEURE, OTHER)


@dataclass(frozen=True, slots=True)
class Accident:
    """One accident as the claim states it. Amounts in yen; flags are the facts the claim handler found."""

    cash: Yen = 0  # cash, precious metals, art at the residence
    goods: Yen = 0  # household goods
    shop_cash: Yen = 0  # shares the 500,000 limit with the residence's cash
    shop_goods: Yen = 0  # shop goods and fixtures
    excluded_articles: Yen = 0  # stolen things the insurance never covers (business cash, securities, cars …)
    building_damage: Yen = 0  # for the consolation money
    shop_cash_outside_safe: bool = False
    fees_unpaid: bool = False
    service_stopped_cause: str | None = None  # StopCause; None = service was running
    accident_on: dt.date | None = None
    service_start: dt.date | None = None
    service_ended: dt.date | None = None
    noticed_after_days: int = 0
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


# The old name: the API and older callers build a TheftLoss.
TheftLoss = Accident


@dataclass(frozen=True, slots=True)
class TheftPayout:
    insurance: Yen
    covered_cash: Yen
    covered_goods: Yen
    covered_shop_goods: Yen
    deductible: Yen
    exclusions: list[str] = field(default_factory=list)
    uncovered: Yen = 0  # excluded articles and a shop's cash outside a safe


@dataclass(frozen=True, slots=True)
class ConsolationPayout:
    consolation: Yen
    exclusions: list[str] = field(default_factory=list)


def in_cover(accident: Accident) -> bool:
    """Cover starts with the service and ends when the contract ends (4.(1)②, 4.(2)①)."""
    day = accident.accident_on
    if day is None:
        return True
    if accident.service_start is not None and day < accident.service_start:
        return False
    return not (accident.service_ended is not None and day > accident.service_ended)


# The exclusions that are plain facts of the accident, in the order they are reported.
FLAGS = ("intent", "by_family_member", "by_employee", "outside_premises", "intrusion_not_shown", "war",
         "earthquake", "flood", "disaster", "fire_or_explosion_from_theft", "nuclear", "loss_or_shoplifting",
         "freezing", "business_without_notice")  # fmt: skip


def _found(accident: Accident) -> list[str]:
    found = []
    if accident.fees_unpaid:
        found.append("fees_unpaid")
    if accident.service_stopped_cause is not None and accident.service_stopped_cause != StopCause.COMPANY:
        found.append("service_stopped")  # any cause not on the company's side (4.(1)②b)
    if not in_cover(accident):
        found.append("outside_cover_period")
    if accident.noticed_after_days > NOTICE_DAYS:
        found.append("not_noticed_within_60_days")
    for code in FLAGS:
        if getattr(accident, code):
            found.append(code)
    return found


def _check(accident: Accident) -> None:
    for name in ("cash", "goods", "shop_cash", "shop_goods", "excluded_articles", "building_damage"):
        if getattr(accident, name) < 0:
            raise ValueError(f"{name} cannot be negative")
    if accident.noticed_after_days < 0:
        raise ValueError("noticed_after_days cannot be negative")
    if accident.service_stopped_cause not in (None, *StopCause.ALL):
        raise ValueError(f"service_stopped_cause is one of {', '.join(StopCause.ALL)}")


def exclusions(accident: Accident) -> list[str]:
    """The reasons the theft insurance does not pay (codes of ``EXCLUSIONS``)."""
    _check(accident)
    return [code for code in _found(accident) if EXCLUSIONS[code].insurance]


def consolation_exclusions(accident: Accident) -> list[str]:
    """The reasons the consolation money is not paid (4.(2)①a, b and its list of causes)."""
    _check(accident)
    return [code for code in _found(accident) if EXCLUSIONS[code].consolation]


# Exclusions of one kind of damage, not of the theft (4.(1)【保険金が支払われない主な事故例】: "damage from a
# fire or explosion caused by the theft"): listed with the decision, the stolen things stay covered.
DAMAGE_ONLY = frozenset({"fire_or_explosion_from_theft"})


def theft_insurance(accident: Accident) -> TheftPayout:
    excluded = exclusions(accident)
    shop_cash = 0 if accident.shop_cash_outside_safe else accident.shop_cash
    uncovered = accident.excluded_articles + (accident.shop_cash - shop_cash)
    cash = min(accident.cash + shop_cash, CASH_LIMIT)
    goods = min(accident.goods, GOODS_LIMIT)
    shop_goods = min(accident.shop_goods, SHOP_GOODS_LIMIT)
    covered = cash + goods + shop_goods
    if set(excluded) - DAMAGE_ONLY or covered == 0:
        return TheftPayout(0, cash, goods, shop_goods, 0, excluded, uncovered)
    deductible = min(DEDUCTIBLE, covered)  # once per accident, after the limits
    return TheftPayout(covered - deductible, cash, goods, shop_goods, deductible, excluded, uncovered)


def consolation_amount(damage: Yen) -> Yen:
    """The table of 4.(2)②, before any exclusion."""
    if damage < 0:
        raise ValueError("damage cannot be negative")
    if damage >= CONSOLATION_CAP:
        return CONSOLATION_CAP
    return damage // CONSOLATION_UNIT * CONSOLATION_UNIT


def consolation(accident: Accident) -> ConsolationPayout:
    excluded = consolation_exclusions(accident)
    if excluded:
        return ConsolationPayout(0, excluded)
    return ConsolationPayout(consolation_amount(accident.building_damage), [])


def consolation_money(damage: Yen) -> Yen:
    """The amount for damage alone (no exclusion applies); kept for callers of the table."""
    return consolation_amount(damage)


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    insurance: TheftPayout
    consolation: ConsolationPayout

    @property
    def total(self) -> Yen:
        return self.insurance.insurance + self.consolation.consolation


def decide(accident: Accident) -> ClaimDecision:
    return ClaimDecision(theft_insurance(accident), consolation(accident))
