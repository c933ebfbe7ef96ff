"""The console in a real browser (Debian's headless Chromium): an alarm appears without a reload."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import CI
from tests.control_center.conftest import System
from tests.helpers import PASSWORD, add_user

CHROMIUM = os.environ.get("CC_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_INSTALLED = os.path.exists(CHROMIUM)
# Without the background-networking flags Chromium keeps trying to reach Google on an offline machine.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Debian's Chromium, headless; a test that needs it fails in CI where it is missing, else skips."""
    if not CHROMIUM_INSTALLED:
        message = "Chromium is not installed (scripts/install-chromium installs Debian's)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page() -> AsyncIterator[object]:
    async with chromium() as browser:
        yield await browser.new_page(locale="ja-JP", viewport={"width": 1280, "height": 800})


async def sign_in(page, system: System, sessions, login: str, role: str = "operator") -> None:
    await add_user(sessions, role, login)
    await page.goto(f"{system.base_url}/console")  # not signed in: sent to the login form
    await page.fill("form.login input[name=login]", login)
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.click("form.login button")
    await page.wait_for_url(f"{system.base_url}/console")


async def test_a_fire_alarm_appears_on_the_open_console_without_reload(
    system: System, page, sessions, tmp_path
) -> None:
    await sign_in(page, system, sessions, "sato")
    await page.wait_for_selector("[data-count='0']")
    await page.evaluate("window.stillTheSamePage = true")

    await system.alarm("1002", 302)  # a trouble signal first
    await system.alarm("1003", 110)  # then a fire
    fire_row = page.locator("tr[data-service='B']")
    await fire_row.wait_for(timeout=10_000)
    await page.locator("table.queue[data-count='2']").wait_for(timeout=10_000)

    assert await page.evaluate("window.stillTheSamePage") is True
    rows = page.locator("table.queue tbody tr")
    assert await rows.first.get_attribute("data-service") == "B"  # life safety on top
    assert "火災監視" in await fire_row.inner_text()
    await page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    if shot := os.environ.get("CC_TEST_SCREENSHOT"):
        await page.screenshot(path=shot, full_page=True)

    await fire_row.get_by_role("link").click()
    await page.wait_for_selector("h1")
    assert "事案" in await page.inner_text("h1")
    assert "連絡順" in await page.content()


async def test_claim_call_verify_and_decide_in_the_browser(system: System, page, sessions) -> None:
    from sqlalchemy import select

    from control_center.incidents.models import Incident
    from simulators.demo.subscribers import plan

    house_code = plan(5)[0].house_code  # account 1001's, as the household would say it
    await system.alarm("1001", 130)
    await sign_in(page, system, sessions, "suzuki")
    await page.locator("tr[data-service='A'] a").first.click()
    await page.click("button[name=claim]")
    assert await page.get_attribute("[data-claimed-by]", "data-claimed-by") == "suzuki"
    assert await page.locator("button[value=false_alarm]").is_disabled()  # not verified yet

    await page.fill("form.verify input[name=name]", "山田花子")
    await page.fill("form.verify input[name=digits]", f"{(int(house_code) + 1) % 1000:03d}")
    await page.click("form.verify button")
    assert "不一致" in await page.inner_text(".flash")
    await page.fill("form.verify input[name=name]", "山田花子")
    await page.fill("form.verify input[name=digits]", house_code)
    await page.click("form.verify button")
    assert await page.get_attribute("[data-verified]", "data-verified") == "1"
    # Never shown: not as a number of its own (it may well be digits of a time, "199982 s after receipt").
    assert re.search(rf"(?<!\d){house_code}(?!\d)", await page.content()) is None

    await page.fill("form.outcomes input[name=reason]", "家族の誤操作")
    await page.click("button[value=false_alarm]")
    assert await page.get_attribute("[data-status]", "data-status") == "false_alarm"
    timeline = await page.inner_text("table.timeline")
    assert "本人確認" in timeline and "suzuki" in timeline
    await page.screenshot(path="/tmp/incident-flow.png", full_page=True)
    async with sessions() as session:
        incident = await session.scalar(select(Incident).where(Incident.account == "1001"))
    assert (incident.claimed_by, incident.verified, incident.closed_at is not None) == ("suzuki", True, True)
