"""``control-center demo``: the center on its embedded defaults, with the demo's subscribers, users
and responders, a simulated fleet of panels, households that answer the center's calls, and
responders who drive out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from control_center.access.models import User
from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.runtime import Runtime
from simulators import credentials
from simulators.demo.seed import seed_demo
from simulators.demo.subscribers import plan
from simulators.demo.users import DemoLogin, ensure_demo_users
from simulators.fleet import run_fleet
from simulators.households import Households
from simulators.responders import run_responders


@dataclass(frozen=True)
class DemoAccess:
    logins: list[DemoLogin]  # one user per role, with a password made for this start
    token: str  # an operator's API token


async def run_demo(
    settings: Settings, panels: int, interval: float, on_ready: Callable[[DemoAccess], None]
) -> None:
    """Seed (where empty), then run until cancelled; ``on_ready`` hears the logins once the console
    answers and the gateway is subscribed."""
    households = Households({}, set())
    runtime = Runtime(settings, households.answer_for)
    await runtime.prepare()
    async with runtime.sessions() as session:
        logins, token = await ensure_demo_users(session=session, at=utcnow())
        responder_user = await session.scalar(select(User.id).where(User.login == "responder"))
        await seed_demo(session=session, settings=settings, count=panels, responder_user_id=responder_user)
        known = await Households.from_database(session, panels)
        households.codes, households.contacts = known.codes, known.contacts
        # The simulated panels log in like real ones, with credentials the center issued.
        fleet = await credentials.commission(
            session=session, settings=settings, accounts=[p.account for p in plan(panels)]
        )
    server = runtime.web_server()

    async def ready() -> None:
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.05)
        await runtime.gateway.ready.wait()
        on_ready(DemoAccess(logins, token))

    await runtime.run(
        server.serve(),
        *runtime.gateway_loops(),
        runtime.worker.run(),
        runtime.supervision.run(),
        *await runtime.receivers(),
        run_fleet(settings, fleet, interval),
        run_responders(runtime.sessions, settings, runtime.hub.publish),
        ready(),
    )
