"""Sign-ins refused before they cost the event loop anything (it also answers DC-09 panels).

A flood of ``POST /login`` is mostly refused: the address is blocked (429) or the password checks
queued are at their limit (503). Going through FastAPI to say so (form parsing, a database read,
the login page) costs ~2 ms of the loop each; at a few hundred a second that alone delays alarms.
This ASGI middleware says it first, in a short page: from the hashing queue's state, and from the
address blocks the login view has met in this process (``AddressBlocks``; a block is learned from
the database on the first refused attempt, so several processes each learn it once).
"""

from __future__ import annotations

import datetime as dt
from http.cookies import SimpleCookie

from markupsafe import escape
from starlette.types import ASGIApp, Receive, Scope, Send

from control_center.access import hashing, lockout
from control_center.core.db import utcnow
from control_center.core.i18n import N_, negotiate, translations

BUSY_SECONDS = 2  # a full hashing queue drains within a second or two
WAIT = N_("Too many failed sign-ins from here: try again in %(minutes)d minutes.")
BUSY = N_("The center is busy checking other sign-ins: try again in a moment.")


class AddressBlocks:
    """Addresses blocked from signing in, and until when, as this process has seen them (bounded)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._until: dict[str, dt.datetime] = {}
        self._limit = limit

    def block(self, address: str, until: dt.datetime) -> None:
        if len(self._until) >= self._limit:
            now = utcnow()
            self._until = {a: u for a, u in self._until.items() if u > now}
            while len(self._until) >= self._limit:  # still full: the soonest to end go first
                del self._until[min(self._until, key=self._until.__getitem__)]
        self._until[address] = until

    def until(self, address: str, now: dt.datetime) -> dt.datetime | None:
        until = self._until.get(address)
        if until is not None and until <= now:
            del self._until[address]
            return None
        return until


class LoginGate:
    def __init__(self, app: ASGIApp, blocks: AddressBlocks, default_locale: str) -> None:
        self.app, self.blocks, self.default_locale = app, blocks, default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/login":
            await self.app(scope, receive, send)
            return
        now = utcnow()
        client = scope.get("client")
        until = self.blocks.until(lockout.address_of(client[0] if client else None), now)
        if until is not None:
            seconds = max(1, int((until - now).total_seconds() + 0.999))
            await self._refuse(scope, send, 429, seconds, WAIT, minutes=-(-seconds // 60))
        elif hashing.busy():
            await self._refuse(scope, send, 503, BUSY_SECONDS, BUSY)
        else:
            await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, send: Send, status: int, seconds: int, message: str, **params: int
    ) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookie = SimpleCookie(headers.get("cookie", "")).get("lang")
        locale = negotiate(
            None, cookie.value if cookie else None, headers.get("accept-language"), self.default_locale
        )
        catalog = translations(locale)
        text = escape(catalog.gettext(message) % params if params else catalog.gettext(message))
        sign_in = escape(catalog.gettext("Sign in"))
        page = (
            f'<!doctype html><html lang="{locale}"><meta charset="utf-8"><title>{sign_in}</title>'
            f'<p class="error" role="alert">{text}</p><p><a href="/login">{sign_in}</a></p>'
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(page)).encode()),
                    (b"retry-after", str(seconds).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": page})
