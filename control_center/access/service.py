"""Users, logins, sessions and API tokens: the database side of access control."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access import hashing, lockout, passwords, throttle, tokens
from control_center.access.models import ApiToken, LoginSession, User
from control_center.access.roles import PERMISSIONS, Permission, Role
from control_center.core import audit
from control_center.core.i18n import N_

# Audit actions written here, shown as _(action) in the audit log.
AUDIT_WORDS = (
    N_("login"), N_("login_failed"), N_("login_refused_locked"), N_("locked"), N_("logout"),
    N_("create"), N_("password"), N_("activate"), N_("deactivate"), N_("token_issued"),
    N_("token_revoked"), N_("dc09_key_set"),
)  # fmt: skip
SESSION_LIFETIME = dt.timedelta(hours=12)  # one night shift


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user (``session_token`` set) or an API token's user."""

    user_id: int
    login: str
    name: str
    role: Role
    session_token: str | None = None

    @property
    def actor(self) -> str:
        """How they appear in incident records and the audit log: the login, which is unique."""
        return self.login

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


class LoginRefused(Exception):
    """Wrong login or password, or an inactive user: one message for all, so nobody learns which exist."""


def _principal(user: User, session_token: str | None = None) -> Principal:
    return Principal(user.id, user.login, user.name, Role(user.role), session_token)


def _audit(
    session: AsyncSession, user_id: int | None, action: str, *, actor: str, at: dt.datetime, detail: str = ""
) -> None:
    """An audit entry about a user (``user:?``: a login that matched nobody)."""
    subject = f"user:{'?' if user_id is None else user_id}"
    audit.record(session=session, actor=actor, action=action, subject=subject, at=at, detail=detail)


async def create_user(
    *, session: AsyncSession, login: str, name: str, role: Role, password: str, actor: str, at: dt.datetime
) -> User:
    login = login.strip().lower()
    if not login or len(login) > 64:
        raise ValueError("a login is 1 to 64 characters")
    if await session.scalar(select(User.id).where(User.login == login)):
        raise ValueError("this login is taken: choose another")
    user = User(
        login=login,
        name=name.strip() or login,
        role=Role(role),
        password_hash=await passwords.hash_password(password),
    )
    session.add(user)
    await session.flush()
    _audit(session, user.id, "create", actor=actor, at=at, detail=f"{login} as {role}")
    return user


async def set_password(
    *, session: AsyncSession, user: User, password: str, actor: str, at: dt.datetime
) -> None:
    user.password_hash = await passwords.hash_password(password)
    await throttle.forget_login(session=session, login=user.login)  # earlier guesses no longer count
    # A new password ends every browser signed in with the old one.
    await session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    _audit(session, user.id, "password", actor=actor, at=at)


async def set_active(*, session: AsyncSession, user: User, active: bool, actor: str, at: dt.datetime) -> None:
    user.active = active
    if active:
        await throttle.forget_login(session=session, login=user.login)
    else:
        await session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        await session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )
    _audit(session, user.id, "activate" if active else "deactivate", actor=actor, at=at)


class LoginThrottled(Exception):
    """Too many failed attempts from this address or at this login: wait until ``until``."""

    def __init__(self, wait: throttle.Wait) -> None:
        super().__init__(f"try again after {wait.until.isoformat()}")
        self.wait = wait


