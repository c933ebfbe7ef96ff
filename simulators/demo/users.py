"""The demo's users: one per role, with fresh passwords each start, and an operator's API token."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access import service
from control_center.access.models import User
from control_center.access.roles import Role

DEMO_USERS = (
    ("operator", "オペレーター 佐藤", Role.OPERATOR),
    ("supervisor", "管制員長 鈴木", Role.SUPERVISOR),
    ("responder", "対処員 高橋", Role.RESPONDER),
    ("billing", "経理 田中", Role.BILLING_CLERK),
    ("admin", "管理者 伊藤", Role.ADMINISTRATOR),
)


@dataclass(frozen=True)
class DemoLogin:
    login: str
    role: Role
    password: str


async def ensure_demo_users(*, session: AsyncSession, at: dt.datetime) -> tuple[list[DemoLogin], str]:
    """Create or reset the demo users; returns their logins and a new API token for the operator."""
    logins = []
    for login, name, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)  # 12 characters; printed once on the demo's console
        user = await session.scalar(select(User).where(User.login == login))
        if user is None:
            user = await service.create_user(
                session=session, login=login, name=name, role=role, password=password, actor="demo", at=at
            )
        else:
            await service.set_password(session=session, user=user, password=password, actor="demo", at=at)
            user.active = True
        logins.append(DemoLogin(login, role, password))
    operator = await session.scalar(select(User).where(User.login == "operator"))
    assert operator is not None
    token = await service.issue_token(session=session, user=operator, label="demo", actor="demo", at=at)
    await session.commit()
    return logins, token
