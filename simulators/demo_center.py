"""``control-center demo``: the center on its embedded defaults, with the demo's subscribers, users
and responders, a simulated fleet of panels, households that answer the center's calls and links, and
responders who drive out. The simulated carrier's texts are shown (``on_text``) so the person trying
the demo can open the contacts' link page too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from control_center.access.models import User
from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.runtime import Runtime
from control_center.telephony.adapters import SimulatedTelephony
from simulators import credentials
from simulators.demo.phones import Phones, Text, local_url
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
    stop: Callable[[], None] = lambda: None  # ends the demo as Ctrl-C does (the web server exits)


def _quiet(_: object) -> None:
    return None


def print_text(text: Text) -> None:
    """How the demo shows an SMS: only the number's last four digits, the whole link."""
    print(f"SMS (simulated carrier) to {text.masked_to}: {text.link or text.body}", flush=True)


def print_answer(what: str) -> None:
    print(f"  household: {what}", flush=True)


async def run_demo(
    settings: Settings,
    panels: int,
    interval: float,
    on_ready: Callable[[DemoAccess], None],
    *,
    on_text: Callable[[Text], None] = _quiet,
    on_answer: Callable[[str], None] = _quiet,
    seed: int = 1,
    households: Households | None = None,
    speedup: float = 1.0,
) -> None:
    """Seed (where empty), then run until cancelled; ``on_ready`` hears the logins once the console
    answers and the gateway is subscribed; ``on_text`` each SMS the simulated carrier sends,
    ``on_answer`` what a household did with a link. ``seed``: the households' choices (a run repeats);
    ``households`` and ``speedup`` (the people's delays divided by it): for tests."""
    households = Households({}, set(), seed) if households is None else households
    runtime = Runtime(settings, households.answer_for)
    await runtime.prepare()
    async with runtime.sessions() as session:
        logins, token = await ensure_demo_users(session=session, at=utcnow())
        responder_user = await session.scalar(select(User.id).where(User.login == "responder"))
        await seed_demo(session=session, settings=settings, count=panels, responder_user_id=responder_user)
        households.learn(await Households.from_database(session, panels))
        # The simulated panels log in like real ones, with credentials the center issued.
        fleet = await credentials.commission(
            session=session, settings=settings, accounts=[p.account for p in plan(panels)]
        )
    server = runtime.web_server()
    phones: list[Coroutine[Any, Any, None]] = []
    if isinstance(runtime.telephony, SimulatedTelephony):  # with Twilio, real phones get real texts
        where = local_url(settings.http_host, settings.http_port)
        phones.append(Phones(runtime.telephony, households, where, on_text, on_answer, speedup).run())

    def stop() -> None:
        server.should_exit = True

    async def ready() -> None:
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.05)
        await runtime.gateway.ready.wait()
        on_ready(DemoAccess(logins, token, stop))

    await runtime.run(
        server.serve(),
        *runtime.gateway_loops(),
        runtime.worker.run(),
        runtime.supervision.run(),
        *await runtime.receivers(),
        run_fleet(settings, fleet, interval),
        run_responders(runtime.sessions, settings, runtime.hub.publish),
        *phones,
        ready(),
    )
