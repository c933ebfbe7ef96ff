"""Passwords as salted argon2id hashes (argon2-cffi's defaults follow RFC 9106's recommendations),
computed off the event loop (control_center/access/hashing.py)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from control_center.access.hashing import Place, off_loop

_hasher = PasswordHasher()
MIN_LENGTH = 10
# Verifying against this when the login is unknown keeps the answer time the same (no user enumeration).
_DUMMY = _hasher.hash("not-a-password-of-anyone")


async def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return await off_loop(_hasher.hash, password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


async def check(password: str, hashed: str | None, place: Place | None = None) -> bool:
    """Whether ``password`` matches; with no hash, the same work is done and the answer is False.
    ``place``: one taken in the hashing queue beforehand (else one is taken now)."""
    matched = await (place or Place()).run(_verify, hashed or _DUMMY, password)
    return matched and hashed is not None
