"""FastAPI dependencies that say who is asking and refuse what their role may not do.

Every page and API route except /login, /healthz, /openapi.json and /static declares the permission
it needs. A browser that is not signed in is sent to the login page; an API client gets 401. A form
posted with the session cookie must carry the CSRF token (hidden field ``csrf_token`` or header
``X-CSRF-Token``); requests with ``Authorization: Bearer`` carry no cookie and need none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from control_center.access import service, tokens
from control_center.access.roles import Permission
from control_center.access.service import Principal
from control_center.core.db import utcnow

SESSION_COOKIE = "cc_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class NotSignedIn(Exception):
    """Raised by the guard; the app answers 401 to API clients and a redirect to browsers."""


def csrf_key(request: Request) -> bytes:
    return request.app.state.csrf_key


async def principal_of(request: Request) -> Principal | None:
    if hasattr(request.state, "principal"):
        return request.state.principal
    principal = None
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    async with request.app.state.sessions() as session:
        if scheme.lower() == "bearer" and credential:
            principal = await service.from_token(session=session, token=credential.strip(), at=utcnow())
        elif cookie := request.cookies.get(SESSION_COOKIE):
            principal = await service.from_session(session=session, token=cookie, at=utcnow())
    request.state.principal = principal
    request.state.csrf_token = csrf_token(request)  # for the page's forms (web/rendering.py renders it)
    return principal


async def _csrf_checked(request: Request, principal: Principal) -> None:
    if principal.session_token is None or request.method in SAFE_METHODS:
        return
    offered = request.headers.get("x-csrf-token")
    if offered is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        offered = (await request.form()).get("csrf_token")  # cached: the route reads the same form
    if not tokens.csrf_ok(
        principal.session_token, offered if isinstance(offered, str) else None, csrf_key(request)
    ):
        raise HTTPException(
            status_code=403, detail="missing or wrong CSRF token; reload the page and try again"
        )


def require(*permissions: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting a principal holding any one of ``permissions``."""

    async def dependency(request: Request) -> Principal:
        principal = await principal_of(request)
        if principal is None:
            raise NotSignedIn
        if not any(principal.may(p) for p in permissions):
            raise HTTPException(status_code=403, detail=f"the {principal.role} role may not do this")
        await _csrf_checked(request, principal)
        return principal

    return dependency


def allowed(*permissions: Permission):
    return Depends(require(*permissions))


def csrf_token(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    if principal is None or principal.session_token is None:
        return ""
    return tokens.csrf_for(principal.session_token, csrf_key(request))


def login_redirect_target(request: Request) -> str:
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(path)}"


def same_site_path(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def actor_of(request: Request) -> str:
    """The signed-in user's name for the records; the route's guard has already admitted them."""
    return request.state.principal.actor
