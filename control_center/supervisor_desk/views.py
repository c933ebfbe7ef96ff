"""The supervisor's console page and its actions; the legal record as CSV."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import PERMISSIONS, Permission, Role
from control_center.access.service import may_work_incidents, names_of, users
from control_center.core.audit import AuditEntry
from control_center.core.db import utcnow
from control_center.core.i18n import N_, translations
from control_center.incidents import flows, service
from control_center.incidents.flows import FlowError
from control_center.incidents.models import Incident
from control_center.signals.service_types import LABELS
from control_center.supervisor_desk import legal_record
from control_center.supervisor_desk import service as sv
from control_center.web import flash
from control_center.web.api_types import FormRowId
from control_center.web.locale import request_locale
from control_center.web.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[allowed(Permission.SUPERVISE)])
api = APIRouter(tags=["supervisor"], dependencies=[allowed(Permission.SUPERVISE)])
CLOSED = N_("closed %(n)d")
REOPENED = N_("reopened %(n)d")
NOT_A_WORKER = N_("%(name)s is not an active operator or supervisor")
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # a day before 0001-01-02 JST has no UTC


@router.get("/console/supervisor")
async def page(request: Request) -> HTMLResponse:
    return await _page(request)


async def _page(request: Request, preview: tuple[BulkForm, list[Incident]] | None = None) -> HTMLResponse:
    async with request.app.state.sessions() as session:
        incidents = await service.list_open(session=session)
        audit_rows = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(30)))
        logins = {a.actor for a in audit_rows} | {i.claimed_by or "" for i in incidents}
        names = await names_of(session=session, logins=logins)  # names, not logins
        # Whom an incident may be handed to, by name (the form posts the login).
        workers = [
            (u.login, u.name or u.login)
            for u in await users(session=session)
            if u.active and Permission.INCIDENTS_WORK in PERMISSIONS[Role(u.role)]
        ]
    # The events the queue shows for what may be handled in bulk, to choose from (in the user's words).
    events = sorted({i.description for i in incidents if i.service_type not in sv.LIFE_SAFETY_SERVICES})
    undo = [int(x) for x in request.query_params.get("undo", "").split(",") if x.isdigit()][:1000]
    return render(request, "supervisor.html", incidents=incidents, audit=audit_rows, names=names,
                  workers=workers, events=events, preview=preview, undo=undo)  # fmt: skip


@router.get("/console/supervisor/figures")
async def figures_fragment(request: Request) -> HTMLResponse:
    async with request.app.state.sessions() as session:
        figures = await sv.figures(session=session, now=utcnow())
    return render(request, "_figures.html", figures=figures)


def _back(
    request: Request, message: str, error: bool = False, params: dict[str, str | int] | None = None
) -> RedirectResponse:
    return flash.redirect(request, "/console/supervisor", message, error=error, params=params)


@router.post("/console/supervisor/reassign")
async def reassign(
    request: Request, incident_id: FormRowId, to: str = Form(..., min_length=1, max_length=100)
):
    login = to.strip().lower()  # logins are stored lower-case (access/service.py)
    try:
        async with request.app.state.sessions() as session:
            if not await may_work_incidents(session=session, login=login):
                return _back(request, NOT_A_WORKER, error=True, params={"name": to.strip()})
            await flows.reassign(
                session=session,
                incident_id=incident_id,
                to=login,
                supervisor=actor_of(request),
                at=utcnow(),
            )
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except FlowError as exc:
        return _back(request, str(exc), error=True)
    request.app.state.hub.publish({incident_id})
    return _back(request, "recorded")


class BulkForm:
    """The disaster-mode form, as posted for the preview, the confirmation and back into the page."""

    def __init__(
        self,
        services: list[str] = Form(default=[]),
        description: str = Form("", max_length=100),
        address_contains: str = Form("", max_length=100),
        lat: float | None = Form(None, ge=-90, le=90),
        lon: float | None = Form(None, ge=-180, le=180),
        radius_km: float | None = Form(None, gt=0, le=500),
        reason: str = Form("", max_length=300),
    ) -> None:
        self.services, self.description, self.reason = set(services), description or None, reason
        self.address_contains, self.lat, self.lon, self.radius_km = address_contains, lat, lon, radius_km
        self.area = sv.Area(address_contains or None, lat, lon, radius_km)


@router.post("/console/supervisor/bulk/preview")
async def bulk_preview(request: Request, form: BulkForm = Depends()) -> Response:
    """What a bulk close would close, with its count, before anything is closed."""
    try:
        async with request.app.state.sessions() as session:
            matched = await sv.bulk_matches(
                session=session, services=form.services, description=form.description, area=form.area
            )
    except ValueError as exc:
        return _back(request, str(exc), error=True)
    return await _page(request, preview=(form, matched))


@router.post("/console/supervisor/bulk")
async def bulk(
    request: Request, form: BulkForm = Depends(), previewed: list[int] = Form(default=[])
) -> RedirectResponse:
    """Close exactly what the supervisor previewed and confirmed (what still matches of it)."""
    try:
        async with request.app.state.sessions() as session:
            closed = await sv.bulk_close(
                session=session,
                supervisor=actor_of(request),
                services=form.services,
                description=form.description,
                area=form.area,
                reason=form.reason,
                at=utcnow(),
                previewed=set(previewed),
            )
    except ValueError as exc:
        return _back(request, str(exc), error=True)
    request.app.state.hub.publish(set(closed))
    return flash.redirect(
        request, "/console/supervisor", CLOSED, params={"n": len(closed)},
        query={"undo": ",".join(map(str, closed))} if closed else None,
    )  # fmt: skip


@router.post("/console/supervisor/bulk/undo")
async def bulk_undo(request: Request, ids: list[int] = Form(default=[])) -> RedirectResponse:
    async with request.app.state.sessions() as session:
        reopened = await sv.bulk_undo(
            session=session, supervisor=actor_of(request), ids=set(ids), at=utcnow()
        )
    request.app.state.hub.publish(set(reopened))
    return _back(request, REOPENED, params={"n": len(reopened)})


@api.get(
    "/api/supervisor/figures", summary="Live figures: open incidents, unclaimed waits, time to first claim"
)
async def figures_json(request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        return asdict(await sv.figures(session=session, now=utcnow()))


@api.get(
    "/api/records.csv",
    summary="The legal alarm record (警備業法 第44条, 施行規則 第64条) for JST dates from–to, as CSV",
    description="Japanese headers and words unless `lang=en` (or the user's language is English); "
    "UTF-8 with a byte-order mark, or `encoding=shift_jis` (Windows-31J) for older Excel.",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def records(
    request: Request,
    start: dt.date = Query(alias="from", ge=EARLIEST, le=LATEST),
    end: dt.date = Query(alias="to", ge=EARLIEST, le=LATEST),
    encoding: legal_record.Encoding = Query("utf-8"),
) -> Response:
    if end < start or (end - start).days > 400:
        raise HTTPException(status_code=422, detail="'to' must be on or after 'from', at most 400 days later")
    async with request.app.state.sessions() as session:
        default_limit = request.app.state.settings.dispatch_default_limit_minutes
        found = await legal_record.records(session=session, start=start, end=end, default_limit=default_limit)
    gettext = translations(request_locale(request)).gettext
    body = legal_record.encode(legal_record.rows(found, gettext, LABELS), encoding)
    return Response(
        body,
        media_type=f"text/csv; charset={encoding}",
        headers={"Content-Disposition": f'attachment; filename="alarm-records-{start}-{end}.csv"'},
    )
