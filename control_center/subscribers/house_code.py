"""The 3-digit house code and the registered questions' answers: checked, never shown or stored in clear.

A 3-digit code has 1,000 values, so no slow hash protects it: from a copy of the database, 1,000
argon2 guesses found each code in under 80 s. They are kept as HMAC-SHA256 under a key derived from
the center's secret key (control_center/core/secret_box.py, which is not in the database), with a random
salt per row so equal codes do not look equal: ``hmac-sha256$<salt>$<mac>``. Without the key a copy
of the table reveals nothing; with it nothing is slower, so the key is guarded like the DC-09 keys.

Rows written before this (argon2, ``$argon2id$…``) still verify, off the event loop; on a match the
caller stores ``Checked.upgraded``, the keyed form, in their place. Until then such a row is as weak
as before in a copy of the database.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings

_CODE = re.compile(r"^[0-9]{3}$")
SCHEME = "hmac-sha256"
PURPOSE = "house-code"
_legacy = PasswordHasher()


def key_from(box: SecretBox) -> bytes:
    """The key house codes and answers are kept under (a subkey of the center's)."""
    return box.subkey(PURPOSE)


def key_for(settings: Settings) -> bytes:
    """The same, for callers that hold the settings (reads the key file when there is no CC_SECRET_KEY)."""
    return key_from(SecretBox.from_settings(settings))


def _mac(key: bytes, salt: bytes, kind: str, value: str) -> bytes:
    return hmac.new(key, b"%s\x00%s\x00%s" % (kind.encode(), salt, value.encode()), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _keep(kind: str, value: str, key: bytes) -> str:
    salt = secrets.token_bytes(16)
    return f"{SCHEME}${_b64(salt)}${_b64(_mac(key, salt, kind, value))}"


def _same(kind: str, stored: str, value: str, key: bytes) -> bool:
    scheme, _, rest = stored.partition("$")
    salt_text, _, mac_text = rest.partition("$")
    if scheme != SCHEME:
        return False
    try:
        salt, mac = _unb64(salt_text), _unb64(mac_text)
    except ValueError:
        return False
    return hmac.compare_digest(_mac(key, salt, kind, value), mac)


def _normalise(text: str) -> str:
    """Answers as spoken: spaces, width and case do not matter."""
    return unicodedata.normalize("NFKC", "".join(text.split())).casefold()


def hash_house_code(code: str, key: bytes) -> str:
    if not _CODE.match(code):
        raise ValueError("a house code is exactly 3 digits")
    return _keep("code", code, key)


def hash_answer(answer: str, key: bytes) -> str:
    return _keep("answer", _normalise(answer), key)


@dataclass(frozen=True, slots=True)
class Checked:
    matched: bool
    upgraded: str | None = None  # a legacy row's replacement, to store when it matched


def _legacy_matches(stored: str, value: str) -> bool:
    try:
        return _legacy.verify(stored, value)
    except (VerificationError, InvalidHashError):
        return False


async def _check(kind: str, stored: str, value: str, key: bytes) -> Checked:
    if stored.startswith("$argon2"):
        # Off the event loop, but not in the login queue (access/hashing.py): an operator verifying a
        # caller must not wait behind, or be refused by, a flood of sign-ins. Once per row at most.
        if await asyncio.to_thread(_legacy_matches, stored, value):
            return Checked(True, _keep(kind, value, key))
        return Checked(False)
    return Checked(_same(kind, stored, value, key))


async def check_house_code(stored: str, spoken: str, key: bytes) -> Checked:
    spoken = unicodedata.normalize("NFKC", spoken.strip())  # full-width digits from a Japanese IME
    if not _CODE.match(spoken):
        return Checked(False)
    return await _check("code", stored, spoken, key)


async def check_answer(stored: str, spoken: str, key: bytes) -> Checked:
    return await _check("answer", stored, _normalise(spoken), key)
