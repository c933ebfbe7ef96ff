"""Trips the subscribers register (temporary contacts, the set-forget check) and the timers they arm.

The route is here, not in ``subscribers/``, because registering a trip schedules its timers
(``alarms/timers.py``), and the alarms build on the subscribers' tables, not the other way round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.alarms import timers
from control_center.core import audit
from control_center.subscribers.models import Premises, Trip, TripContact
from control_center.web.api_types import RowId

router = APIRouter(
    prefix="/api/premises", tags=["premises"], dependencies=[allowed(Permission.SUBSCRIBERS_WRITE)]
)


class TripContactIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=20, pattern=r"^[0-9+\-() ]+$")


class TripIn(BaseModel):
    departs_at: AwareDatetime
    returns_at: AwareDatetime
    set_forget_check: bool = False
    grace_minutes: int = Field(default=60, ge=0, le=24 * 60)
    contacts: list[TripContactIn] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _order(self) -> TripIn:
        if self.returns_at <= self.departs_at:
            raise ValueError("returns_at must be after departs_at")
        if self.returns_at - self.departs_at > dt.timedelta(days=366):
            raise ValueError("a trip lasts at most a year")
        return self


@router.post(
    "/{premises_id}/trips", status_code=201, summary="Register a trip: temporary contacts, set-forget check"
)
async def add_trip(premises_id: RowId, body: TripIn, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        if await session.get(Premises, premises_id) is None:
            raise HTTPException(status_code=404, detail=f"premises {premises_id} not found")
        trip = Trip(
            premises_id=premises_id,
            departs_at=body.departs_at,
            returns_at=body.returns_at,
            set_forget_check=body.set_forget_check,
            grace_minutes=body.grace_minutes,
            contacts=[
                TripContact(position=i, name=c.name, phone=c.phone) for i, c in enumerate(body.contacts, 1)
            ],
        )
        session.add(trip)
        await timers.schedule_trip(session=session, trip=trip)
        trip_dates = f"{body.departs_at:%Y-%m-%d}–{body.returns_at:%Y-%m-%d}"
        audit.changed(session, actor_of(request), f"premises:{premises_id}", f"trip {trip_dates}")
        await session.commit()
        return {"id": trip.id, "premises_id": premises_id, "set_forget_check": trip.set_forget_check}
