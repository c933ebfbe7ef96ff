"""The 3-digit house code: stored only as a salted argon2id hash, checked without ever showing it."""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_CODE = re.compile(r"^\d{3}$")


def hash_house_code(code: str) -> str:
    if not _CODE.match(code):
        raise ValueError("a house code is exactly 3 digits")
    return _hasher.hash(code)


def house_code_matches(code_hash: str, spoken: str) -> bool:
    if not _CODE.match(spoken):
        return False
    try:
        return _hasher.verify(code_hash, spoken)
    except (VerificationError, InvalidHashError):
        return False


def hash_answer(answer: str) -> str:
    """A registered question's answer, normalised (spaces, width, case) and hashed like the code."""
    return _hasher.hash(_normalise(answer))


def answer_matches(answer_hash: str, spoken: str) -> bool:
    try:
        return _hasher.verify(answer_hash, _normalise(spoken))
    except (VerificationError, InvalidHashError):
        return False


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", "".join(text.split())).casefold()
