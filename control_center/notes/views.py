"""Notes: the JSON API, the console's form and live fragment, and the shift-handover page (thin: the
service does the work)."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission, may
from control_center.access.service import names_of, users
from control_center.core.db import utcnow
from control_center.core.i18n import N_
from control_center.incidents.models import Incident
from control_center.notes import flows, service
from control_center.notes.models import MAX_NOTE_CHARS, IncidentNote
from control_center.notes.schemas import NoteIn, NoteOut
from control_center.web import flash
from control_center.web.api_types import RowId
from control_center.web.rendering import render

api = APIRouter(prefix="/api/incidents", tags=["notes"])
console = APIRouter(prefix="/console", include_in_schema=False)

HANDED_OVER = N_("handed over %(n)s incidents to %(name)s")
FORM_LIMIT = (
    8 * MAX_NOTE_CHARS
)  # beyond this the form is refused outright; up to it, a flash message says why


def _out(note: IncidentNote, names: dict[str, str]) -> NoteOut:
    return NoteOut(
        id=note.id,
        incident_id=note.incident_id,
        at=note.at,
        author=note.author,
        author_name=names.get(note.author),
        body=note.body,
    )


@api.get(
    "/{incident_id}/notes",
    response_model=list[NoteOut],
    responses={404: {"description": "No such incident"}},
    summary="The incident's notes, newest first",
    dependencies=[allowed(Permission.INCIDENTS_READ)],
)
async def list_notes(incident_id: RowId, request: Request) -> list[NoteOut]:
    async with request.app.state.sessions() as session:
        if await session.get(Incident, incident_id) is None:
            raise HTTPException(status_code=404, detail=f"incident {incident_id} not found")
        notes = await service.notes_of(session=session, incident_id=incident_id)
        names = await names_of(session=session, logins={n.author for n in notes})
    return [_out(n, names) for n in notes]


@api.post(
    "/{incident_id}/notes",
    response_model=NoteOut,
    status_code=201,
    responses={404: {"description": "No such incident"}, 422: {"description": "Empty or too long"}},
    summary="Add a note (any time, also after closing)",
    dependencies=[allowed(Permission.INCIDENTS_WORK)],
)
async def add_note(incident_id: RowId, note: NoteIn, request: Request) -> NoteOut:
    author = actor_of(request)
    try:
        async with request.app.state.sessions() as session:
            added = await service.add(
                session=session, incident_id=incident_id, author=author, body=note.body, at=utcnow()
            )
            names = await names_of(session=session, logins={author})
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except service.NoteRefused as exc:
        raise HTTPException(status_code=422, detail=str(exc) % exc.params) from exc
    request.app.state.hub.publish({incident_id})
    return _out(added, names)


@console.get("/incidents/{incident_id}/notes", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def notes_fragment(incident_id: RowId, request: Request) -> HTMLResponse:
    """The notes section alone: the incident page re-fetches it when the incident changed."""
    async with request.app.state.sessions() as session:
        incident = await session.get(Incident, incident_id)
        if incident is None:
            raise HTTPException(status_code=404, detail=f"incident {incident_id} not found")
        notes = await service.notes_of(session=session, incident_id=incident_id)
        names = await names_of(session=session, logins={n.author for n in notes})
    return render(request, "_notes.html", incident=incident, notes=notes, note_names=names)


@console.post("/incidents/{incident_id}/notes", dependencies=[allowed(Permission.INCIDENTS_WORK)])
async def post_note(
    incident_id: RowId, request: Request, body: str = Form("", max_length=FORM_LIMIT)
) -> RedirectResponse:
    page = f"/console/incidents/{incident_id}"
    try:
        async with request.app.state.sessions() as session:
            await service.add(
                session=session, incident_id=incident_id, author=actor_of(request), body=body, at=utcnow()
            )
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except service.NoteRefused as exc:
        return flash.redirect(request, page, str(exc), error=True, params=exc.params, fragment="notes")
    request.app.state.hub.publish({incident_id})
    return flash.redirect(request, page, "note added", fragment="notes")


@console.get("/handover", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def handover(request: Request) -> HTMLResponse:
    """Per operator, their open incidents with the last notes: for the change of shift (printable)."""
    async with request.app.state.sessions() as session:
        desks, notes = await service.handover(session=session)
        logins = {d.operator or "" for d in desks} | {n.author for kept in notes.values() for n in kept}
        names = await names_of(session=session, logins=logins)
        colleagues = [
            u for u in await users(session=session) if u.active and may(u.role, Permission.INCIDENTS_WORK)
        ]
    return render(
        request, "handover.html", desks=desks, notes=notes, names=names, colleagues=colleagues, now=utcnow()
    )


@console.post("/handover", dependencies=[allowed(Permission.INCIDENTS_WORK)])
async def hand_over(
    request: Request,
    from_operator: str = Form(..., min_length=1, max_length=100),
    to: str = Form("", max_length=100),
) -> RedirectResponse:
    principal = request.state.principal
    try:
        async with request.app.state.sessions() as session:
            ids = await flows.hand_over(
                session=session,
                from_operator=from_operator,
                to=to,
                actor=principal.actor,
                supervises=principal.may(Permission.SUPERVISE),
                at=utcnow(),
            )
            name = (await names_of(session=session, logins={to.strip().lower()})).get(to.strip().lower(), to)
    except flows.HandoverRefused as exc:
        return flash.redirect(request, "/console/handover", str(exc), error=True, params=exc.params)
    request.app.state.hub.publish(set(ids))
    return flash.redirect(request, "/console/handover", HANDED_OVER, params={"n": len(ids), "name": name})
