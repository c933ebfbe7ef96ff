"""The operator's actions on an incident from the console (forms posting here, then back to the page)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.alarms.action_plans import Outcome
from control_center.incidents import flows
from control_center.subscribers.house_code import key_from
from control_center.web.actions import run_step
from control_center.web.api_types import FormRowId, RowId

router = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_WORK)]
)


def _matched(result: flows.Verification) -> str:
    return "verified" if result.matched else "no match"


@router.post("/incidents/{incident_id}/claim")
async def claim(incident_id: RowId, request: Request) -> RedirectResponse:
    return await run_step(request, incident_id, flows.claim, operator=actor_of(request))


@router.post("/incidents/{incident_id}/verify")
async def verify(
    incident_id: RowId,
    request: Request,
    name: str = Form("", max_length=100),
    digits: str = Form("", max_length=10),
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        flows.verify_house_code,
        _matched,
        operator=actor_of(request),
        name_given=name,
        digits=digits,
        key=key_from(request.app.state.secret_box),
    )


@router.post("/incidents/{incident_id}/question")
async def question(
    incident_id: RowId,
    request: Request,
    question_id: FormRowId,
    answer: str = Form("", max_length=200),
    name: str = Form("", max_length=100),
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        flows.answer_question,
        _matched,
        operator=actor_of(request),
        name_given=name,
        question_id=question_id,
        answer=answer,
        key=key_from(request.app.state.secret_box),
    )


@router.post("/incidents/{incident_id}/outcome")
async def outcome(
    incident_id: RowId, request: Request, outcome: Outcome = Form(...), reason: str = Form("", max_length=300)
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        flows.record_outcome,
        "recorded",
        operator=actor_of(request),
        outcome=outcome,
        reason=reason,
    )


@router.post("/incidents/{incident_id}/tasks/{task_id}")
async def task_done(
    incident_id: RowId, task_id: RowId, request: Request, reference: str = Form("", max_length=200)
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        flows.complete_task,
        "recorded",
        task_id=task_id,
        operator=actor_of(request),
        reference=reference,
    )


@router.post("/incidents/{incident_id}/responder-on-site")
async def on_site(incident_id: RowId, request: Request) -> RedirectResponse:
    return await run_step(request, incident_id, flows.responder_on_site, "recorded", actor=actor_of(request))


@router.post("/incidents/{incident_id}/responder-check")
async def checked(
    incident_id: RowId, request: Request, needed: bool = Form(False), note: str = Form("", max_length=300)
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        flows.responder_checked,
        "recorded",
        actor=actor_of(request),
        authorities_needed=needed,
        note=note,
    )


@router.post("/incidents/{incident_id}/resolve")
async def resolve(
    incident_id: RowId,
    request: Request,
    reason: str = Form("", max_length=300),
    without_fire_dept: str = Form("", max_length=300),
) -> RedirectResponse:
    return await run_step(
        request, incident_id, flows.resolve, "resolved", operator=actor_of(request), reason=reason,
        without_fire_dept=without_fire_dept,
    )  # fmt: skip


@router.post("/incidents/{incident_id}/report-sent")
async def report(incident_id: RowId, request: Request) -> RedirectResponse:
    return await run_step(request, incident_id, flows.report_sent, "recorded", actor=actor_of(request))


@router.post("/incidents/{incident_id}/camera")
async def camera(
    incident_id: RowId,
    request: Request,
    risk_level: int = Form(..., ge=1, le=3),
    illegal_act: bool = Form(False),
    person_threatened: bool = Form(False),
) -> RedirectResponse:
    return await run_step(
        request,
        incident_id,
        flows.camera_assessment,
        "recorded",
        operator=actor_of(request),
        risk_level=risk_level,
        illegal_act=illegal_act,
        person_threatened=person_threatened,
    )
