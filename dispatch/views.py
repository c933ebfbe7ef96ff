"""Dispatch on the web: the operator's dispatch actions, the responder's phone view, and their API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.guard import actor_of, allowed, require
from control_center.access.roles import Permission
from control_center.access.service import Principal
from control_center.alarms.action_plans import SILENT_FLAG
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.i18n import N_, translations
from control_center.incidents import flows
from control_center.incidents.flows import FlowError
from control_center.incidents.models import Incident
from control_center.web import flash
from control_center.web.actions import run_action, run_step
from control_center.web.api_types import FormRowId, RowId
from control_center.web.locale import request_locale
from control_center.web.rendering import render
from control_center.web.stream import event_stream
from dispatch import key_custody, report, service, status
from dispatch.map_view import Place, frame, label
from dispatch.models import Assignment, KeySet, Responder
from dispatch.status import Action

console = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_WORK)]
)
responder_pages = APIRouter(prefix="/responder", include_in_schema=False)
api = APIRouter(prefix="/api", tags=["dispatch"])

Responding = Annotated[Principal, Depends(require(Permission.ASSIGNED_INCIDENTS))]
Working = Annotated[Principal, Depends(require(Permission.INCIDENTS_WORK))]
Reading = Annotated[Principal, Depends(require(Permission.INCIDENTS_READ, Permission.SUBSCRIBERS_WRITE))]

# --- the operator ------------------------------------------------------------------------------------------


@console.post("/incidents/{incident_id}/dispatch")
async def dispatch(
    incident_id: RowId, request: Request, responder_id: FormRowId, second: bool = Form(False)
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        service.assign,
        "responder dispatched",
        responder_id=responder_id,
        actor=actor_of(request),
        settings=request.app.state.settings,
        second=second,
    )


@console.post("/incidents/{incident_id}/assignments/{assignment_id}/release")
async def release(incident_id: RowId, assignment_id: RowId, request: Request) -> RedirectResponse:
    actor = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: service.act(
            session=s, assignment_id=assignment_id, action=Action.RELEASE, actor=actor, at=utcnow()
        ),
        "recorded",
    )


@console.post("/incidents/{incident_id}/tasks/{task_id}/notify")
async def notify(incident_id: RowId, task_id: RowId, request: Request) -> RedirectResponse:
    state = request.app.state
    return await run_step(
        request,
        incident_id,
        service.notify_agency,
        lambda reference: (N_("notified: %(reference)s"), {"reference": reference}),
        task_id=task_id,
        actor=actor_of(request),
        switchboard=state.switchboard,
        settings=state.settings,
    )


@console.post("/incidents/{incident_id}/keys/{key_set_id}/reseal")
async def reseal(
    incident_id: RowId,
    key_set_id: RowId,
    request: Request,
    seal: str = Form(..., min_length=1, max_length=40),
) -> RedirectResponse:
    actor, mailer = actor_of(request), request.app.state.mailer
    return await run_action(
        request,
        incident_id,
        lambda s: service.reseal_key(
            session=s, key_set_id=key_set_id, new_seal=seal, actor=actor, at=utcnow(), mailer=mailer
        ),
        "resealed; the subscriber was told",
    )


@console.post("/incidents/{incident_id}/written-report")
async def written_report(incident_id: RowId, request: Request) -> RedirectResponse:
    actor, mailer = actor_of(request), request.app.state.mailer

    async def send(session: AsyncSession) -> Any:
        subject, body = await report.render(session=session, incident_id=incident_id, locale="ja")
        return await service.send_written_report(
            session=session,
            incident_id=incident_id,
            actor=actor,
            at=utcnow(),
            mailer=mailer,
            body=body,
            subject=subject,
        )

    sent_to = N_("report sent to %(recipient)s")
    return await run_action(request, incident_id, send, lambda sent: (sent_to, {"recipient": sent.recipient}))


# --- the responder's phone ---------------------------------------------------------------------------


async def _me(session: AsyncSession, principal: Principal) -> Responder:
    me = await service.responder_of_user(session=session, user_id=principal.user_id)
    if me is None:
        raise HTTPException(status_code=403, detail="this login is not linked to a responder")
    return me


async def _mine(session: AsyncSession, principal: Principal, assignment_id: int) -> Assignment:
    me = await _me(session, principal)
    assignment = await session.get(Assignment, assignment_id)
    if assignment is None or assignment.responder_id != me.id:
        raise HTTPException(status_code=403, detail="only your own assignment")
    return assignment


@responder_pages.get("")
async def responder_page(request: Request, principal: Responding) -> HTMLResponse:
    return render(request, "responder.html")


@responder_pages.get("/assignment")
async def assignment_fragment(request: Request, principal: Responding) -> HTMLResponse:
    async with request.app.state.sessions() as session:
        me = await _me(session, principal)
        assignment = await service.current_assignment(session=session, responder_id=me.id)
        context: dict[str, Any] = {"me": me, "assignment": assignment}
        if assignment is not None:
            incident = await flows.load(session=session, incident_id=assignment.incident_id)
            premises = incident.premises
            assert premises is not None
            places = [
                Place("premises", premises.address, premises.lat, premises.lon),
                Place("responder", me.name, me.lat, me.lon),
                Place("depot", me.depot.name, me.depot.lat, me.depot.lon),
            ]
            words = translations(request_locale(request)).gettext
            key_sets = await service.key_sets(session=session, premises_id=premises.id)
            accepted = assignment.accepted_at is not None
            context |= {
                "incident": incident,
                "premises": premises,
                "map": label(frame(places), {p.kind: words(p.kind) for p in places}),
                "navigation": navigation_links(premises.lat, premises.lon, premises.address),
                "key_sets": key_sets,
                "keys_out": key_custody.keys_out(key_sets),
                "note": await service.note_of(session=session, premises_id=premises.id),
                "large_dog_rule": service.LARGE_DOG_RULE,
                "actions": status.allowed_actions(
                    me.status, accepted=accepted, closed=incident.closed_at is not None
                ),
                "closed_before_arrival": incident.closed_at is not None and assignment.arrived_at is None,
                "status_word": status.shown(me.status, accepted=accepted),
                "buttons": status.BUTTONS,
                # Duress / hold-up: nobody phones the premises, the responder neither (someone may be
                # forced to answer); the responder goes with the police.
                "silent": incident.flag == SILENT_FLAG,
            }
            subscriber = f"subscriber:{premises.subscriber_id}"
            audit.viewed(session, principal.actor, subscriber, f"assignment {assignment.id}")
            await session.commit()
    return render(request, "_assignment.html", **context)


def _back(
    request: Request, message: str, error: bool = False, params: dict[str, str | int] | None = None
) -> RedirectResponse:
    return flash.redirect(request, "/responder", message, error=error, params=params)


def navigation_links(lat: float, lon: float, address: str) -> dict[str, str]:
    """Turn-by-turn to the premises in the phone's own app: a ``geo:`` URI (RFC 5870; Android opens
    its maps app) and a maps URL with the coordinates (any phone; Google's Maps URLs ``dir`` action)."""
    point = f"{lat:.6f},{lon:.6f}"
    return {
        "geo": f"geo:{point}?q={point}({quote(address)})",
        "maps": f"https://www.google.com/maps/dir/?api=1&destination={point}&travelmode=driving",
    }


async def _own_step(
    session: AsyncSession, principal: Principal, assignment_id: int, action: Action, note: str
) -> Assignment:
    """A step the responder takes on their own assignment (page and API alike)."""
    if action in (Action.ASSIGN, Action.RELEASE, Action.ON_DUTY, Action.OFF_DUTY):
        raise HTTPException(status_code=403, detail=f"{action} is the operator's")
    assignment = await _mine(session, principal, assignment_id)
    await service.act(
        session=session,
        assignment_id=assignment.id,
        action=action,
        actor=principal.actor,
        at=utcnow(),
        note=note,
    )
    return assignment


async def _step(
    request: Request, principal: Principal, assignment_id: int, action: Action, note: str
) -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            assignment = await _own_step(session, principal, assignment_id, action, note)
            out = await _keys_still_out(session, assignment) if action == Action.REPORT else []
    except FlowError as exc:
        return _back(request, str(exc), error=True)
    request.app.state.hub.publish({assignment.incident_id})
    if out:  # the job is over but a key set is not back: said to the responder (the operator's page shows it)
        sets = "・".join(str(k.set_no) for k in out)
        return _back(request, KEYS_OUT_AFTER_REPORT, error=True, params={"sets": sets})
    return _back(request, "recorded")


KEYS_OUT_AFTER_REPORT = N_(
    "Report filed, but key set %(sets)s is still out: take it back to the depot to be resealed."
)


async def _keys_still_out(session: AsyncSession, assignment: Assignment) -> list[KeySet]:
    incident = await session.get(Incident, assignment.incident_id)
    if incident is None or incident.premises_id is None:
        return []
    return key_custody.keys_out(await service.key_sets(session=session, premises_id=incident.premises_id))


@responder_pages.post("/assignments/{assignment_id}/act")
async def responder_act(
    assignment_id: RowId,
    request: Request,
    principal: Responding,
    action: Action = Form(...),
    note: str = Form("", max_length=2000),
) -> RedirectResponse:
    return await _step(request, principal, assignment_id, action, note)


@responder_pages.post("/keys/{key_set_id}/take-out")
async def take_out(key_set_id: RowId, request: Request, principal: Responding) -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            me = await _me(session, principal)
            assignment = await service.current_assignment(session=session, responder_id=me.id)
            incident = await session.get(Incident, assignment.incident_id) if assignment else None
            mine = (
                await service.key_sets(session=session, premises_id=incident.premises_id) if incident else []
            )
            if key_set_id not in {k.id for k in mine}:
                raise HTTPException(
                    status_code=403, detail="only the keys of the premises you are assigned to"
                )
            await service.take_out_key(
                session=session,
                key_set_id=key_set_id,
                responder_id=me.id,
                incident_id=assignment.incident_id,
                actor=principal.actor,
                at=utcnow(),
            )
    except FlowError as exc:
        return _back(request, str(exc), error=True)
    return _back(request, "key taken out: the seal is broken")


@responder_pages.post("/duty")
async def duty(request: Request, principal: Responding, on: bool = Form(...)) -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            await service.set_duty(session=session, responder_id=(await _me(session, principal)).id, on=on)
    except FlowError as exc:
        return _back(request, str(exc), error=True)
    return _back(request, "recorded")


@responder_pages.get("/events")
async def responder_events(request: Request, principal: Responding) -> StreamingResponse:
    """Live updates, but only about this responder's own assignments."""
    sessions = request.app.state.sessions

    async def concerns(ids: set[int]) -> bool:
        async with sessions() as session:
            me = await _me(session, principal)
            return bool(
                await session.scalar(
                    select(Assignment.id)
                    .where(Assignment.responder_id == me.id, Assignment.incident_id.in_(ids))
                    .limit(1)
                )
            )

    return event_stream(request.app.state.hub, concerns)


# --- JSON API ----------------------------------------------------------------------------------------------


class CandidateOut(BaseModel):
    responder_id: int
    name: str
    depot: str
    km: float
    minutes: float
    arrives_within_limit: bool


class AssignIn(BaseModel):
    responder_id: int = Field(ge=1, le=2**63 - 1)
    second: bool = False  # confirms sending another while a responder is already on the incident


class StepIn(BaseModel):
    action: Action
    note: str = Field(default="", max_length=2000)


class PositionIn(BaseModel):
    lat: float = Field(ge=20, le=46)  # Japan, with a margin
    lon: float = Field(ge=122, le=154)


class ReachOut(BaseModel):
    depot: str
    travel_minutes: float
    limit_minutes: int
    within: bool
    warning: str | None


@api.get(
    "/incidents/{incident_id}/candidates",
    response_model=list[CandidateOut],
    summary="The nearest available responders, soonest first",
)
async def candidates(incident_id: RowId, request: Request, principal: Working) -> list[CandidateOut]:
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        ranked = await service.rank(
            session=session, incident=incident, settings=request.app.state.settings, at=utcnow()
        )
    return [
        CandidateOut(
            responder_id=r.responder.id,
            name=r.responder.name,
            depot=r.responder.depot.name,
            km=round(r.km, 2),
            minutes=round(r.minutes, 1),
            arrives_within_limit=r.arrives_within_limit,
        )
        for r in ranked
    ]


@api.post(
    "/incidents/{incident_id}/assignments",
    status_code=201,
    summary="Send a responder (any, not only the nearest)",
)
async def assign(incident_id: RowId, body: AssignIn, request: Request, principal: Working) -> dict[str, Any]:
    try:
        async with request.app.state.sessions() as session:
            assignment = await service.assign(
                session=session,
                incident_id=incident_id,
                responder_id=body.responder_id,
                actor=principal.actor,
                at=utcnow(),
                settings=request.app.state.settings,
                second=body.second,
            )
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except FlowError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    request.app.state.hub.publish({incident_id})
    return {
        "id": assignment.id,
        "responder_id": assignment.responder_id,
        "estimated_minutes": assignment.estimated_minutes,
    }


@api.get(
    "/dispatch/reach",
    response_model=ReachOut,
    summary="Which depot reaches a location, and within the limit?",
)
async def reach(
    request: Request,
    principal: Reading,
    address: str = Query(..., min_length=3, max_length=300),
    lat: float = Query(..., ge=20, le=46),
    lon: float = Query(..., ge=122, le=154),
) -> ReachOut:
    async with request.app.state.sessions() as session:
        found = await service.reach(
            session=session, address=address, lat=lat, lon=lon, settings=request.app.state.settings
        )
    if found is None:
        raise HTTPException(status_code=404, detail="no depots are registered")
    warning = (
        None
        if found.within
        else (
            f"outside coverage: ~{found.travel_minutes:.0f} min from {found.depot.name},"
            f" limit {found.limit_minutes} min"
        )
    )
    return ReachOut(
        depot=found.depot.name,
        travel_minutes=round(found.travel_minutes, 1),
        limit_minutes=found.limit_minutes,
        within=found.within,
        warning=warning,
    )


@api.get("/responder/assignment", summary="The signed-in responder's current assignment (or null)")
async def my_assignment(request: Request, principal: Responding) -> dict[str, Any] | None:
    async with request.app.state.sessions() as session:
        me = await _me(session, principal)
        assignment = await service.current_assignment(session=session, responder_id=me.id)
        if assignment is None:
            return None
        incident = await flows.load(session=session, incident_id=assignment.incident_id)
        assert incident.premises is not None
    return {
        "id": assignment.id,
        "incident_id": incident.id,
        "service_type": incident.service_type,
        "address": incident.premises.address,
        "lat": incident.premises.lat,
        "lon": incident.premises.lon,
        "status": me.status,
        "actions": status.allowed_actions(
            me.status, accepted=assignment.accepted_at is not None, closed=incident.closed_at is not None
        ),
        "incident_closed": incident.closed_at is not None,
    }


@api.post(
    "/responder/assignments/{assignment_id}/steps",
    summary="accept, en_route, arrived, needs_help, all_clear, report, stand_down (incident closed first)",
)
async def step(assignment_id: RowId, body: StepIn, request: Request, principal: Responding) -> dict[str, str]:
    try:
        async with request.app.state.sessions() as session:
            assignment = await _own_step(session, principal, assignment_id, body.action, body.note)
            me = await _me(session, principal)
    except FlowError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    request.app.state.hub.publish({assignment.incident_id})
    return {"status": me.status}


@api.post("/responder/position", status_code=204, summary="The responder's phone reports where it is")
async def position(body: PositionIn, request: Request, principal: Responding) -> None:
    async with request.app.state.sessions() as session:
        me = await _me(session, principal)
        await service.move(session=session, responder_id=me.id, lat=body.lat, lon=body.lon, at=utcnow())
        await session.commit()
