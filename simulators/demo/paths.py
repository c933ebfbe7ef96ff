"""The demo's supervised paths: one premises in four reports over a graded cellular path (EN 50136-1
SP3: a lost path reported within 60 minutes), the others keep the contract's 36-hour check of
cellular-only premises. The demo's panels speak MQTT only (``simulators/fleet.py``), so no demo panel
has an IP path: it would be reported lost for want of DC-09 polls, not for a fault. The demo's fleet
starts with the demo, so on each start the paths' clocks start again (a restart hours later is not a
line cut of every graded panel)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.signals import panel_paths
from control_center.signals.path_rules import Category, Channel
from control_center.subscribers.models import PanelAccount, PanelPath
from simulators.demo.subscribers import plan

GRADED_EVERY = 4
DEMO_CATEGORY = Category.SP3  # 60 min, well above the demo fleet's gaps between messages


async def seed_paths(*, session: AsyncSession, count: int, now: dt.datetime) -> int:
    """Commission the demo's graded paths where none are yet; returns how many panels got one."""
    if await session.scalar(select(func.count()).select_from(PanelPath)):
        second = int(now.timestamp())
        await session.execute(
            update(PanelPath)
            .where(PanelPath.lost_at.is_(None), PanelPath.deadline < second + PanelPath.overdue_seconds)
            .values(deadline=second + PanelPath.overdue_seconds)
        )
        await session.commit()
        return 0
    existing = set(await session.scalars(select(PanelAccount.account)))
    graded = [e.account for e in plan(count)[::GRADED_EVERY] if e.account in existing]
    for account in graded:
        await panel_paths.commission(session=session, account=account, category=DEMO_CATEGORY,
                                     primary=Channel.CELLULAR, backup=None, now=now)  # fmt: skip
    await session.commit()
    return len(graded)
