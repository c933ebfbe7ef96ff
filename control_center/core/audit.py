"""The audit log: who viewed a subscriber's personal data or changed anything, and when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """Every view of a subscriber's personal data and every change: who, when, what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(20))  # view | change
    subject: Mapped[str] = mapped_column(String(100), index=True)  # e.g. subscriber:12, incident:40
    detail: Mapped[str] = mapped_column(String(500), default="")


def record(
    *, session: AsyncSession, actor: str, action: str, subject: str, at: dt.datetime, detail: str = ""
) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, subject=subject, detail=detail[:500]))


# The two everyday actions, so each page and flow need not spell them (nor the moment) again.
def viewed(
    session: AsyncSession, actor: str, subject: str, detail: str = "", *, at: dt.datetime | None = None
) -> None:
    """``actor`` was shown ``subject``'s personal data; ``at``: now unless given."""
    record(session=session, actor=actor, action="view", subject=subject, at=at or utcnow(), detail=detail)


def changed(
    session: AsyncSession, actor: str, subject: str, detail: str = "", *, at: dt.datetime | None = None
) -> None:
    """``actor`` changed ``subject``; ``at``: now unless given."""
    record(session=session, actor=actor, action="change", subject=subject, at=at or utcnow(), detail=detail)


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
