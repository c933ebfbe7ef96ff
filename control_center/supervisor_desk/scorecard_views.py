"""The supervisor's false-alarm scorecards: the page, its CSV and the service tasks for premises over the
threshold (the rules in supervisor_desk/scorecards.py); and the premises due for an end-to-end test, with
their service tasks (supervisor_desk/test_reminders.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.i18n import N_, translations
from control_center.supervisor_desk import scorecards, test_reminders
from control_center.web import flash
from control_center.web.locale import request_locale
from control_center.web.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[allowed(Permission.SUPERVISE)])
PAGE = "/console/supervisor/scorecards"
RAISED = N_("service tasks raised: %(n)d")


async def _cards(request: Request) -> scorecards.Scorecards:
    threshold = request.app.state.settings.false_alarm_task_threshold
    async with request.app.state.sessions() as session:
        return await scorecards.scorecards(session=session, now=utcnow(), threshold=threshold)


@router.get(PAGE)
async def page(request: Request) -> HTMLResponse:
    return render(request, "scorecards.html", cards=await _cards(request))


@router.get(PAGE + ".csv")
async def as_csv(request: Request) -> Response:
    cards = await _cards(request)
    body = scorecards.csv_bytes(cards, translations(request_locale(request)).gettext)
    day = cards.until.date().isoformat()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="false-alarm-scorecards-{day}.csv"'},
    )


@router.post(PAGE + "/tasks")
async def raise_tasks(request: Request) -> RedirectResponse:
    threshold = request.app.state.settings.false_alarm_task_threshold
    now = utcnow()
    async with request.app.state.sessions() as session:
        cards = await scorecards.scorecards(session=session, now=now, threshold=threshold)
        raised = await scorecards.raise_review_tasks(session=session, cards=cards, now=now)
        for premises_id in raised:
            audit.changed(
                session, actor_of(request), f"premises:{premises_id}", "false-alarm review raised", at=now
            )
        await session.commit()
    return flash.redirect(request, PAGE, RAISED, params={"n": len(raised)})


REMINDERS = "/console/supervisor/test-reminders"


@router.get(REMINDERS)
async def reminders_page(request: Request) -> HTMLResponse:
    days = request.app.state.settings.end_to_end_test_days
    async with request.app.state.sessions() as session:
        due = await test_reminders.due(session=session, now=utcnow(), days=days)
    return render(request, "test_reminders.html", due=due, days=days)


@router.post(REMINDERS + "/tasks")
async def raise_test_tasks(request: Request) -> RedirectResponse:
    days = request.app.state.settings.end_to_end_test_days
    now = utcnow()
    async with request.app.state.sessions() as session:
        due = await test_reminders.due(session=session, now=now, days=days)
        raised = await test_reminders.raise_test_tasks(session=session, premises=due, now=now)
        for premises_id in raised:
            audit.changed(
                session, actor_of(request), f"premises:{premises_id}", "end-to-end test task raised", at=now
            )
        await session.commit()
    return flash.redirect(request, REMINDERS, RAISED, params={"n": len(raised)})
