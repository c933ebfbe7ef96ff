"""JSON API for incidents (thin: the service module does the work)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.guard import allowed, require
from control_center.access.roles import Permission
from control_center.access.service import Principal
from control_center.alarms import action_plans
from control_center.core import audit
from control_center.incidents import alarm_level_service, service
from control_center.incidents.models import Incident
from control_center.incidents.schemas import (
    ContactOut,
    IncidentDetail,
    IncidentOut,
    PremisesSummary,
    SignalOut,
    TaskOut,
)
from control_center.web.api_types import RowId

router = APIRouter(prefix="/api/incidents", tags=["incidents"])
Reader = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ, Permission.ASSIGNED_INCIDENTS))]


class AssignedNow(Protocol):
    """Whether the user is assigned to the incident now. Dispatch knows
    (``dispatch/assignment_check.py``), and dispatch builds on incidents: so the composition root
    (``app.py``) puts the check on ``app.state.assigned_now`` rather than this module importing it."""

    async def __call__(self, *, session: AsyncSession, user_id: int, incident_id: int) -> bool: ...


def summary(incident: Incident) -> IncidentOut:
    return IncidentOut(
        id=incident.id,
        account=incident.account,
        premises=PremisesSummary.model_validate(incident.premises) if incident.premises else None,
        service_type=incident.service_type,
        priority=incident.priority,
        status=incident.status,
        description=incident.description,
        opened_at=incident.opened_at,
        last_signal_at=incident.last_signal_at,
        restored_at=incident.restored_at,
        signal_count=incident.signal_count,
        **alarm_level_service.explained(incident, str),
    )


@router.get(
    "",
    response_model=list[IncidentOut],
    summary="Open incidents, most urgent first",
    dependencies=[allowed(Permission.INCIDENTS_READ)],
)
async def list_incidents(request: Request) -> list[IncidentOut]:
    async with request.app.state.sessions() as session:
        return [summary(i) for i in await service.list_open(session=session)]


@router.get(
    "/{incident_id}",
    response_model=IncidentDetail,
    responses={404: {"description": "No such incident"}},
    summary="One incident with premises, contacts and signal history (never the house code)",
)
async def get_incident(incident_id: RowId, request: Request, principal: Reader) -> IncidentDetail:
    assigned_now: AssignedNow = request.app.state.assigned_now
    async with request.app.state.sessions() as session:
        if not principal.may(Permission.INCIDENTS_READ) and not await assigned_now(
            session=session, user_id=principal.user_id, incident_id=incident_id
        ):
            raise HTTPException(status_code=403, detail="only while you are assigned to this incident")
        incident = await service.get(session=session, incident_id=incident_id)
        if incident is None:
            raise HTTPException(status_code=404, detail=f"incident {incident_id} not found")
        signals = await service.signals_of(session=session, incident_id=incident_id)
        tasks = await service.tasks_of(session=session, incident_id=incident_id)
        if incident.premises is not None:
            subscriber = f"subscriber:{incident.premises.subscriber_id}"
            audit.viewed(session, principal.actor, subscriber, f"incident {incident_id} (API)")
            await session.commit()
    premises = incident.premises
    return IncidentDetail(
        **summary(incident).model_dump(),
        subscriber_name=premises.subscriber.name if premises else None,
        services=sorted(s.service_type for s in premises.services) if premises else [],
        contacts=[ContactOut.model_validate(c) for c in premises.contacts] if premises else [],
        signals=[SignalOut.model_validate(s) for s in signals],
        tasks=[
            TaskOut(
                kind=action_plans.task_kind(t.step, t.agency),
                mandatory=action_plans.is_mandatory(t.step, t.agency),
                done=t.done_at is not None,
                result=" ".join(filter(None, (t.done_by, t.reference))) or None,
            )
            for t in tasks
        ],
    )
