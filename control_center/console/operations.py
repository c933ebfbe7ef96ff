"""The operator's actions on an incident from the console (forms posting here, then back to the page)."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.alarms.action_plans import Outcome
from control_center.core.db import utcnow
from control_center.incidents import flows
from control_center.incidents.flows import FlowError
from control_center.subscribers.house_code import key_from
from control_center.web import flash
from control_center.web.api_types import FormRowId, RowId

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_WORK)]
)


def back(request: Request, incident_id: RowId, message: str = "", error: bool = False) -> RedirectResponse:
    """To the incident's page, saying ``message`` there once (console/flash.py)."""
    return flash.redirect(request, f"/console/incidents/{incident_id}", message, error=error)


async def run_action(request: Request, incident_id: RowId, action, ok: str = "") -> RedirectResponse:
    try:
        async with request.app.state.sessions() as session:
            result = await action(session)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except FlowError as exc:
        return back(request, incident_id, str(exc), error=True)
    request.app.state.hub.publish({incident_id})
    return back(request, incident_id, ok(result) if callable(ok) else ok)


@router.post("/incidents/{incident_id}/claim")
async def claim(incident_id: RowId, request: Request) -> RedirectResponse:
    operator = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.claim(session=s, incident_id=incident_id, operator=operator, at=utcnow()),
    )


@router.post("/incidents/{incident_id}/verify")
async def verify(
    incident_id: RowId,
    request: Request,
    name: str = Form("", max_length=100),
    digits: str = Form("", max_length=10),
) -> RedirectResponse:
    operator = actor_of(request)

    def said(result: flows.Verification) -> str:
        if result.matched:
            return "verified"
        return "no match"

    return await run_action(
        request,
        incident_id,
        lambda s: flows.verify_house_code(
            session=s,
            incident_id=incident_id,
            operator=operator,
            name_given=name,
            digits=digits,
            at=utcnow(),
            key=key_from(request.app.state.secret_box),
        ),
        said,
    )


@router.post("/incidents/{incident_id}/question")
async def question(
    incident_id: RowId,
    request: Request,
    question_id: FormRowId,
    answer: str = Form("", max_length=200),
    name: str = Form("", max_length=100),
) -> RedirectResponse:
    operator = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.answer_question(
            session=s,
            incident_id=incident_id,
            operator=operator,
            name_given=name,
            question_id=question_id,
            answer=answer,
            at=utcnow(),
            key=key_from(request.app.state.secret_box),
        ),
        lambda r: "verified" if r.matched else "no match",
    )


@router.post("/incidents/{incident_id}/outcome")
async def outcome(
    incident_id: RowId, request: Request, outcome: Outcome = Form(...), reason: str = Form("", max_length=300)
) -> RedirectResponse:
    operator = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.record_outcome(
            session=s, incident_id=incident_id, operator=operator, outcome=outcome, reason=reason, at=utcnow()
        ),
        "recorded",
    )


@router.post("/incidents/{incident_id}/tasks/{task_id}")
async def task_done(
    incident_id: RowId, task_id: RowId, request: Request, reference: str = Form("", max_length=200)
) -> RedirectResponse:
    operator = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.complete_task(
            session=s,
            incident_id=incident_id,
            task_id=task_id,
            operator=operator,
            reference=reference,
            at=utcnow(),
        ),
        "recorded",
    )


@router.post("/incidents/{incident_id}/responder-on-site")
async def on_site(incident_id: RowId, request: Request) -> RedirectResponse:
    actor = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.responder_on_site(session=s, incident_id=incident_id, actor=actor, at=utcnow()),
        "recorded",
    )


@router.post("/incidents/{incident_id}/responder-check")
async def checked(
    incident_id: RowId, request: Request, needed: bool = Form(False), note: str = Form("", max_length=300)
) -> RedirectResponse:
    actor = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.responder_checked(
            session=s, incident_id=incident_id, actor=actor, authorities_needed=needed, note=note, at=utcnow()
        ),
        "recorded",
    )


@router.post("/incidents/{incident_id}/resolve")
async def resolve(
    incident_id: RowId, request: Request, reason: str = Form("", max_length=300)
) -> RedirectResponse:
    operator = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.resolve(
            session=s, incident_id=incident_id, operator=operator, reason=reason, at=utcnow()
        ),
        "resolved",
    )


@router.post("/incidents/{incident_id}/report-sent")
async def report(incident_id: RowId, request: Request) -> RedirectResponse:
    actor = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.report_sent(session=s, incident_id=incident_id, actor=actor, at=utcnow()),
        "recorded",
    )


@router.post("/incidents/{incident_id}/camera")
async def camera(
    incident_id: RowId,
    request: Request,
    risk_level: int = Form(..., ge=1, le=3),
    illegal_act: bool = Form(False),
) -> RedirectResponse:
    operator = actor_of(request)
    return await run_action(
        request,
        incident_id,
        lambda s: flows.camera_assessment(
            session=s,
            incident_id=incident_id,
            operator=operator,
            risk_level=risk_level,
            illegal_act=illegal_act,
            at=utcnow(),
        ),
        "recorded",
    )
