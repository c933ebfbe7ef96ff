"""In the running system with the simulated carrier: the operator clicks "call premises" and sees the
household answer and the verification result, live, in the browser."""

from __future__ import annotations

import re

from sqlalchemy import select

from control_center.incidents.models import Incident, VerificationAttempt
from simulators.demo.subscribers import plan
from simulators.households import Households
from tests.control_center.conftest import running_system
from tests.control_center.console.test_console_browser import sign_in
from tests.helpers import eventually


async def test_the_operator_calls_the_premises_and_the_household_keys_the_code(
    database_url, sessions, page
) -> None:
    households = Households({}, set(), seed=1)
    async with running_system(database_url, sessions, households) as system:
        for number in households.codes:  # every household at home, keying its code
            households.script(number, "right_code")
        await system.alarm("1001", 130)
        await sign_in(page, system, sessions, "kato")
        await page.locator("tr[data-service='A'] a").first.click()
        await page.click("button[name=claim]")
        await page.get_by_role("button", name="ご利用先へ電話（自動音声で合言葉番号を入力）").click()
        # No reload: the calls section follows the carrier's reports.
        await page.locator("[data-call-result='answered']").wait_for(timeout=15_000)
        await page.locator("[data-verification='match']").wait_for(timeout=15_000)
        await page.screenshot(path="/tmp/demo-call.png", full_page=True)
        # Never shown: not as a number of its own in the page's text (a 3-digit string can turn up inside
        # a time or an id by chance, which is not the code shown).
        shown = await page.inner_text("body")
        assert not re.search(rf"(?<![\d.:]){plan(5)[0].house_code}(?![\d.:])", shown)

        async def verified() -> bool:
            async with sessions() as session:
                incident = await session.scalar(select(Incident).where(Incident.account == "1001"))
                return incident.verified

        assert await eventually(verified)
        async with sessions() as session:
            (attempt,) = list(await session.scalars(select(VerificationAttempt)))
        assert (attempt.method, attempt.matched, attempt.actor) == ("ivr", True, "kato")
