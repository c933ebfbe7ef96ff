"""Login and logout, the administrator's page (users, API tokens; its DC-09 key form posts to
``console/panel_keys.py``) and the audit search."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from control_center.access import lockout, service, throttle, tokens
from control_center.access.guard import SESSION_COOKIE, principal_of, require, same_site_path
from control_center.access.hashing import HashingBusy
from control_center.access.login_gate import BUSY_SECONDS
from control_center.access.models import User
from control_center.access.roles import Permission, Role
from control_center.access.service import LoginRefused, LoginThrottled, Principal
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.i18n import N_
from control_center.core.timezones import TOKYO
from control_center.web import flash
from control_center.web.api_types import RowId
from control_center.web.rendering import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["access"])

SignedIn = Annotated[Principal, Depends(require(*Permission))]
Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
Auditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]

FLASH_WORDS = (N_("token issued: copy it now, it is not shown again"), N_("no such active token"))

HOME = {
    Role.OPERATOR: "/console",
    Role.SUPERVISOR: "/console/supervisor",
    Role.RESPONDER: "/responder",
    Role.BILLING_CLERK: "/console/subscribers",
    Role.ADMINISTRATOR: "/console/admin",
}


@router.get("/")
async def home(request: Request) -> RedirectResponse:
    principal = await principal_of(request)
    return RedirectResponse(HOME[principal.role] if principal else "/login", status_code=303)


LOGIN_CSRF_COOKIE = "cc_login_csrf"


def _login_form(
    request: Request, next_path: str, error: str = "", status_code: int = 200, wait_seconds: int = 0
) -> HTMLResponse:
    """The form with a fresh double-submit token: a cookie and the same value in a hidden field, so
    another site cannot post its own login into this browser (login CSRF). ``error``: wrong | wait | busy.
    """
    token = tokens.new_secret()
    response = render(
        request, "login.html", next=next_path, error=error, login_csrf=token,
        wait_minutes=max(1, -(-wait_seconds // 60)),
    )  # fmt: skip
    response.status_code = status_code
    if wait_seconds:
        response.headers["Retry-After"] = str(wait_seconds)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        max_age=3600,
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.get("/login")
async def login_page(request: Request) -> HTMLResponse:
    return _login_form(request, same_site_path(request.query_params.get("next")))


@router.post("/login")
async def login(
    request: Request,
    login: str = Form(..., max_length=64),
    password: str = Form(..., max_length=200),
    next: str = Form("/"),
    login_csrf: str = Form("", max_length=100),
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        raise HTTPException(status_code=403, detail="the login form expired: reload the page and try again")
    # The peer of the connection; behind a reverse proxy uvicorn puts the client's there only when
    # CC_FORWARDED_ALLOW_IPS names the proxy (control_center/runtime.py), never from any header by default.
    address = lockout.address_of(request.client.host if request.client else None)
    back_to = same_site_path(next)
    now = utcnow()
    async with request.app.state.sessions() as session:
        try:
            principal, token = await service.sign_in(
                session=session, login=login, password=password, address=address, at=now
            )
        except LoginThrottled as exc:
            if exc.wait.address_until is not None:  # refused before FastAPI from now on (login_gate.py)
                request.app.state.address_blocks.block(address, exc.wait.address_until)
            return _login_form(request, back_to, "wait", 429, exc.wait.seconds(now))
        except HashingBusy:
            return _login_form(request, back_to, "busy", 503, BUSY_SECONDS)
        except LoginRefused:
            await session.commit()  # the audit entry stays (the failure was counted before the check)
            return _login_form(request, back_to, "wrong", 401)
        await session.commit()
    response = RedirectResponse(HOME[principal.role] if back_to == "/" else back_to, status_code=303)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",  # sent on top-level navigation from a link; forms also need the CSRF token
        secure=request.app.state.settings.secure_cookies,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/logout")
async def logout(request: Request, principal: SignedIn) -> RedirectResponse:
    if principal.session_token:
        async with request.app.state.sessions() as session:
            await service.sign_out(session=session, token=principal.session_token, at=utcnow())
            await session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _back(request: Request, message: str, error: bool = False) -> RedirectResponse:
    return flash.redirect(request, "/console/admin", message, error=error)


@router.get("/console/admin")
async def admin_page(request: Request, principal: Admin) -> HTMLResponse:
    return await _admin(request)


async def _admin(request: Request, new_token: str = "") -> HTMLResponse:
    async with request.app.state.sessions() as session:
        users = await service.users(session=session)
        api_tokens = await service.tokens_of(session=session)
        blocked = await throttle.blocked_logins(session=session, now=utcnow())
    return render(
        request,
        "admin.html",
        users=users,
        api_tokens=api_tokens,
        roles=list(Role),
        now=utcnow(),
        blocked=blocked,
        new_token=new_token,
    )


@router.post("/console/admin/users")
async def add_user(
    request: Request,
    principal: Admin,
    login: str = Form(..., min_length=1, max_length=64),
    name: str = Form("", max_length=100),
    role: Role = Form(...),
    password: str = Form(..., max_length=200),
) -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            await service.create_user(
                session=session,
                login=login,
                name=name,
                role=role,
                password=password,
                actor=principal.actor,
                at=utcnow(),
            )
            await session.commit()
    except ValueError as exc:
        return _back(request, str(exc), error=True)
    return _back(request, "recorded")


async def _user(session, user_id: RowId) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail=f"user {user_id} not found")
    return user


@router.post("/console/admin/users/{user_id}/password")
async def reset_password(
    user_id: RowId, request: Request, principal: Admin, password: str = Form(..., max_length=200)
) -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            user = await _user(session, user_id)
            await service.set_password(
                session=session, user=user, password=password, actor=principal.actor, at=utcnow()
            )
            await session.commit()
    except ValueError as exc:
        return _back(request, str(exc), error=True)
    return _back(request, "recorded")


@router.post("/console/admin/users/{user_id}/active")
async def set_active(
    user_id: RowId, request: Request, principal: Admin, active: bool = Form(...)
) -> RedirectResponse:
    if user_id == principal.user_id and not active:
        return _back(request, "you cannot deactivate yourself", error=True)
    async with request.app.state.sessions() as session:
        user = await _user(session, user_id)
        await service.set_active(
            session=session, user=user, active=active, actor=principal.actor, at=utcnow()
        )
        await session.commit()
    return _back(request, "recorded")


@router.post("/console/admin/users/{user_id}/tokens")
async def add_token(
    user_id: RowId, request: Request, principal: Admin, label: str = Form(..., min_length=1, max_length=100)
) -> HTMLResponse:
    """The new token is shown once, in the answer to this POST: never in a URL (history, proxy logs), a
    cookie or the server's storage (only its hash is kept); the answer is not cached."""
    async with request.app.state.sessions() as session:
        user = await _user(session, user_id)
        token = await service.issue_token(
            session=session, user=user, label=label, actor=principal.actor, at=utcnow()
        )
        await session.commit()
    response = await _admin(request, new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/console/admin/tokens/{token_id}/revoke")
async def revoke(token_id: RowId, request: Request, principal: Admin) -> RedirectResponse:
    async with request.app.state.sessions() as session:
        done = await service.revoke_token(
            session=session, token_id=token_id, actor=principal.actor, at=utcnow()
        )
        await session.commit()
    return _back(request, "recorded" if done else "no such active token", error=not done)


EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class AuditFilter(BaseModel):
    actor: str | None = Field(default=None, max_length=100)
    action: str | None = Field(default=None, max_length=40)
    subject: str | None = Field(default=None, max_length=100)
    start: dt.date | None = Field(default=None, ge=EARLIEST, le=LATEST)
    end: dt.date | None = Field(default=None, ge=EARLIEST, le=LATEST)


def _jst_midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), TOKYO).astimezone(dt.UTC) if day else None


