"""Consumption tax: the rate in force for the period a fee covers (seed 004), split where it changes.

Rounding rule: tax is computed once per invoice and rate, on the sum of that rate's lines, and
rounded down to the yen. A fee whose period straddles a rate change is split by days; the split
amounts are rounded down and the remainder goes to the last part, so the parts add up to the fee.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from billing.money import Yen, floor_yen

# (effective from, rate): 5 % from 1997-04-01, 8 % from 2014-04-01, 10 % from 2019-10-01.
RATES: tuple[tuple[dt.date, Decimal], ...] = (
    (dt.date(1997, 4, 1), Decimal("0.05")),
    (dt.date(2014, 4, 1), Decimal("0.08")),
    (dt.date(2019, 10, 1), Decimal("0.10")),
)


def rate_on(day: dt.date, rates: tuple[tuple[dt.date, Decimal], ...] = RATES) -> Decimal:
    current = None
    for start, rate in rates:
        if day >= start:
            current = rate
    if current is None:
        raise ValueError(f"no consumption tax rate known for {day}")
    return current


@dataclass(frozen=True, slots=True)
class Part:
    start: dt.date
    end: dt.date  # inclusive
    amount: Yen
    rate: Decimal


def split_by_rate(
    amount: Yen, start: dt.date, end: dt.date, rates: tuple[tuple[dt.date, Decimal], ...] = RATES
) -> list[Part]:
    """The fee for ``start``–``end`` (inclusive), split at each rate change, pro rata by days."""
    if end < start:
        raise ValueError("a period cannot end before it starts")
    bounds = [start] + [d for d, _ in rates if start < d <= end] + [end + dt.timedelta(days=1)]
    total_days = (end - start).days + 1
    parts: list[Part] = []
    assigned = 0
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        last = i == len(bounds) - 2
        share = amount - assigned if last else floor_yen(Decimal(amount) * (b - a).days / total_days)
        assigned += share
        parts.append(Part(a, b - dt.timedelta(days=1), share, rate_on(a, rates)))
    return parts


def tax_for(amount: Yen, rate: Decimal) -> Yen:
    return floor_yen(Decimal(amount) * rate)
