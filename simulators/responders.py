"""Simulated responders: they accept, drive toward the premises at the configured speed, arrive,
check, and file a report, through the same dispatch service a responder's phone uses.

Responders linked to a login (``Responder.user_id``) are people and are left alone. ``speedup``
shortens the drive (the demo uses 20×, so a 6-minute drive takes 18 s); the recorded times are real.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.core.tasks import stop_if_cancelled
from control_center.incidents.flows import FlowError
from control_center.incidents.models import Incident
from control_center.subscribers.models import Premises
from dispatch import service
from dispatch.geo import step_towards
from dispatch.models import Assignment, Responder, ResponderStatus
from dispatch.status import Action

log = logging.getLogger(__name__)
PAUSE = dt.timedelta(seconds=3)  # between steps that are not driving: reading the job, checking the house
REPORT = "外周および屋内を確認。異常なし。施錠を確認しました。"


async def tick(
    *, session: AsyncSession, settings: Settings, now: dt.datetime, seconds: float, speedup: float
) -> set[int]:
    """Advance every simulated responder by ``seconds``; returns the incidents that changed."""
    rows = await session.execute(
        select(Assignment, Responder, Premises)
        .join(Responder, Responder.id == Assignment.responder_id)
        .join(Incident, Incident.id == Assignment.incident_id)
        .join(Premises, Premises.id == Incident.premises_id)
        .where(Assignment.ended_at.is_(None), Responder.user_id.is_(None))
    )
    changed = set()
    for assignment, responder, premises in list(rows):
        last = (
            assignment.arrived_at
            or assignment.en_route_at
            or assignment.accepted_at
            or assignment.assigned_at
        )
        action, note = None, ""
        match responder.status:
            case ResponderStatus.ASSIGNED:
                action = Action.ACCEPT if assignment.accepted_at is None else Action.EN_ROUTE
            case ResponderStatus.EN_ROUTE:
                km = settings.dispatch_speed_kmh / settings.dispatch_road_factor * seconds * speedup / 3600
                lat, lon, arrived = step_towards(responder.lat, responder.lon, premises.lat, premises.lon, km)
                await service.move(session=session, responder_id=responder.id, lat=lat, lon=lon, at=now)
                await session.commit()
                action = Action.ARRIVED if arrived else None
                changed.add(assignment.incident_id)
            case ResponderStatus.ON_SITE if now - last >= PAUSE:
                action = Action.ALL_CLEAR
            case ResponderStatus.REPORTING if now - (assignment.cleared_at or last) >= PAUSE:
                action, note = Action.REPORT, REPORT
        if action is None:
            continue
        try:
            await service.act(
                session=session,
                assignment_id=assignment.id,
                action=action,
                actor=responder.name,
                at=now,
                note=note,
            )
        except FlowError as exc:  # e.g. the incident was closed meanwhile: the operator will release them
            log.info("simulated responder %s: %s", responder.name, exc)
            await session.rollback()
            continue
        changed.add(assignment.incident_id)
    return changed


async def run_responders(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    publish: Callable[[set[int]], None],
    speedup: float = 20.0,
    every: float = 1.0,
) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with sessions() as session:
                changed = await tick(
                    session=session, settings=settings, now=utcnow(), seconds=every, speedup=speedup
                )
        except Exception:  # the demo goes on; the next tick retries
            stop_if_cancelled()
            log.exception("simulated responders")
            continue
        if changed:
            publish(changed)
