"""How a subscriber is found: names and phone numbers folded to one form, for the rows and the query alike.

A clerk on the phone types what they hear: a reading in hiragana or katakana (なかむら, ナカムラ, ﾅｶﾑﾗ),
a full name with or without the space between family and given name (full-width or not), a phone
number with or without hyphens. Folding both sides the same way makes all of these one query:

- names: NFKC (half-width kana to full-width, full-width Latin and digits to ASCII), whitespace
  removed, katakana to hiragana (the long-vowel mark ー stays), case folded;
- phones: the digits only, +81 written as the domestic 0.

Pure functions, no I/O; ``control_center/subscribers/models.py`` keeps the folded columns current and
``service.py`` (``search``) queries them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

KATAKANA_FIRST, KATAKANA_LAST = 0x30A1, 0x30F6  # ァ … ヶ; hiragana is the same letters 0x60 lower
# What people put between the groups of a phone number (hyphens, dashes, the long-vowel mark an IME
# gives for "-", brackets, spaces); NFKC has already made the full-width ones ASCII.
PHONE_SEPARATORS = frozenset("-‐‑‒–—―−ー()+ ")
MIN_PHONE_DIGITS = 3  # fewer digits are more likely part of an address or an id than a phone number


def fold_name(text: str) -> str:
    """A name or its reading in the one form both the rows and the query are compared in."""
    text = unicodedata.normalize("NFKC", text)
    letters = []
    for ch in text:
        if ch.isspace():
            continue
        code = ord(ch)
        letters.append(chr(code - 0x60) if KATAKANA_FIRST <= code <= KATAKANA_LAST else ch)
    return "".join(letters).casefold()


def phone_digits(text: str) -> str:
    """The digits of a phone number, with an international +81 turned into the domestic leading 0."""
    text = unicodedata.normalize("NFKC", text).strip()
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if text.startswith("+81") and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


def names_key(name: str, kana: str | None) -> str:
    """The folded name and reading as one column (a newline between, so no query spans both)."""
    return f"{fold_name(name)}\n{fold_name(kana or '')}"


@dataclass(frozen=True, slots=True)
class Query:
    name: str  # folded; empty when the query is a phone number
    phone: str  # digits; empty when the query is not a phone number


def parse_query(text: str) -> Query:
    """A query made only of digits and phone separators (at least 3 digits) is a phone number;
    anything else is a name or reading."""
    normal = unicodedata.normalize("NFKC", text).strip()
    digits = phone_digits(normal)
    if len(digits) >= MIN_PHONE_DIGITS and all(ch.isdigit() or ch in PHONE_SEPARATORS for ch in normal):
        return Query("", digits)
    return Query(fold_name(normal), "")
