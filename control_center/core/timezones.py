"""Asia/Tokyo where a business rule counts calendar days (billing days, the night hours)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_today(now: dt.datetime) -> dt.date:
    return now.astimezone(TOKYO).date()
