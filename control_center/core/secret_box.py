"""Secrets that must be read back (DC-09 AES keys) are sealed with AES-GCM under the center's key.

The center's key comes from ``CC_SECRET_KEY`` (64 hex digits); without it, one is made once in
``CC_SECRET_KEY_FILE`` (default ``./var/secret.key``, mode 0600 in a folder made 0700) for the
single-machine default.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from control_center.core.settings import Settings


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the center's secret key must be 32 bytes")
        self._aead = AESGCM(key)
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key:
            return cls(bytes.fromhex(settings.secret_key))
        path = Path(settings.secret_key_file)
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Written whole under another name, then linked: a process starting beside this one sees
            # either no key file or the complete key, never an empty one.
            draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            try:
                os.link(draft, path)
            except FileExistsError:  # another process of the center made it first: theirs counts
                pass
            finally:
                draft.unlink()
        if path.stat().st_mode & 0o077:  # left readable by others: only the center's user may read it
            path.chmod(0o600)
        return cls(bytes.fromhex(path.read_text().strip()))

    def subkey(self, purpose: str) -> bytes:
        """A separate key for another use (e.g. CSRF tokens), so the sealing key itself never leaves."""
        return hmac.new(self._key, b"subkey:" + purpose.encode(), hashlib.sha256).digest()

    def seal(self, plain: bytes, *, purpose: str) -> str:
        nonce = secrets.token_bytes(12)
        return (nonce + self._aead.encrypt(nonce, plain, purpose.encode())).hex()

    def open(self, sealed: str, *, purpose: str) -> bytes | None:
        """The plain bytes, or None when the value was not sealed under this key for this purpose."""
        try:
            raw = bytes.fromhex(sealed)
            return self._aead.decrypt(raw[:12], raw[12:], purpose.encode())
        except (ValueError, InvalidTag):
            return None
