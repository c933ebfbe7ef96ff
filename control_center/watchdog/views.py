"""``/healthz`` (the alarm path), ``/readyz`` (this process) and the consoles' system-alarm banner."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from control_center.access.guard import allowed
from control_center.access.roles import Permission
from control_center.watchdog.readiness import OK
from control_center.watchdog.rules import SystemAlarm
from control_center.web.locale import request_locale
from control_center.web.rendering import environment

router = APIRouter(tags=["health"])
console = APIRouter(include_in_schema=False)


def _alarm(alarm: SystemAlarm) -> dict[str, str]:
    return {
        "kind": alarm.kind.value,
        "subject": alarm.subject,
        "since": alarm.since.isoformat(),
        "reason": alarm.reason,
    }


@router.get(
    "/healthz",
    summary="Whether alarms get through",
    description="200 while the alarm path works; 503 with the system alarms (and their reasons) when not: "
    "no gateway subscribed, a gateway silent, no signal stored for longer than the check-ins allow, "
    "a stored signal not worked (an alarm for 15 s, any other for 3 min), or the database unreachable.",
    responses={503: {"description": "system alarms in force"}},
)
async def healthz(request: Request) -> JSONResponse:
    alarms = await request.app.state.watchdog.check()
    body = {"status": "alarm" if alarms else "ok", "alarms": [_alarm(a) for a in alarms]}
    return JSONResponse(body, status_code=503 if alarms else 200)


@router.get(
    "/readyz",
    summary="Whether this process is serving",
    description="Web, database and what this process runs (its MQTT gateway subscribed, DC-09 listening): "
    "each `ok` or the reason it is not; 503 when any is not.",
    responses={503: {"description": "a part of this process is not serving"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks = await request.app.state.readiness.check(request.app.state.sessions)
    ready = all(state == OK for state in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@console.get("/console/system", dependencies=[allowed(Permission.INCIDENTS_READ, Permission.USERS_MANAGE)])
async def banner(request: Request) -> HTMLResponse:
    """The system-alarm banner on every console page (operators, supervisors, administrators);
    re-fetched on each ``system`` event, and every few seconds where there is no event stream."""
    # Not web.templates.render: that would take the page's flash message, should a poll come first.
    template = environment(request_locale(request)).get_template("_system_alarm.html")
    return HTMLResponse(template.render(alarms=request.app.state.watchdog.alarms))
