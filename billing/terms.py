"""Contract periods by the Civil Code (art. 140–143), as the contract counts them.

A period of N months starting on day S (S counted as the first day) ends the day before the day
corresponding to S, N months later; when that month has no corresponding day, on its last day.
The contract runs 5 full years from the service start (21 Jan → 20 Jan five years later; 29 Feb 2024
→ 28 Feb 2029) and renews for 1 year, again and again, unless a written notice to end it arrives at
least 3 months before the expiry (on or before the day 3 months before it).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

INITIAL_TERM_MONTHS = 60
RENEWAL_MONTHS = 12
NOTICE_MONTHS = 3


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` months whose first day is ``start``."""
    year, month = _add_months(start.year, start.month, months)
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return dt.date(year, month, last)  # no corresponding day: the month's last day
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day when it has no such day)."""
    year, month = _add_months(day.year, day.month, -months)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def initial_expiry(service_start: dt.date) -> dt.date:
    return period_end(service_start, INITIAL_TERM_MONTHS)


def notice_deadline(expiry: dt.date) -> dt.date:
    """A notice to end the contract at ``expiry`` must arrive on or before this day."""
    return months_before(expiry, NOTICE_MONTHS)


def expiry_on(service_start: dt.date, on: dt.date, end_notices: Iterable[dt.date] = ()) -> dt.date:
    """The expiry of the term running on ``on`` (the initial term or a 1-year renewal).

    A notice counts for the first expiry whose deadline it meets; a late notice counts for the next
    one. Once a noticed expiry has passed there is no further term, and that expiry is returned.
    """
    notices = list(end_notices)
    previous_deadline = dt.date.min
    expiry = initial_expiry(service_start)
    while True:
        deadline = notice_deadline(expiry)
        if on <= expiry or any(previous_deadline < n <= deadline for n in notices):
            return expiry
        previous_deadline = deadline
        expiry = period_end(expiry + dt.timedelta(days=1), RENEWAL_MONTHS)