async def sign_in(
    *, session: AsyncSession, login: str, password: str, address: str, at: dt.datetime
) -> tuple[Principal, str]:
    """Check the password and open a session; returns the principal and the cookie's token.

    ``address`` is the client's, as lockout.address_of gives it. The attempt is counted by the throttle
    (and committed) before the password is checked; unknown logins go through the same steps.
    """
    login = login.strip().lower()
    place = hashing.Place()  # HashingBusy now, before any database write, when the queue is full
    try:
        reserved = await throttle.reserve(session=session, keys=lockout.keys(login, address), now=at)
        if isinstance(reserved, throttle.Wait):
            raise LoginThrottled(reserved)
        user = await session.scalar(select(User).where(User.login == login))
        usable = user is not None and user.active
        await session.commit()  # no transaction stays open while argon2 runs (SQLite has one writer)
        matched = await passwords.check(password, user.password_hash if usable and user else None, place)
    finally:
        place.close()
    if reserved.blocks and not matched:
        audit.record(
            session=session, actor=login[:100], action="locked", subject=f"address:{address}", at=at,
            detail=", ".join(f"{scope} until {t.isoformat()}" for scope, t in reserved.blocks.items()),
        )  # fmt: skip
    if not matched:
        detail = address if usable else f"{address} (inactive or unknown)"
        user_id = user.id if user is not None else None
        _audit(session, user_id, "login_failed", actor=login[:100], at=at, detail=detail)
        raise LoginRefused
    assert user is not None
    await throttle.release(session=session, reservation=reserved, now=at)
    token = tokens.new_secret()
    session.add(
        LoginSession(
            token_hash=tokens.digest(token), user_id=user.id, created_at=at, expires_at=at + SESSION_LIFETIME
        )
    )
    _audit(session, user.id, "login", actor=user.name, at=at)
    return _principal(user, token), token


async def sign_out(*, session: AsyncSession, token: str, at: dt.datetime) -> None:
    row = await session.scalar(select(LoginSession).where(LoginSession.token_hash == tokens.digest(token)))
    if row is not None:
        _audit(session, row.user_id, "logout", actor=row.user.name, at=at)
        await session.delete(row)


async def from_session(*, session: AsyncSession, token: str, at: dt.datetime) -> Principal | None:
    row = await session.scalar(select(LoginSession).where(LoginSession.token_hash == tokens.digest(token)))
    if row is None or row.expires_at <= at or not row.user.active:
        return None
    return _principal(row.user, token)


async def issue_token(*, session: AsyncSession, user: User, label: str, actor: str, at: dt.datetime) -> str:
    """A new API token, shown once; only its hash is kept."""
    token = tokens.new_api_token()
    row = ApiToken(token_hash=tokens.digest(token), user_id=user.id, label=label[:100], created_at=at)
    session.add(row)
    await session.flush()
    _audit(session, user.id, "token_issued", actor=actor, at=at, detail=f"token {row.id} {label}")
    return token


async def revoke_token(*, session: AsyncSession, token_id: int, actor: str, at: dt.datetime) -> bool:
    row = await session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = at
    _audit(session, row.user_id, "token_revoked", actor=actor, at=at, detail=f"token {row.id}")
    return True


async def from_token(*, session: AsyncSession, token: str, at: dt.datetime) -> Principal | None:
    if not token.startswith(tokens.API_TOKEN_PREFIX):
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    # Written at most once a minute: a monitoring script polling every second need not write every time.
    if row.last_used_at is None or at - row.last_used_at > dt.timedelta(minutes=1):
        row.last_used_at = at
        await session.commit()
    return _principal(row.user)


async def users(*, session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.role, User.login)))


async def tokens_of(*, session: AsyncSession) -> list[ApiToken]:
    return list(await session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


async def may_work_incidents(*, session: AsyncSession, login: str) -> bool:
    """Whether an incident may be handed to ``login`` (an active user whose role works incidents)."""
    user = await session.scalar(select(User).where(User.login == login.lower()))
    return user is not None and user.active and Permission.INCIDENTS_WORK in PERMISSIONS[Role(user.role)]


async def names_of(*, session: AsyncSession, logins: Iterable[str]) -> dict[str, str]:
    """The users' names by login, for pages that show who did something: records keep the login (unique),
    people read the name. Logins of nobody (``system``, ``panel``) and users without a name are absent."""
    wanted = {login for login in logins if login}
    if not wanted:
        return {}
    found = await session.execute(select(User.login, User.name).where(User.login.in_(wanted)))
    return {login: name for login, name in found.all() if name}
