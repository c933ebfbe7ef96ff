"""Console pages (the subscriber pages are ``subscribers.py``). Views only fetch through services and render;
rules live elsewhere."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.access.service import names_of
from control_center.alarms.action_plans import VOICE_ANNOUNCEMENTS
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.incidents import flows, service
from control_center.incidents.models import VerificationAttempt
from control_center.signals.service_types import ServiceType
from control_center.telephony import flows as telephony_flows
from control_center.web.api_types import RowId
from control_center.web.rendering import render
from control_center.web.stream import event_stream
from dispatch import service as dispatch_service
from panel_gateway.protocols.mqtt_payload import images_in

router = APIRouter(include_in_schema=False)


@router.get("/console", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def console(request: Request) -> HTMLResponse:
    return render(request, "console.html")


@router.get("/console/queue", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def queue(request: Request) -> HTMLResponse:
    async with request.app.state.sessions() as session:
        incidents = await service.list_open(session=session)
    return render(request, "_queue.html", incidents=incidents, now=utcnow())


@router.get("/console/incidents/{incident_id}", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def incident_page(incident_id: RowId, request: Request) -> HTMLResponse:
    now = utcnow()
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        signals = await service.signals_of(session=session, incident_id=incident_id)
        call_context = await _calls_context(session, incident_id)
        dispatch = await dispatch_service.incident_context(
            session=session, incident=incident, settings=request.app.state.settings
        )
        names = await names_of(session=session, logins={e.actor for e in incident.events})  # not logins
        if incident.premises is not None:
            # Personal data (contacts, address) was shown: on the record.
            subscriber = f"subscriber:{incident.premises.subscriber_id}"
            audit.viewed(session, actor_of(request), subscriber, f"incident {incident_id}", at=now)
            await session.commit()
    calls = (
        flows.call_list(incident.premises, ServiceType(incident.service_type), now)
        if incident.premises
        else []
    )
    return render(
        request,
        "incident.html",
        dispatch=dispatch,
        **call_context,
        voice=VOICE_ANNOUNCEMENTS,
        images=[image for s in signals for image in images_in(s.raw)],
        incident=incident,
        signals=signals,
        now=now,
        call_list=calls,
        names=names,
    )


async def _calls_context(session: AsyncSession, incident_id: int) -> dict[str, object]:
    verifications = await session.scalars(
        select(VerificationAttempt)
        .where(VerificationAttempt.incident_id == incident_id)
        .order_by(VerificationAttempt.id.desc())
    )
    return {
        "calls": await telephony_flows.attempts_of(session=session, incident_id=incident_id),
        "call_run": await telephony_flows.running_list(session, incident_id),
        "last_verification": verifications.first(),
    }


@router.get("/console/incidents/{incident_id}/calls", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def calls_fragment(incident_id: RowId, request: Request) -> HTMLResponse:
    """The calls section alone, re-fetched live while the carrier reports."""
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        context = await _calls_context(session, incident_id)
    return render(request, "_calls.html", incident=incident, **context)


@router.get("/console/events", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def events(request: Request) -> StreamingResponse:
    """Server-sent events: ``incidents`` whenever the queue changed; the page then re-fetches it."""
    return event_stream(request.app.state.hub)