async def _search(request: Request, f: AuditFilter) -> list[Any]:
    async with request.app.state.sessions() as session:
        return await audit.search(
            session=session,
            actor=f.actor or None,
            action=f.action or None,
            subject=f.subject or None,
            start=_jst_midnight(f.start),
            end=_jst_midnight(f.end + dt.timedelta(days=1)) if f.end else None,
        )


@router.get("/console/audit")
async def audit_page(
    request: Request, principal: Auditor, f: Annotated[AuditFilter, Query()]
) -> HTMLResponse:
    rows = await _search(request, f)
    async with request.app.state.sessions() as session:
        names = await service.names_of(session=session, logins={r.actor for r in rows})
    return render(request, "audit.html", rows=rows, filter=f, names=names)


@api.get("/audit", summary="Search the audit log: actor, action, subject prefix, JST dates from–to")
async def audit_json(
    request: Request, principal: Auditor, f: Annotated[AuditFilter, Query()]
) -> list[dict[str, str]]:
    return [
        {
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "subject": r.subject,
            "detail": r.detail,
        }
        for r in await _search(request, f)
    ]


@api.get("/me", summary="Who this token or session belongs to, and their role")
async def me(principal: SignedIn) -> dict[str, str]:
    return {"login": principal.login, "name": principal.name, "role": principal.role}
