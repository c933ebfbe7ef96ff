"""Login lockout: after repeated failures an account refuses even the right password for a while."""

from __future__ import annotations

import datetime as dt

MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)


def locked(locked_until: dt.datetime | None, now: dt.datetime) -> bool:
    return locked_until is not None and now < locked_until


def after_failure(failures: int, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """The new failure count and, on reaching the limit, when the lock ends (the count starts over)."""
    failures += 1
    if failures >= MAX_FAILURES:
        return 0, now + LOCK_FOR
    return failures, None
