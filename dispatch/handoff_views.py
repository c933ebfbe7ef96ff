"""The agency hand-off on the web: the operator's "send by data link", the agencies' signed replies, and
the evidence page the hand-off links to (signed, expiring; no login: the agency's call-taker opens it)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.i18n import N_, translations
from control_center.incidents import alarm_level_service, flows
from control_center.subscribers.models import Premises
from control_center.web.actions import run_step
from control_center.web.api_types import RowId
from control_center.web.locale import request_locale
from control_center.web.rendering import render
from dispatch import handoff, handoff_service, psap
from dispatch.handoff_models import AgencyHandoff
from dispatch.handoff_service import Received

log = logging.getLogger(__name__)

console = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_WORK)]
)
agencies = APIRouter(include_in_schema=False)  # signed or token-linked: no session, no CSRF
api = APIRouter(prefix="/api/premises", tags=["premises"])  # the directions, beside the trips API
SENT = N_("hand-off sent by data link (%(reference)s); waiting for the agency to accept")


def evidence_key(state: Any) -> bytes:
    return state.secret_box.subkey("agency-evidence")


@console.post("/incidents/{incident_id}/tasks/{task_id}/handoff")
async def send_handoff(incident_id: RowId, task_id: RowId, request: Request) -> RedirectResponse:
    state = request.app.state
    return await run_step(
        request,
        incident_id,
        handoff_service.hand_off,
        lambda reference: (SENT, {"reference": reference[:8]}),
        task_id=task_id,
        actor=actor_of(request),
        psap_link=state.psap,
        switchboard=state.switchboard,
        settings=state.settings,
        evidence_key=evidence_key(state),
    )


async def take_reply(state: Any, body: bytes, headers: dict[str, str]) -> Received:
    """One status update, as the endpoint and the in-process recording agency hand it over: recorded, a
    rejection's voice call made at once, the consoles told."""
    now = utcnow()
    async with state.sessions() as session:
        received = await handoff_service.receive(
            session=session, body=body, timestamp=headers.get(psap.TIMESTAMP_HEADER),
            signature=headers.get(psap.SIGNATURE_HEADER), now=now, secret=state.psap_secret,
        )  # fmt: skip
        if received.fallback is not None:
            await handoff_service.fall_back(
                session=session, handoff_id=received.fallback, why="rejected", at=now,
                switchboard=state.switchboard, settings=state.settings,
            )  # fmt: skip
    if received.status_code != 200:
        log.warning("agency reply refused (%s): %s", received.status_code, received.reason)
    if received.incident_id is not None:
        state.hub.publish({received.incident_id})
    return received


@agencies.post("/api/agency/replies")
async def agency_reply(request: Request) -> JSONResponse:
    """An agency's ASAP status update (XML), signed with the shared secret (dispatch/psap.py)."""
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    received = await take_reply(request.app.state, body, headers)
    return JSONResponse(
        {"recorded": received.status_code == 200, "detail": received.reason},
        status_code=received.status_code,
    )


@agencies.get("/agency/evidence", response_class=HTMLResponse)
async def evidence(
    request: Request,
    m: str = Query("", max_length=64),
    exp: str = Query("", max_length=12),
    sig: str = Query("", max_length=64),
) -> HTMLResponse:
    """What the hand-off told the agency, and why the level is what it is: for the call-taker's eyes."""
    key, now, message_id = evidence_key(request.app.state), utcnow(), m
    if not message_id or not handoff_service.evidence_valid(key, message_id, exp, sig, now):
        raise HTTPException(status_code=404, detail="no such evidence, or the link has expired")
    async with request.app.state.sessions() as session:
        row = await session.scalar(select(AgencyHandoff).where(AgencyHandoff.message_id == message_id))
        if row is None:
            raise HTTPException(status_code=404, detail="no such evidence, or the link has expired")
        incident = await flows.load(session=session, incident_id=row.incident_id)
        views = await handoff_service.views_of(
            session=session, incident=incident, settings=request.app.state.settings, at=now
        )
        if incident.premises is not None:  # personal data shown to whoever holds the link: on the record
            subject = f"subscriber:{incident.premises.subscriber_id}"
            audit.viewed(session, handoff_service.AGENCY_ACTOR, subject, f"hand-off {message_id[:8]}", at=now)
            await session.commit()
    view = next((v for v in views if v.handoff is not None and v.handoff.id == row.id), None)
    if view is None:
        raise HTTPException(status_code=404, detail="no such evidence, or the link has expired")
    locale = request_locale(request)
    explained = alarm_level_service.explained(incident, translations(locale).gettext)
    return render(request, "handoff_evidence.html", view=view, lines=view.script(locale), explained=explained)


@console.get("/incidents/{incident_id}/handoffs", response_class=HTMLResponse)
async def handoffs_live(incident_id: RowId, request: Request) -> HTMLResponse:
    """The hand-off section alone, for its live re-fetch (web/static/live.js)."""
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        views = await handoff_service.views_of(
            session=session, incident=incident, settings=request.app.state.settings, at=utcnow()
        )
    return render(request, "_handoff_body.html", incident=incident, dispatch={"handoffs": views})


@console.get("/incidents/{incident_id}/handoff-document")
async def handoff_document(
    incident_id: RowId, request: Request, handoff: int = Query(0, ge=0, le=2**31 - 1)
) -> Response:
    """The ``AlarmNotification`` exactly as it was sent."""
    async with request.app.state.sessions() as session:
        row = await session.get(AgencyHandoff, handoff) if handoff else None
    if row is None or row.incident_id != incident_id:
        raise HTTPException(status_code=404, detail="no such hand-off on this incident")
    return Response(row.document.encode(), media_type="application/xml")


# --- the premises' directions and landmarks (the subscriber page's form is console/subscribers.py) ---------


class DirectionsIn(BaseModel):
    directions: str = Field("", max_length=handoff.NOTE_MAX * 4)  # cleaned, then at most NOTE_MAX
    landmarks: str = Field("", max_length=handoff.NOTE_MAX * 4)

    @field_validator("directions", "landmarks")
    @classmethod
    def _printable(cls, text: str) -> str:
        if problem := handoff.note_problem(text):
            raise ValueError(problem % {"max": handoff.NOTE_MAX})
        return text


def _directions_json(premises_id: int, row: Any) -> dict[str, Any]:
    return {
        "premises_id": premises_id,
        "directions": row.directions if row else None,
        "landmarks": row.landmarks if row else None,
    }


@api.get(
    "/{premises_id}/directions",
    summary="How police and fire find the premises (read on the 110/119 call, sent in the hand-off)",
    dependencies=[allowed(Permission.INCIDENTS_READ)],
)
async def directions_api(premises_id: RowId, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        found = await handoff_service.directions_of(session=session, premises_ids=[premises_id])
        if not found and await session.get(Premises, premises_id) is None:
            raise HTTPException(status_code=404, detail=f"premises {premises_id} not found")
        audit.viewed(session, actor_of(request), f"premises:{premises_id}", "directions")
        await session.commit()
    return _directions_json(premises_id, found.get(premises_id))


@api.put(
    "/{premises_id}/directions",
    summary="Set the premises' directions and landmarks (empty clears one); audited",
    dependencies=[allowed(Permission.SUBSCRIBERS_WRITE)],
)
async def put_directions_api(premises_id: RowId, body: DirectionsIn, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        try:
            row = await handoff_service.save_directions(
                session=session, premises_id=premises_id, directions=body.directions,
                landmarks=body.landmarks, actor=actor_of(request), at=utcnow(),
            )  # fmt: skip
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        await session.commit()
    return _directions_json(premises_id, row)
