"""Unpaid fees: a written demand, and when the contract may be ended (seed 002 §(6), art. 10).

If the fees are not paid within 20 days of the day the demand was received (the first day not
counted, Civil Code art. 140), the company may end the contract from the day after. While any fee is
past due and unpaid, theft insurance does not pay (billing/claims.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

DEMAND_DAYS = 20


def termination_allowed_from(demand_received: dt.date) -> dt.date:
    return demand_received + dt.timedelta(days=DEMAND_DAYS + 1)


@dataclass(frozen=True, slots=True)
class Due:
    due_on: dt.date
    paid_on: dt.date | None


def unpaid_on(day: dt.date, dues: Iterable[Due]) -> bool:
    """True when, on ``day``, some fee was past its due date and not yet paid."""
    return any(d.due_on < day and (d.paid_on is None or d.paid_on > day) for d in dues)


def unpaid_periods(dues: Iterable[Due], today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The days on which fees were unpaid (inclusive ranges), for claims to check against."""
    one = dt.timedelta(days=1)
    spans = sorted(
        (d.due_on + one, d.paid_on - one if d.paid_on else today)
        for d in dues
        if d.paid_on is None or d.paid_on > d.due_on
    )
    merged: list[tuple[dt.date, dt.date]] = []
    for start, end in spans:
        if end < start:
            continue
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
