"""Claims after an accident (seed 002 §(10), domain brief §4): theft insurance and consolation money.

Theft insurance, per accident: cash, precious metals and art up to 500,000 yen (residence and shop
together); household goods up to 2,000,000; a shop's goods and fixtures up to 2,000,000; then a
deductible of 5,000 yen per accident. Nothing is paid while fees are unpaid, while all service is
stopped for the subscriber's reasons, for a theft not noticed within 60 days, by family members, or
outside the premises.

Building-damage consolation money (fire, explosion, damage during a burglary): damage of 1,000,000
or more → 1,000,000; from 100,000 → rounded down to 100,000-yen units; under 100,000 → nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from billing.money import Yen

CASH_LIMIT = 500_000
GOODS_LIMIT = 2_000_000
SHOP_GOODS_LIMIT = 2_000_000
DEDUCTIBLE = 5_000
NOTICE_DAYS = 60
CONSOLATION_CAP = 1_000_000
CONSOLATION_UNIT = 100_000


@dataclass(frozen=True, slots=True)
class TheftLoss:
    cash: Yen = 0  # cash, precious metals, art at the residence
    goods: Yen = 0  # household goods
    shop_cash: Yen = 0  # shares the 500,000 limit with the residence's cash
    shop_goods: Yen = 0  # shop goods and fixtures
    fees_unpaid: bool = False
    service_stopped_by_subscriber: bool = False
    noticed_after_days: int = 0
    by_family_member: bool = False
    outside_premises: bool = False


@dataclass(frozen=True, slots=True)
class TheftPayout:
    insurance: Yen
    covered_cash: Yen
    covered_goods: Yen
    covered_shop_goods: Yen
    deductible: Yen
    exclusions: list[str] = field(default_factory=list)


def exclusions(loss: TheftLoss) -> list[str]:
    reasons = []
    if loss.fees_unpaid:
        reasons.append("fees_unpaid")
    if loss.service_stopped_by_subscriber:
        reasons.append("service_stopped_by_subscriber")
    if loss.noticed_after_days > NOTICE_DAYS:
        reasons.append("not_noticed_within_60_days")
    if loss.by_family_member:
        reasons.append("by_family_member")
    if loss.outside_premises:
        reasons.append("outside_premises")
    return reasons


def theft_insurance(loss: TheftLoss) -> TheftPayout:
    for value in (loss.cash, loss.goods, loss.shop_cash, loss.shop_goods):
        if value < 0:
            raise ValueError("losses cannot be negative")
    excluded = exclusions(loss)
    cash = min(loss.cash + loss.shop_cash, CASH_LIMIT)
    goods = min(loss.goods, GOODS_LIMIT)
    shop_goods = min(loss.shop_goods, SHOP_GOODS_LIMIT)
    covered = cash + goods + shop_goods
    if excluded or covered == 0:
        return TheftPayout(0, cash, goods, shop_goods, 0, excluded)
    deductible = min(DEDUCTIBLE, covered)
    return TheftPayout(covered - deductible, cash, goods, shop_goods, deductible, excluded)


def consolation_money(damage: Yen) -> Yen:
    if damage < 0:
        raise ValueError("damage cannot be negative")
    if damage >= CONSOLATION_CAP:
        return CONSOLATION_CAP
    return damage // CONSOLATION_UNIT * CONSOLATION_UNIT
