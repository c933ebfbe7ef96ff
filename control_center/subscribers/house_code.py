"""The 3-digit house code: stored only as a salted argon2id hash, checked without ever showing it."""

from __future__ import annotations

import re

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
