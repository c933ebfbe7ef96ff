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


# Number lengths of the national plan (総務省「電気通信番号計画」): 0AB-J numbers of 10 digits, mobile and
# IP phones (050/070/080/090) of 11 as 3-4-4, free dial 0120 and navi dial 0570 as 4-3-3, 0800 as 4-3-4.
# Area codes run from 2 to 5 digits; only the two-digit ones (Tokyo 03, Osaka 06) are told apart here, the
# rest are grouped 3-3-4, the most common split: the digits are right whatever the grouping.
_ELEVEN_DIGITS = ("050", "070", "080", "090")
_TWO_DIGIT_AREAS = ("03", "06")
_FOUR_DIGIT_SERVICES = {"0120": (4, 3, 3), "0570": (4, 3, 3), "0800": (4, 3, 4)}


def _grouped(digits: str, sizes: tuple[int, ...]) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    return "-".join(parts)


def domestic_phone(number: str | None) -> str:
    """A Japanese number as dialled in Japan, grouped with hyphens: ``+819012345678`` → ``090-1234-5678``,
    ``+81312345678`` → ``03-1234-5678``. Storage keeps E.164 (``telephony/numbers.py``); a foreign or
    unreadable number is shown as stored."""
    if not number:
        return ""
    digits = "".join(c for c in number if c.isdigit())
    if number.strip().startswith("+"):
        if not digits.startswith("81"):
            return number
        digits = "0" + digits[2:]
    if not digits.startswith("0"):
        return number
    for prefix, sizes in _FOUR_DIGIT_SERVICES.items():
        if digits.startswith(prefix) and len(digits) == sum(sizes):
            return _grouped(digits, sizes)
    if len(digits) == 11 and digits.startswith(_ELEVEN_DIGITS):
        return _grouped(digits, (3, 4, 4))
    if len(digits) == 10:
        return _grouped(digits, (2, 4, 4) if digits.startswith(_TWO_DIGIT_AREAS) else (3, 3, 4))
    return number
