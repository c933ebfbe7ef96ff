"""A page fetches its content and opens its event stream at the same time. An alarm worked between the
two (after the queue was read, before the stream listened) has no event left for the page: the page
must ask again once it listens, or a fire waits unseen on a fresh console until something else
happens. The stream is held back in the browser to make that moment certain."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from control_center.incidents.models import Incident
from tests.control_center.conftest import System
from tests.control_center.console.test_console_browser import page, sign_in  # noqa: F401  (the fixture)
from tests.helpers import eventually


async def hold_events(page, path: str) -> asyncio.Event:  # noqa: F811 (the fixture, passed on)
    """The page's event stream at ``path`` waits in the browser until the returned event is set."""
    released = asyncio.Event()

    async def hold(route) -> None:
        await released.wait()
        await route.continue_()

    await page.route(f"**{path}", hold)
    return released


async def incidents(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Incident))


async def test_a_fire_worked_while_the_console_connects_is_shown(system: System, page, sessions) -> None:  # noqa: F811
    released = await hold_events(page, "/console/events")
    await sign_in(page, system, sessions, "sato")
    await page.wait_for_selector("[data-count='0']")  # the queue was read: empty

    await system.alarm("1003", 110)  # a fire, worked and announced while nobody listens
    await eventually(lambda: incidents(sessions))
    await asyncio.sleep(0.3)  # its event has gone out to the listeners there were: none
    released.set()

    await page.locator("body[data-live='open']").wait_for(timeout=10_000)
    await page.locator("tr[data-service='B']").wait_for(timeout=10_000)
    assert await page.locator("table.queue").get_attribute("data-count") == "1"
