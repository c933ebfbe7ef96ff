"""A service task for a premises: an equipment (G) incident raised as a signal of its panel through the
center's intake, so that it is planned, queued and recorded like any equipment trouble (the contacts are
called to book a visit); at most once per premises and Tokyo month (the signal's message id is the key).
Used by the false-alarm scorecards and the end-to-end test reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.timezones import TOKYO
from control_center.signals import intake
from control_center.signals.service_types import Priority, ServiceType
from control_center.subscribers.models import PanelAccount


async def raise_once(
    *,
    session: AsyncSession,
    why: dict[int, str],
    key: str,
    code: str,
    description: str,
    now: dt.datetime,
) -> list[int]:
    """One task per premises of ``why`` (premises id → the raw text saying why) that has a panel, keyed
    ``<key>-<premises>-<Tokyo month>``; returns the premises for which one was raised now. Not committed."""
    if not why:
        return []
    accounts = await session.execute(
        select(PanelAccount.premises_id, PanelAccount.account)
        .where(PanelAccount.premises_id.in_(list(why)))
        .order_by(PanelAccount.id)
    )
    first: dict[int, str] = {}
    for premises_id, account in accounts.all():
        first.setdefault(premises_id, account)
    month = now.astimezone(TOKYO).strftime("%Y-%m")
    raised: list[int] = []
    for premises_id, account in first.items():
        row = {
            "account": account,
            "message_id": f"{key}-{premises_id}-{month}",
            "transport": "center",
            "received_at": now,
            "panel_time": None,
            "format": "center",
            "event_code": code,
            "qualifier": None,
            "partition": 0,
            "zone": 0,
            "device": None,
            "kind": "alarm",
            "service_type": ServiceType.EQUIPMENT.value,
            "priority": int(Priority.TROUBLE),
            "description": description,
            "raw": why[premises_id],
            "details": None,
        }
        if await intake.store_signals(session, [row]):
            raised.append(premises_id)
    return raised
