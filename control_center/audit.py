"""The audit log: who viewed a subscriber's personal data or changed anything, and when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.alarms.timer_models import AuditEntry


def record(
    *, session: AsyncSession, actor: str, action: str, subject: str, at: dt.datetime, detail: str = ""
) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=detail[:500]))


async def search(
    *,
    session: AsyncSession,
    actor: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first; ``subject`` matches a prefix (``subscriber:12`` or ``user:``), the others exactly."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if subject:
        query = query.where(AuditEntry.subject.startswith(subject, autoescape=True))
    if start:
        query = query.where(AuditEntry.at >= start)
    if end:
        query = query.where(AuditEntry.at < end)
    return list(await session.scalars(query))
