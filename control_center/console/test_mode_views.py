"""A premises' commissioning and test mode, for the operator who takes the technician's call and for the
technician's tools: the page (zones, commissioning progress, the running test and its end, the results
per zone) and the API. The rules are in subscribers/test_mode.py and subscribers/commissioning.py; each
change is audited there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.core.timezones import TOKYO
from control_center.subscribers import commissioning, test_mode
from control_center.subscribers.models import Premises
from control_center.web import flash
from control_center.web.api_types import RowId
from control_center.web.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[allowed(Permission.SUBSCRIBERS_WRITE)])
api = APIRouter(tags=["premises"], dependencies=[allowed(Permission.SUBSCRIBERS_WRITE)])


def _page(premises_id: int) -> str:
    return f"/console/premises/{premises_id}/test"


async def _load(session: AsyncSession, premises_id: int) -> Premises:
    place = await session.get(Premises, premises_id)
    if place is None:
        raise HTTPException(status_code=404, detail="no such premises")
    return place


def _zones(text: str) -> list[int] | None:
    """The announced zones, "1,5" (empty: the whole premises); refused on anything else."""
    if not text.strip():
        return None
    return [z for z, _ in commissioning.parse_zones(text)]


def _local_end(text: str) -> dt.datetime | None:
    """The form's end time: a ``datetime-local`` value in Japan time (what the operator reads on the
    clock); None when missing or unreadable (refused as "needs an end time")."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=TOKYO) if value.tzinfo is None else value


@router.get("/console/premises/{premises_id}/test")
async def page(premises_id: RowId, request: Request) -> HTMLResponse:
    now = utcnow()
    async with request.app.state.sessions() as session:
        place = await _load(session, premises_id)
        progress = await commissioning.progress(session=session, premises_id=premises_id)
        tests = await test_mode.tests_of(session=session, premises_id=premises_id, now=now)
    return render(
        request, "premises_test.html", place=place, progress=progress, tests=tests, now=now,
        max_hours=int(test_mode.MAX_TEST.total_seconds() // 3600),
        default_end=(now + dt.timedelta(hours=2)).astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip


@router.post("/console/premises/{premises_id}/test")
async def put_on_test(
    premises_id: RowId,
    request: Request,
    ends_at: str = Form("", max_length=40),
    zones: str = Form("", max_length=200),
    reason: str = Form("", max_length=200),
    technician: str = Form("", max_length=100),
) -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            await _load(session, premises_id)
            await test_mode.put_on_test(
                session=session, premises_id=premises_id, ends_at=_local_end(ends_at), zones=_zones(zones),
                reason=reason, technician=technician, actor=actor_of(request), now=utcnow(),
            )  # fmt: skip
            await session.commit()
    except Refused as exc:
        text, params = exc.said
        return flash.redirect(request, _page(premises_id), text, error=True, params=params)
    return flash.redirect(request, _page(premises_id), "recorded")


@router.post("/console/premises/{premises_id}/test/end")
async def end_test(premises_id: RowId, request: Request) -> RedirectResponse:
    async with request.app.state.sessions() as session:
        await _load(session, premises_id)
        await test_mode.end_test(
            session=session, premises_id=premises_id, actor=actor_of(request), now=utcnow()
        )
        await session.commit()
    return flash.redirect(request, _page(premises_id), "recorded")


class TestRequest(BaseModel):
    __test__ = False  # not a pytest test class

    ends_at: AwareDatetime = Field(description="When the test ends by itself: at most 24 h from now")
    zones: list[int] | None = Field(
        None, max_length=40, description="The zones under test; omitted or null: the whole premises"
    )
    reason: str = Field(min_length=1, max_length=200)
    technician: str = Field(min_length=1, max_length=100, description="Who tests (company and name)")


def _test_json(view: test_mode.TestView) -> dict[str, Any]:
    p = view.period
    return {
        "id": p.id, "starts_at": p.starts_at.isoformat(), "ends_at": p.ends_at.isoformat(),
        "zones": [int(z) for z in p.zones.split(",")] if p.zones else None, "reason": p.reason,
        "technician": p.technician, "running": view.running,
        "results": [
            {"zone": z.zone, "name": z.name, "alarm_at": z.alarm_at.isoformat() if z.alarm_at else None,
             "restore_at": z.restore_at.isoformat() if z.restore_at else None, "tested": z.tested}
            for z in view.zones
        ],
    }  # fmt: skip


async def _state(session: AsyncSession, premises_id: int, now: dt.datetime) -> dict[str, Any]:
    place = await _load(session, premises_id)
    progress = await commissioning.progress(session=session, premises_id=premises_id)
    tests = await test_mode.tests_of(session=session, premises_id=premises_id, now=now)
    return {
        "premises_id": premises_id, "status": place.status, "installer": place.installer,
        "commissioning_since": place.commissioning_since.isoformat() if place.commissioning_since else None,
        "commissioned_at": place.commissioned_at.isoformat() if place.commissioned_at else None,
        "zones_missing": progress.missing if place.status == commissioning.COMMISSIONING else [],
        "on_test": any(t.running for t in tests), "tests": [_test_json(t) for t in tests],
    }  # fmt: skip


@api.get(
    "/api/premises/{premises_id}/test",
    summary="A premises' commissioning state and its latest tests with their results per zone",
    responses={404: {"description": "No such premises"}},
)
async def state_api(premises_id: RowId, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        return await _state(session, premises_id, utcnow())


@api.post(
    "/api/premises/{premises_id}/test",
    status_code=201,
    summary="Put a premises on test until an end time (at most 24 h); audited",
    responses={
        404: {"description": "No such premises"},
        409: {"description": "Refused: no end, an end passed or beyond 24 h, or an unconfigured zone"},
    },
)
async def put_on_test_api(premises_id: RowId, body: TestRequest, request: Request) -> dict[str, Any]:
    now = utcnow()
    try:
        async with request.app.state.sessions() as session:
            await _load(session, premises_id)
            await test_mode.put_on_test(
                session=session, premises_id=premises_id, ends_at=body.ends_at, zones=body.zones,
                reason=body.reason, technician=body.technician, actor=actor_of(request), now=now,
            )  # fmt: skip
            await session.commit()
            return await _state(session, premises_id, now)
    except Refused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
