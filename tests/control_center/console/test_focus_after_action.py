"""After an action the incident page comes back where the operator was: every action is a POST answered by
a redirect, and without help the browser starts again at the top (the walkthrough of issue 17 found a
keyboard user Tabbing through the whole page after each step). Real browser, a short screen so that the
controls lie below the fold."""

from __future__ import annotations

from tests.control_center.conftest import System
from tests.control_center.console.test_console_browser import chromium, sign_in
from tests.dispatch.test_responder_view import dispatch_ready


async def in_view(page, selector: str) -> bool:
    return await page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
                  return r.bottom > 0 && r.top < window.innerHeight; }""",
        selector,
    )


async def focus_within(page, selector: str) -> bool:
    return await page.evaluate(
        "s => !!document.activeElement && !!document.activeElement.closest(s)", selector
    )


async def clear_of_flash(page, selector: str) -> bool:
    """The element does not lie under the (sticky) flash: nothing the operator is sent to is hidden."""
    return await page.evaluate(
        """s => { const f = document.querySelector('[data-flash]').getBoundingClientRect();
                  const r = document.querySelector(s).getBoundingClientRect();
                  return r.bottom <= f.top || r.top >= f.bottom; }""",
        selector,
    )


async def test_the_focus_returns_to_the_form_sent_and_the_answer_stays_in_view(
    system: System, sessions
) -> None:
    await dispatch_ready(sessions)
    async with chromium() as browser:
        page = await browser.new_page(locale="ja-JP", viewport={"width": 1280, "height": 480})
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        await sign_in(page, system, sessions, "sato")
        await system.alarm("1003", 110)  # fire
        await page.locator("tr[data-service='B'] a").first.click()
        await page.click("button[name=claim]")
        await page.fill("form.outcomes input[name=reason]", "煙の確認")
        await page.click("button[value=confirmed]")
        await page.locator("[data-status='confirmed']").wait_for()

        # A refusal: closing while the dispatch is open. Back in the field to correct, the red answer in view.
        await page.fill("form.resolve input[name=reason]", "確認済み")
        async with page.expect_navigation():
            await page.press("form.resolve input[name=reason]", "Enter")
        await page.locator("[data-flash].error").wait_for()
        assert await focus_within(page, "form.resolve"), "the focus is not back on the refused form"
        assert await page.evaluate("window.scrollY") > 0  # the form is below the fold: the page scrolled
        assert await in_view(page, "form.resolve") and await in_view(page, "[data-flash]")
        assert await clear_of_flash(page, "form.resolve"), "the answer hides the form sent"

        # A success: the 119 task done; its form is gone, the focus is on the task, the answer in view.
        field = "li[data-task='notify:fire_dept'] input[name=reference]"
        await page.fill(field, "119 受付番号 7")
        async with page.expect_navigation():
            await page.press(field, "Enter")
        await page.locator("li[data-task='notify:fire_dept'][data-task-done]").wait_for()
        assert await focus_within(page, "li[data-task='notify:fire_dept']")
        assert await in_view(page, "li[data-task='notify:fire_dept']") and await in_view(page, "[data-flash]")
        assert await clear_of_flash(page, "li[data-task='notify:fire_dept']")

        # Only the page that followed the action: opening the incident again starts at the top.
        await page.goto(page.url)
        assert await page.evaluate("window.scrollY") == 0
        assert missing == []  # the favicon included: every page asks for /static/favicon.ico, served


async def test_on_a_wide_screen_the_answer_hides_neither_the_facts_nor_the_premises(
    system: System, sessions
) -> None:
    """1920×1080: after a refusal the red answer sticks to the top; the premises column beside it starts
    below it, and the focused form is clear of it."""
    await dispatch_ready(sessions)
    async with chromium() as browser:
        page = await browser.new_page(locale="ja-JP", viewport={"width": 1920, "height": 1080})
        await sign_in(page, system, sessions, "sato")
        await system.alarm("1003", 110)  # fire
        await page.locator("tr[data-service='B'] a").first.click()
        await page.click("button[name=claim]")
        await page.fill("form.outcomes input[name=reason]", "煙の確認")
        await page.click("button[value=confirmed]")
        await page.locator("[data-status='confirmed']").wait_for()
        await page.fill("form.resolve input[name=reason]", "確認済み")
        async with page.expect_navigation():
            await page.press("form.resolve input[name=reason]", "Enter")
        await page.locator("[data-flash].error").wait_for()
        assert await in_view(page, "[data-flash]") and await clear_of_flash(page, "form.resolve")
        assert await clear_of_flash(page, "#incident-facts")
        for scrolled in (0, 200, 600):
            await page.evaluate("y => window.scrollTo(0, y)", scrolled)
            assert await clear_of_flash(page, ".incident-side"), (
                f"the premises column under the flash at {scrolled}"
            )
        assert (
            await page.evaluate("getComputedStyle(document.querySelector('[data-flash]')).position")
            == "sticky"
        )
        icon = await page.evaluate("document.querySelector('link[rel=icon]').href")
        assert icon.endswith("/static/favicon.ico")
        answer = await page.request.get(icon)
        assert answer.status == 200 and (await answer.body())[:4] == b"\x00\x00\x01\x00"  # an ICO file
