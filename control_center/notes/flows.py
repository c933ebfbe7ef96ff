"""The change of shift: the outgoing operator's open incidents handed to the incoming one, each recorded
as a reassignment on the incident (``incidents.flows.reassign``: an ``incident_events`` row and the audit)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.service import may_work_incidents
from control_center.core.errors import Refused
from control_center.core.i18n import N_
from control_center.incidents import flows as incident_flows
from control_center.incidents.models import Incident

NOT_YOURS = N_("only the operator who holds the incidents or a supervisor may hand them over")
SAME = N_("choose another operator to hand over to")
NOT_AN_OPERATOR = N_("%(login)s is not an active operator or supervisor")
NOTHING = N_("no open incidents to hand over")


class HandoverRefused(Refused):
    def __init__(self, message: str, params: dict[str, str | int] | None = None) -> None:
        super().__init__(message)
        self.params = params or {}


async def hand_over(
    *,
    session: AsyncSession,
    from_operator: str,
    to: str,
    actor: str,
    supervises: bool,
    at: dt.datetime,
) -> list[int]:
    """Every open incident ``from_operator`` holds, to ``to``; by that operator or a supervisor."""
    if actor != from_operator and not supervises:
        raise HandoverRefused(NOT_YOURS)
    to = to.strip().lower()
    if to == from_operator:
        raise HandoverRefused(SAME)
    if not await may_work_incidents(session=session, login=to):
        raise HandoverRefused(NOT_AN_OPERATOR, {"login": to})
    ids = list(
        await session.scalars(
            select(Incident.id)
            .where(Incident.claimed_by == from_operator, Incident.closed_at.is_(None))
            .order_by(Incident.id)
        )
    )
    if not ids:
        raise HandoverRefused(NOTHING)
    for incident_id in ids:
        await incident_flows.reassign(
            session=session, incident_id=incident_id, to=to, supervisor=actor, at=at
        )
    return ids
