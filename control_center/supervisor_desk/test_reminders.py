"""Reminders for periodic end-to-end tests: the active premises whose last end-to-end test (a restore
recorded during a test or at commissioning, or commissioning itself: subscribers/test_mode.py
``due_for_test``) is older than ``Settings.end_to_end_test_days`` are listed for the supervisor, and each
can be given a service task the way the false-alarm scorecards raise theirs (scorecards.py): an equipment
(G) incident "end-to-end test due" raised as a signal of the premises' panel through the center's intake,
at most once per premises and Tokyo month (the message id is the key), so the contacts are called to book
the technician's visit.

A premises never tested is due only once it has been in service for the interval: its start is its
commissioning, else its contract's service start, else the day it was entered (``never_tested_due``), so a
freshly entered fleet does not fill the list with premises that could not have been tested yet.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing.models import Contract
from control_center.core.bulk import among
from control_center.core.i18n import N_
from control_center.core.timezones import TOKYO
from control_center.subscribers.models import Premises
from control_center.subscribers.test_mode import due_for_test
from control_center.supervisor_desk import service_tasks

TEST_DUE = N_("end-to-end test due")

Due = list[tuple[Premises, dt.datetime | None]]


def service_began(
    commissioned_at: dt.datetime | None, service_start: dt.date | None, created_at: dt.datetime | None
) -> dt.datetime | None:
    """Pure: when a premises came into service: commissioning, else the contract's service start (a
    Tokyo calendar day, taken from its midnight), else when it was entered."""
    if commissioned_at is not None:
        return commissioned_at
    if service_start is not None:
        return dt.datetime.combine(service_start, dt.time(), tzinfo=TOKYO).astimezone(dt.UTC)
    return created_at


def never_tested_due(began: dt.datetime | None, now: dt.datetime, interval: dt.timedelta) -> bool:
    """Pure: a premises never tested is due once it has been in service longer than the interval."""
    return began is None or now - began > interval


async def due(*, session: AsyncSession, now: dt.datetime, days: int) -> Due:
    interval = dt.timedelta(days=days)
    found = await due_for_test(session=session, now=now, interval=interval)
    never = [p.id for p, tested in found if tested is None]
    if not never:
        return found
    starts = dict(
        (
            await session.execute(
                select(Contract.premises_id, func.min(Contract.service_start))
                .where(among(session, Contract.premises_id, never))
                .group_by(Contract.premises_id)
            )
        ).all()
    )
    began = {p.id: service_began(p.commissioned_at, starts.get(p.id), p.created_at) for p, _ in found}
    return [(p, t) for p, t in found if t is not None or never_tested_due(began[p.id], now, interval)]


async def raise_test_tasks(*, session: AsyncSession, premises: Due, now: dt.datetime) -> list[int]:
    """A "end-to-end test due" equipment incident for each listed premises with a panel (once a Tokyo
    month); returns the premises for which one was raised now. Not committed."""
    why = {p.id: f"last end-to-end test: {at.isoformat() if at else 'never'}" for p, at in premises}
    return await service_tasks.raise_once(
        session=session, why=why, key="e2e-test-due", code="E2E", description=TEST_DUE, now=now
    )
