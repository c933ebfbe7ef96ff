"""Link supervision in the deployed arrangement: a separate `control-center gateway` writes how far its
intake has got into its heartbeat row; a serve process judges check-in deadlines no later than the slowest
live gateway, so a gateway minutes behind (a storm, a broker reconnect) does not raise a line cut for every
panel whose check-in it holds. A dead gateway (stale row) or one stopped on purpose does not hold it, and no
intake holds it past HOLD_MAX: a real silence is reported in the end whatever is stuck."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.runtime import Runtime
from control_center.signals.link_supervision import HOLD_MAX, judged_at
from control_center.subscribers.models import PanelAccount
from panel_gateway.heartbeat import Heartbeat
from panel_gateway.models import GatewayState, GatewayStatus
from simulators.demo.subscribers import seed


class _Gateway:
    """What a heartbeat reads of its gateway (``heartbeat.Reporting``)."""

    def __init__(self, subscribed: bool, problem: str | None = None) -> None:
        self.state = GatewayState(subscribed=subscribed, problem=problem, since=utcnow())
        self.changed = asyncio.Event()


def test_the_slowest_intake_decides_but_never_past_the_hold_limit() -> None:
    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    assert judged_at(now, []) == now
    assert judged_at(now, [now, now - dt.timedelta(seconds=90)]) == now - dt.timedelta(seconds=90)
    assert judged_at(now, [now + dt.timedelta(hours=1)]) == now  # never ahead of the clock
    assert judged_at(now, [now - dt.timedelta(hours=3)]) == now - HOLD_MAX


async def test_a_gateway_behind_holds_the_serve_supervision_and_a_dead_one_does_not(
    database_url: str, sessions
) -> None:
    async with sessions() as session:
        await seed(session=session, count=2)
        due = int((utcnow() - dt.timedelta(seconds=60)).timestamp())  # 1001 missed its check-in 60 s ago
        await session.execute(update(PanelAccount).values(check_in_seconds=60, check_in_deadline=due + 3600))
        await session.execute(
            update(PanelAccount).where(PanelAccount.account == "1001").values(check_in_deadline=due)
        )
        await session.commit()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url="mqtt://gw:pw@127.0.0.1:1",
        gateway_heartbeat_seconds=5,
    )
    runtime = Runtime(settings)
    try:
        behind = utcnow() - dt.timedelta(seconds=120)  # this gateway has stored what was sent until then
        beat = Heartbeat(sessions, _Gateway(True), "gw-a", 5, progress=lambda: behind)
        await beat.write(_Gateway(True).state)
        await runtime.refresh_gateways()
        assert runtime.supervision_as_of() <= behind + dt.timedelta(seconds=1)
        async with sessions() as session:
            assert await runtime.supervision.once(session) == []  # 1001's check-in may be in its backlog

        # The same gateway dead (its beat stale): the watchdog's business; supervision goes on by the clock.
        async with sessions() as session:
            await session.execute(update(GatewayStatus).values(beat_at=utcnow() - dt.timedelta(seconds=60)))
            await session.commit()
        await runtime.refresh_gateways()
        async with sessions() as session:
            assert await runtime.supervision.once(session) == ["1001"]
    finally:
        await runtime.close()


async def test_a_gateway_stopped_on_purpose_reports_no_progress(sessions, database_url: str) -> None:
    stopped = _Gateway(False, "stopped")
    beat = Heartbeat(sessions, stopped, "gw-b", 5, progress=lambda: utcnow() - dt.timedelta(hours=1))
    await beat.write(stopped.state)
    settings = Settings(_env_file=None, database_url=database_url, mqtt_url="mqtt://gw:pw@127.0.0.1:1")
    runtime = Runtime(settings)
    try:
        await runtime.refresh_gateways()
        assert utcnow() - runtime.supervision_as_of() < dt.timedelta(seconds=5)
    finally:
        await runtime.close()
