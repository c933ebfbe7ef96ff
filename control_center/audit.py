"""The audit log: who viewed a subscriber's personal data or changed anything, and when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from control_center.alarms.timer_models import AuditEntry


def record(
    *, session: AsyncSession, actor: str, action: str, subject: str, at: dt.datetime, detail: str = ""
) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=detail[:500]))
