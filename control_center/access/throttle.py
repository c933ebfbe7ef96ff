"""The login throttle's counters in the database (the rules are in lockout.py).

``reserve`` counts an attempt as a failure before its password is checked: one upsert per scope
(``failures = failures + 1 … RETURNING``) in one transaction, committed before the slow check, so
concurrent guesses each see the others' counts and no lock is held while argon2 runs. A success then
``release``s: the pair's count is cleared and the others take back this attempt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from control_center.access import lockout
from control_center.access.lockout import RULES, Counted, Scope
from control_center.access.models import LoginThrottle
from control_center.core.db import UTCDateTime

# Counters idle for longer than every window and not blocked are deleted now and then.
FORGET_AFTER = max(rule.window for rule in RULES.values())


@dataclass(frozen=True)
class Reservation:
    keys: dict[Scope, str]
    blocks: dict[Scope, dt.datetime] = field(default_factory=dict)  # set by this attempt


@dataclass(frozen=True)
class Wait:
    until: dt.datetime
    address_until: dt.datetime | None = None  # when the address itself is blocked, whatever the login

    def seconds(self, now: dt.datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def _upsert(
    session: AsyncSession, key: str, scope: Scope, now: dt.datetime
) -> ReturningInsert[tuple[int, dt.datetime | None]]:
    """Count one failure for ``key``, starting the window over when it has run out."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = insert(LoginThrottle).values(key=key, failures=1, window_started_at=now)
    expired = LoginThrottle.window_started_at < now - RULES[scope].window
    return statement.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={
            "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
            "window_started_at": case(
                (expired, literal(now, UTCDateTime())), else_=LoginThrottle.window_started_at
            ),
        },
    ).returning(LoginThrottle.failures, LoginThrottle.blocked_until)


async def _waiting(session: AsyncSession, keys: dict[Scope, str], now: dt.datetime) -> Wait | None:
    """A read-only look first: a flood from a blocked address costs one SELECT, no write."""
    rows = (
        await session.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys.values())))
    ).scalars()
    found = {row.key: row for row in rows}
    counted = {}
    for scope, key in keys.items():
        row = found.get(key)
        fresh = row is None or row.window_started_at < now - RULES[scope].window
        counted[scope] = Counted(1 if fresh else row.failures + 1, row.blocked_until if row else None)
    return _wait(counted, now)


def _wait(counted: dict[Scope, Counted], now: dt.datetime) -> Wait | None:
    until = lockout.wait_until(counted, now)
    if until is None:
        return None
    address = counted[Scope.ADDRESS].blocked_until
    return Wait(until, address if address is not None and address > now else None)


async def reserve(*, session: AsyncSession, keys: dict[Scope, str], now: dt.datetime) -> Reservation | Wait:
    """Count this attempt in every scope (committed), or say how long it must wait (nothing counted)."""
    wait = await _waiting(session, keys, now)
    await session.rollback()
    if wait is not None:
        return wait
    counted = {}
    # Always in the same order, so two transactions never wait for each other's rows (no deadlock).
    for scope, key in sorted(keys.items(), key=lambda item: item[1]):
        failures, blocked_until = (await session.execute(_upsert(session, key, scope, now))).one()
        counted[scope] = Counted(failures, blocked_until)
    wait = _wait(counted, now)
    if wait is not None:  # another attempt got there first
        await session.rollback()
        return wait
    blocks = lockout.new_blocks(counted, now)
    for scope, until in blocks.items():
        await session.execute(
            update(LoginThrottle).where(LoginThrottle.key == keys[scope]).values(blocked_until=until)
        )
    await session.commit()
    return Reservation(keys, blocks)


async def release(*, session: AsyncSession, reservation: Reservation, now: dt.datetime) -> None:
    """The password was right: forget the pair's failures and take this attempt back elsewhere."""
    for scope, key in sorted(reservation.keys.items(), key=lambda item: item[1]):
        if scope is Scope.PAIR:
            await session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
            continue
        values: dict[str, object] = {
            "failures": case((LoginThrottle.failures > 0, LoginThrottle.failures - 1), else_=0)
        }
        mine = reservation.blocks.get(scope)
        if mine is not None:  # the block this attempt set in advance, unless a later failure moved it
            values["blocked_until"] = case(
                (LoginThrottle.blocked_until == mine, None), else_=LoginThrottle.blocked_until
            )
        await session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(**values))
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - FORGET_AFTER,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
        )
    )


async def forget_login(*, session: AsyncSession, login: str) -> None:
    """A new password or a re-activation: earlier guesses at this login no longer count."""
    login = login.strip().lower()[:64]
    await session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.key == f"login:{login}",
                LoginThrottle.key.startswith(f"pair:{login}|", autoescape=True),
            )
        )
    )


async def blocked_logins(*, session: AsyncSession, now: dt.datetime) -> dict[str, dt.datetime]:
    """Logins refusing addresses with failures, and until when (for the administrator's page)."""
    rows = await session.execute(
        select(LoginThrottle.key, LoginThrottle.blocked_until).where(
            LoginThrottle.key.startswith("login:"), LoginThrottle.blocked_until > now
        )
    )
    return {key.removeprefix("login:"): until for key, until in rows.all()}
