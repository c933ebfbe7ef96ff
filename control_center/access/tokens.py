"""Random bearer secrets (session cookies, API tokens) and CSRF tokens.

Only a SHA-256 of a session or API token is stored: they are 256-bit random values, so a slow hash
adds nothing, and a stolen table gives no usable token. The CSRF token is an HMAC of the session token
under the center's key, so it needs no storage and changes with every login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_TOKEN_PREFIX = "cct_"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(session_token: str, key: bytes) -> str:
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, offered: str | None, key: bytes) -> bool:
    return bool(offered) and hmac.compare_digest(csrf_for(session_token, key), offered or "")
