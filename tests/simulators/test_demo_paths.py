"""The demo's panels: one in four on a graded cellular path, the rest on the 36-hour check."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from control_center.signals.path_rules import Category, Role, rule
from control_center.subscribers.models import PanelAccount, PanelPath
from simulators.demo.paths import seed_paths
from simulators.demo.subscribers import seed

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


async def test_demo_paths_are_graded_cellular_and_restart_with_the_demo(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=8)
        assert await seed_paths(session=session, count=8, now=T0) == 2
        paths = list(await session.scalars(select(PanelPath).order_by(PanelPath.account)))
        panels = {p.account: p.check_in_seconds for p in await session.scalars(select(PanelAccount))}
    assert [(p.account, p.channel, p.category) for p in paths] == [("1001", "cellular", "SP3"),
                                                                   ("1005", "cellular", "SP3")]  # fmt: skip
    assert panels["1001"] is None and panels["1002"] == 36 * 3600
    later = T0 + dt.timedelta(hours=5)
    async with sessions() as session:
        assert await seed_paths(session=session, count=8, now=later) == 0
        deadlines = set(await session.scalars(select(PanelPath.deadline)))
    assert deadlines == {int(later.timestamp()) + rule(Category.SP3, Role.PRIMARY).overdue_seconds}
