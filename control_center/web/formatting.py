"""How pages show times, durations and money (the templates' filters ``jst``, ``minutes``, ``yen``)."""

from __future__ import annotations

import datetime as dt

from control_center.core.timezones import TOKYO


def jst(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A moment in Asia/Tokyo, whatever zone it was stored in; nothing for no moment."""
    return value.astimezone(TOKYO).strftime(fmt) if value else ""


def minutes(delta: dt.timedelta) -> str:
    """``m:ss``, minutes not wrapping into hours (how long an incident has waited)."""
    total = int(delta.total_seconds())
    return f"{total // 60}:{total % 60:02d}"


def yen(amount: int, locale: str) -> str:
    """``1,000円`` on Japanese pages, ``¥1,000`` on English ones."""
    return f"{amount:,}円" if locale == "ja" else f"¥{amount:,}"
