"""Console pages (the subscriber pages are ``subscribers.py``). Views only fetch through services and render;
rules live elsewhere."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.access.service import names_of
from control_center.alarms.action_plans import SILENT_FLAG, VOICE_ANNOUNCEMENTS
from control_center.console.premises_panel import premises_panel_context
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.incidents import flows, service
from control_center.incidents.models import Incident, VerificationAttempt
from control_center.signals.service_types import ServiceType
from control_center.telephony import flows as telephony_flows
from control_center.web.api_types import RowId
from control_center.web.locale import request_locale
from control_center.web.rendering import render
from control_center.web.stream import event_stream
from dispatch import service as dispatch_service
from panel_gateway.protocols.mqtt_payload import images_in

router = APIRouter(include_in_schema=False)


@router.get("/console/incidents/{incident_id}", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def incident_page(incident_id: RowId, request: Request) -> HTMLResponse:
    return render(request, "incident.html", **await _incident_context(request, incident_id, viewed=True))


async def _premises_panel(request: Request, session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """The premises panel's own context, so the page renders it inline (premises_panel.py)."""
    settings, locale = request.app.state.settings, request_locale(request)
    return await premises_panel_context(session=session, incident=incident, settings=settings, locale=locale)


LivePart = Literal["main", "record"]
LIVE_TEMPLATES: dict[str, str] = {"main": "_incident_main.html", "record": "_incident_record.html"}


@router.get("/console/incidents/{incident_id}/live/{part}", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def incident_live(incident_id: RowId, part: LivePart, request: Request) -> HTMLResponse:
    """A part of the incident page that shows state, re-fetched (and morphed in) when the incident changed.
    Not another "viewed" audit entry: the page that asks was opened, and recorded, by the same person."""
    context = await _incident_context(request, incident_id, viewed=False)
    return render(request, LIVE_TEMPLATES[part], **context)


async def _incident_context(request: Request, incident_id: int, *, viewed: bool) -> dict[str, Any]:
    now = utcnow()
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        signals = await service.signals_of(session=session, incident_id=incident_id)
        call_context = await _calls_context(session, incident)
        dispatch = await dispatch_service.incident_context(
            session=session, incident=incident, settings=request.app.state.settings
        )
        logins = {e.actor for e in incident.events} | {incident.claimed_by or ""}
        names = await names_of(session=session, logins=logins)  # names, not logins
        # The page shows the premises panel inline; the live parts leave it alone.
        panel = await _premises_panel(request, session, incident) if viewed else None
        if viewed and incident.premises is not None:
            # Personal data (contacts, address) was shown: on the record.
            subscriber = f"subscriber:{incident.premises.subscriber_id}"
            audit.viewed(session, actor_of(request), subscriber, f"incident {incident_id}", at=now)
            await session.commit()
    calls = (
        flows.call_list(incident.premises, ServiceType(incident.service_type), now)
        if incident.premises
        else []
    )
    return {
        "dispatch": dispatch,
        **call_context,
        "voice": VOICE_ANNOUNCEMENTS,
        "images": [image for s in signals for image in images_in(s.raw)],
        "incident": incident,
        "signals": signals,
        "now": now,
        "call_list": calls,
        "names": names,
        **({"panel": panel} if panel is not None else {}),
    }


async def _calls_context(session: AsyncSession, incident: Incident) -> dict[str, object]:
    incident_id = incident.id
    verifications = await session.scalars(
        select(VerificationAttempt)
        .where(VerificationAttempt.incident_id == incident_id)
        .order_by(VerificationAttempt.id.desc())
    )
    return {
        "calls": await telephony_flows.attempts_of(session=session, incident_id=incident_id),
        "call_run": await telephony_flows.running_list(session, incident_id),
        "last_verification": verifications.first(),
        "silent": incident.flag == SILENT_FLAG,  # duress / hold-up: the premises is never phoned
    }


@router.get("/console/incidents/{incident_id}/calls", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def calls_fragment(incident_id: RowId, request: Request) -> HTMLResponse:
    """The calls section alone, re-fetched live while the carrier reports."""
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        context = await _calls_context(session, incident)
    return render(request, "_calls.html", incident=incident, **context)


@router.get("/console/events", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def events(request: Request) -> StreamingResponse:
    """Server-sent events: ``incidents`` whenever the queue changed; the page then re-fetches it."""
    return event_stream(request.app.state.hub)
