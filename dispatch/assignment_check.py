"""The responder's side of access control: an incident is theirs only while they are assigned to it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.models import Assignment, Responder


async def assigned_now(*, session: AsyncSession, user_id: int, incident_id: int) -> bool:
    found = await session.scalar(
        select(Assignment.id)
        .join(Responder, Responder.id == Assignment.responder_id)
        .where(
            Responder.user_id == user_id,
            Assignment.incident_id == incident_id,
            Assignment.ended_at.is_(None),
        )
        .limit(1)
    )
    return found is not None
