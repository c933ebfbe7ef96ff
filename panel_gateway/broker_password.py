"""MQTT passwords, hashed the way Mosquitto's password file holds them (``$7$``, PBKDF2-HMAC-SHA512).

``$7$<iterations>$<base64 salt>$<base64 hash>``: a 12-byte salt, a 64-byte PBKDF2-HMAC-SHA512 digest,
standard base64 with padding, as ``mosquitto_passwd`` of Mosquitto 2.0 writes it (checked against
its output in tests/panel_gateway/test_broker_password.py). So one stored hash serves both brokers:
the embedded broker verifies it, and it is written as is into a Mosquitto password file.

Iterations: 101, mosquitto_passwd's own default. The center issues every panel password itself,
192 random bits, which no number of iterations makes any harder or easier to guess; each verify is
paid on every panel (re)connect, and Mosquitto verifies on its single thread, so it stays cheap:
about 0.1 ms per verify here (1,000 iterations: 0.8 ms; 10,000: 5 ms), so a reconnect storm of
10,000 panels costs about one second of CPU. The gateway's password, chosen by an operator for a
real broker, must be as random (see docs/deployment.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

ITERATIONS = 101
MAX_ITERATIONS = 1_000_000  # a stored hash asking for more is refused rather than computed
SALT_BYTES = 12
HASH_BYTES = 64
PASSWORD_BYTES = 24  # 192 bits, as 32 URL-safe characters
PREFIX = "$7$"


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, HASH_BYTES)
    return f"{PREFIX}{iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash; any other or malformed hash is a mismatch."""
    parts = stored.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "7" or not parts[2].isdigit():
        return False
    iterations = int(parts[2])
    if not 1 <= iterations <= MAX_ITERATIONS:
        return False
    try:
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(expected) != HASH_BYTES:
        return False
    secret = password.encode(errors="surrogatepass")
    digest = hashlib.pbkdf2_hmac("sha512", secret, salt, iterations, HASH_BYTES)
    return hmac.compare_digest(digest, expected)
