"""The whole fire flow by keyboard alone, in a real browser: Tab, Enter, typing and the incident page's
shortcuts, never a mouse click (issue 17: accessibility, a workstation for the night shift)."""

from __future__ import annotations

from sqlalchemy import select

from control_center.incidents import flows
from control_center.incidents.models import Incident
from simulators.demo.subscribers import plan
from tests.control_center.conftest import System
from tests.control_center.console.test_console_browser import page  # noqa: F401  (the fixture)
from tests.dispatch.test_responder_view import dispatch_ready
from tests.helpers import PASSWORD, add_user

TABS = 80  # more Tab presses than any page has stops before the one sought


async def focused(page, selector: str) -> bool:  # noqa: F811 (the fixture, passed on)
    return await page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


async def tab_to(page, selector: str) -> None:  # noqa: F811
    """Press Tab until the element ``selector`` has the focus, as a keyboard user would."""
    for _ in range(TABS):
        if await focused(page, selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


async def shortcut(page, key: str, selector: str) -> None:  # noqa: F811
    """A shortcut of the page; it must put the focus on ``selector``."""
    await page.keyboard.press(key)
    assert await focused(page, selector), f"{key} did not focus {selector}"


async def submit(page, key: str = "Enter") -> None:  # noqa: F811
    """A key that sends a form: wait for the page it leads to (the live page may show the result earlier,
    from the event, while the browser is still on its way to the new page)."""
    async with page.expect_navigation():
        await page.keyboard.press(key)


async def test_the_whole_fire_flow_by_keyboard_only(system: System, page, sessions) -> None:  # noqa: F811
    house_code = plan(5)[2].house_code  # account 1003's, as the resident would say it
    await dispatch_ready(sessions)  # depots, responders and key sets
    await page.set_viewport_size({"width": 1920, "height": 1080})
    await add_user(sessions, "operator", "yamada")
    await page.goto(f"{system.base_url}/console")  # the login form
    await tab_to(page, "form.login input[name=login]")
    await page.keyboard.type("yamada")
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{system.base_url}/console")

    await system.alarm("1003", 110)  # fire
    await page.locator("tr[data-service='B'] a").first.wait_for(timeout=10_000)
    await tab_to(page, "tr[data-service='B'] a")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/incidents/*")
    incident_id = int(page.url.rsplit("/", 1)[1])
    await page.locator("#shortcuts summary").wait_for()  # the legend is there

    # The common case fits the workstation's screen: claimed, the controls need no scrolling.
    await submit(page, "c")  # claim
    await page.locator("[data-claimed-by='yamada']").wait_for()
    await page.locator("#premises-panel section, #premises").first.wait_for()  # the premises shown too
    await page.screenshot(path="/tmp/kb-claimed.png")
    assert await page.evaluate("document.documentElement.scrollHeight") <= 1080

    await shortcut(page, "v", "form.verify input[name=name]")
    await page.keyboard.type("山田花子")
    await page.keyboard.press("Tab")
    await page.keyboard.type(house_code)
    await submit(page)
    await page.locator("[data-verified='1']").wait_for()

    # Shortcuts are letters: while the operator types, they are text, not commands.
    await shortcut(page, "o", "form.outcomes input[name=reason]")
    await page.keyboard.type("caller reports smoke in the kitchen, dry run over")
    assert await focused(page, "form.outcomes input[name=reason]")
    assert await page.input_value("form.outcomes input[name=reason]") == (
        "caller reports smoke in the kitchen, dry run over"
    )
    await tab_to(page, "button[value=confirmed]")
    await submit(page)
    await page.locator("[data-status='confirmed']").wait_for()

    # 119: the notification recorded with the fire department's reference.
    await tab_to(page, "li[data-task='notify:fire_dept'] input[name=reference]")
    await page.keyboard.type("119 受付番号 42")
    await submit(page)
    await page.locator("li[data-task='notify:fire_dept'][data-task-done]").wait_for()

    await shortcut(page, "d", "form.candidates input[type=radio]")
    await tab_to(page, "button[name=dispatch]")
    await submit(page)
    await page.locator("[data-assignment]").first.wait_for()

    await shortcut(page, "r", "form.resolve input[name=reason]")
    await page.keyboard.type("消防到着、焼損なし")
    await submit(page)
    await page.locator("[data-status='resolved']").wait_for()

    await shortcut(page, "w", "button[name=send_report]")
    await submit(page)
    await page.locator("[data-status='report_sent']").wait_for()
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
    assert (incident.claimed_by, incident.verified) == ("yamada", True)
    assert incident.closed_at is not None and incident.report_sent_at is not None
    kinds = {e.kind for e in incident.events}
    assert {"verification", "call_outcome", "responder_assigned", "closed", "report_sent"} <= kinds, kinds
    assert all(t.done_at is not None for t in incident.tasks)  # 119 among them

    await page.keyboard.press("Escape")  # back to the queue
    await page.wait_for_url(f"{system.base_url}/console")


async def test_shortcuts_stay_out_of_the_way(system: System, page, sessions) -> None:  # noqa: F811
    await system.alarm("1003", 110)
    await add_user(sessions, "operator", "mori")
    await page.goto(f"{system.base_url}/console")
    await page.fill("form.login input[name=login]", "mori")
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{system.base_url}/console")
    async with sessions() as session:
        incident_id = await session.scalar(select(Incident.id).where(Incident.account == "1003"))
    await page.goto(f"{system.base_url}/console/incidents/{incident_id}")

    await page.keyboard.press("?")
    assert await page.locator("#shortcuts[open]").count() == 1  # the legend, opened by "?"
    assert "クリック" not in await page.inner_text("#shortcuts")
    await page.keyboard.press("Escape")  # closes the legend, stays on the page
    assert await page.locator("#shortcuts[open]").count() == 0
    assert "/console/incidents/" in page.url
    await page.keyboard.press("Control+c")  # copying is not claiming
    assert await page.locator("button[name=claim]").count() == 1
    await page.keyboard.press("q")
    await page.wait_for_url(f"{system.base_url}/console")
