"""How long a signed contract is kept: 7 years after the contract's actual end.

Seed 000 (電子帳簿保存法で定める期間中は保管) and seed 001/003: the originals are kept for the period the
law sets. Corporation Tax Act art. 126 / Enforcement Regulations art. 59 keep transaction documents 7
years; this project counts them from the day the contract actually ends (a termination, or the expiry the
renewals reached), not from the initial expiry: a contract renewed three times is still evidence until
7 years after its last day. While it runs, the date is 7 years after the expiry of the current term, and
it moves on with each renewal (billing/scheduler.py refreshes it daily).
"""

from __future__ import annotations

import calendar
import datetime as dt

RETAIN_YEARS = 7


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year (no crash)."""
    year = day.year + years
    return dt.date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def retain_until(ended_on: dt.date) -> dt.date:
    return years_after(ended_on, RETAIN_YEARS)
