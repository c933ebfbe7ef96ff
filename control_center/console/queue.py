"""The operator's queue (one row per premises, filters, SLA colours) and the new-alarm alert that every
console page fetches on each ``incidents`` event (static/alert.js). Rules are in ``queue_rules.py``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from control_center.access.guard import allowed
from control_center.access.roles import Permission
from control_center.access.service import names_of
from control_center.console import queue_rules
from control_center.core.db import utcnow
from control_center.incidents import service
from control_center.incidents.models import Incident
from control_center.signals.service_types import Priority, ServiceType
from control_center.subscribers.models import Premises
from control_center.web.rendering import render

router = APIRouter(include_in_schema=False)

ALERT_PRIORITY = Priority.ALARM  # P1 and P2 sound, flash and show the banner on every console page
ALERT_MAX = 10  # a storm shows the newest ten; the queue has the rest


@dataclass(frozen=True)
class Filters:
    services: frozenset[str]
    priorities: frozenset[int]

    def keeps(self, incident: Incident) -> bool:
        return (not self.services or incident.service_type in self.services) and (
            not self.priorities or incident.priority in self.priorities
        )


def filters_of(request: Request) -> Filters:
    """``?service=B&service=C&priority=1``; none given: everything. Anything else is refused, not ignored."""
    services = request.query_params.getlist("service")
    priorities = request.query_params.getlist("priority")
    known_services = {s.value for s in ServiceType}
    known_priorities = {str(p.value) for p in Priority}
    if not set(services) <= known_services or not set(priorities) <= known_priorities:
        raise HTTPException(status_code=400, detail="Unknown service or priority in the queue filter")
    return Filters(frozenset(services), frozenset(int(p) for p in priorities))


def _filter_context(filters: Filters) -> dict[str, object]:
    return {
        "services": [s.value for s in ServiceType],
        "priorities": [p.value for p in Priority],
        "filters": filters,
        "marks": queue_rules.PRIORITY_MARKS,
    }


@router.get("/console", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def console(request: Request) -> HTMLResponse:
    return render(request, "console.html", **_filter_context(filters_of(request)))


@router.get("/console/queue", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def queue(request: Request) -> HTMLResponse:
    filters = filters_of(request)
    now = utcnow()
    async with request.app.state.sessions() as session:
        incidents = [i for i in await service.list_open(session=session) if filters.keeps(i)]
        names = await names_of(session=session, logins={i.claimed_by or "" for i in incidents})
    sla = request.app.state.settings.sla_seconds
    return render(
        request,
        "_queue.html",
        rows=queue_rules.group_by_premises(incidents),
        count=len(incidents),
        names=names,
        sla={i.id: queue_rules.incident_sla(i, sla, now) for i in incidents},
        limits=sla,
        now=now,
        shorten=queue_rules.shorten,
        **_filter_context(filters),
    )


@router.get("/console/alerts", dependencies=[allowed(Permission.INCIDENTS_READ)])
async def alerts(request: Request) -> HTMLResponse:
    """The open, unclaimed P1/P2 incidents, newest first, as the banner; the workstation leaves out those it
    acknowledged (static/alert.js). All of them, not those after a last-seen id: two incidents may commit
    out of id order, and an alarm nobody took must not go quiet because a newer one was acknowledged."""
    async with request.app.state.sessions() as session:
        rows = await session.scalars(
            select(Incident)
            .where(
                Incident.priority <= ALERT_PRIORITY,
                Incident.closed_at.is_(None),
                Incident.claimed_by.is_(None),
            )
            .options(selectinload(Incident.premises).selectinload(Premises.subscriber))
            .order_by(Incident.id.desc())
            .limit(ALERT_MAX)
        )
        found = list(rows)
    return render(request, "_alert.html", alarms=found, marks=queue_rules.PRIORITY_MARKS)
