"""Japanese phone numbers as written (052-123-4567, 090-1234-5678) to E.164 (+81…), as carriers want."""

from __future__ import annotations

import re


def to_e164(number: str) -> str:
    digits = re.sub(r"[^\d+]", "", number)
    if digits.startswith("+"):
        if not re.fullmatch(r"\+\d{8,15}", digits):
            raise ValueError(f"not a phone number: {number!r}")
        return digits
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValueError(f"not a Japanese phone number: {number!r}")
    return "+81" + digits[1:]


def same_number(a: str, b: str) -> bool:
    try:
        return to_e164(a) == to_e164(b)
    except ValueError:
        return False
