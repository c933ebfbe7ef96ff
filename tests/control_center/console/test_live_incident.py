"""Live truth on the incident page, in real browsers: what anyone does to an incident shows on every open
page of it within a second, without a reload, and without taking away the focus or the text of the
operator who is typing there (issue 17)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from control_center.incidents.models import Incident
from simulators.households import Households
from tests.control_center.conftest import System, running_system
from tests.control_center.console.test_console_browser import chromium, sign_in
from tests.dispatch.test_responder_view import burglary, dispatch_ready
from tests.helpers import PASSWORD, add_user, eventually

# Notes the id of the next element htmx swaps new content into (window.swappedInto).
NOTE_NEXT_SWAP = (
    "() => { window.swappedInto = null; document.addEventListener('htmx:afterSettle',"
    " e => { window.swappedInto = e.target.id; }, {once: true}); }"
)
WITHIN_A_SECOND = 1_000  # ms: behaviour (the page follows by itself), not a benchmark
WORKSTATION = {"width": 1920, "height": 1080}


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    async with chromium() as launched:
        yield launched


async def workstation(browser) -> object:
    """A page in a browser context of its own: another operator's workstation (own cookies, own login)."""
    context = await browser.new_context(locale="ja-JP", viewport=WORKSTATION)
    return await context.new_page()


async def listening(page) -> None:
    """The page's event stream is open (live.js marks the body), so what happens next reaches it."""
    await page.locator("body[data-live='open']").wait_for(timeout=10_000)


async def incident_id_of(sessions, account: str) -> int:
    async def opened() -> int | None:
        async with sessions() as session:
            return await session.scalar(select(Incident.id).where(Incident.account == account))

    return await eventually(opened)


async def test_an_ivr_match_on_one_workstation_shows_on_the_other_keeping_its_typing(
    database_url, sessions, browser
) -> None:
    households = Households({}, set(), seed=1)
    async with running_system(database_url, sessions, households) as system:
        for number in households.codes:  # every household at home, keying its code
            households.script(number, "right_code")
        await system.alarm("1001", 130)
        incident_id = await incident_id_of(sessions, "1001")
        kato, ito = await workstation(browser), await workstation(browser)

        await sign_in(kato, system, sessions, "kato")
        await kato.goto(f"{system.base_url}/console/incidents/{incident_id}")
        await kato.click("button[name=claim]")
        await sign_in(ito, system, sessions, "ito")
        await ito.goto(f"{system.base_url}/console/incidents/{incident_id}")
        await listening(ito)
        false_alarm = ito.locator("button[value=false_alarm]")
        assert await false_alarm.is_disabled()
        assert await ito.get_attribute("[data-verified]", "data-verified") == "0"
        # Ito is in the middle of writing: a note in the first task's field, then the outcome's reason,
        # which keeps the focus.
        await ito.locator("ol.tasks input[name=reference]").first.click()
        await ito.keyboard.type("警察 受付12")
        await ito.locator("form.outcomes input[name=reason]").click()
        await ito.keyboard.type("家族と話し中")

        await listening(kato)
        await kato.get_by_role("button", name="ご利用先へ電話（自動音声で合言葉番号を入力）").click()

        async def verified() -> bool:
            async with sessions() as session:
                return bool(await session.scalar(select(Incident.verified).where(Incident.id == incident_id)))

        await eventually(verified)  # the household keyed the right code: the IVR matched
        await ito.locator("[data-verified='1']").wait_for(timeout=WITHIN_A_SECOND)
        await ito.locator("button[value=false_alarm]:not([disabled])").wait_for(timeout=WITHIN_A_SECOND)
        await ito.locator("[data-verification='match']").wait_for(timeout=WITHIN_A_SECOND)
        verification = ito.locator("table.timeline tr[data-event='verification']").first
        await verification.wait_for(timeout=WITHIN_A_SECOND)

        # Nothing Ito typed is lost, and the cursor is still in the field they were typing in.
        assert await ito.input_value("form.outcomes input[name=reason]") == "家族と話し中"
        assert await ito.locator("ol.tasks input[name=reference]").first.input_value() == "警察 受付12"
        focused = await ito.evaluate("document.activeElement && document.activeElement.id")
        assert focused == "outcome-reason"
        await ito.keyboard.type("。誤報")  # typing goes on where it was
        assert await ito.input_value("form.outcomes input[name=reason]") == "家族と話し中。誤報"
        assert await ito.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload

        # Kato, who holds it, calls it off for the verified resident; Ito's page follows to the end.
        await kato.fill("form.outcomes input[name=reason]", "家族の誤操作")
        await kato.click("button[value=false_alarm]")
        await kato.locator("[data-status='false_alarm']").wait_for()
        await ito.locator("[data-status='false_alarm']").wait_for(timeout=WITHIN_A_SECOND)
        assert await ito.locator("form.outcomes").count() == 0  # no control left for a closed incident


async def test_a_responders_steps_show_on_the_open_incident_page(system: System, sessions, browser) -> None:
    responder = await dispatch_ready(sessions)
    incident_id = await burglary(system, sessions)
    page = await workstation(browser)
    await sign_in(page, system, sessions, "sato")
    await page.goto(f"{system.base_url}/console/incidents/{incident_id}")
    await page.click("button[name=claim]")
    await listening(page)

    async with system.client() as operator:  # another operator sends the human responder (id 1)
        sent = await operator.post(f"/api/incidents/{incident_id}/assignments", json={"responder_id": 1})
    assert sent.status_code == 201
    assignment = page.locator(f"[data-assignment='{sent.json()['id']}']")
    await assignment.wait_for(timeout=WITHIN_A_SECOND)
    assert await page.locator("form.candidates input[type=radio]:checked").count() == 0  # no one-click second

    async with httpx.AsyncClient(base_url=system.base_url, headers=responder) as phone:
        steps = f"/api/responder/assignments/{sent.json()['id']}/steps"
        assert (await phone.post(steps, json={"action": "accept"})).status_code == 200
        await assignment.filter(has_text="受諾済み").wait_for(timeout=WITHIN_A_SECOND)
        await page.locator("tr[data-event='responder_accepted']").wait_for(timeout=WITHIN_A_SECOND)

        assert (await phone.post(steps, json={"action": "en_route"})).status_code == 200
        en_route = f"[data-assignment='{sent.json()['id']}'][data-responder-status='en_route']"
        await page.locator(en_route).wait_for(timeout=WITHIN_A_SECOND)
        assert (await phone.post(steps, json={"action": "arrived"})).status_code == 200
        await page.locator("[data-status='responder_on_site']").wait_for(timeout=WITHIN_A_SECOND)
        on_site = f"[data-assignment='{sent.json()['id']}'][data-responder-status='on_site']"
        await page.locator(on_site).wait_for(timeout=WITHIN_A_SECOND)

        assert (await phone.post(steps, json={"action": "all_clear"})).status_code == 200
        report = "窓の施錠を確認。異常なし。"
        assert (await phone.post(steps, json={"action": "report", "note": report})).status_code == 200
        await page.locator("p.report", has_text=report).wait_for(timeout=WITHIN_A_SECOND)
        await page.locator("tr[data-event='responder_report']").wait_for(timeout=WITHIN_A_SECOND)
    assert await page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded


async def test_a_change_to_another_incident_leaves_the_page_alone(system: System, sessions, browser) -> None:
    """The page re-fetches only for its own incident: the event names the changed ids."""
    await system.alarm("1001", 130)
    first = await incident_id_of(sessions, "1001")
    page = await workstation(browser)
    await sign_in(page, system, sessions, "sato")
    await page.goto(f"{system.base_url}/console/incidents/{first}")
    await listening(page)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/live/" in request.url else None)

    await system.alarm("1003", 110)  # a fire at another premises: another incident
    await incident_id_of(sessions, "1003")
    async with system.client() as operator:  # and someone claims it
        second = await incident_id_of(sessions, "1003")
        assert (await operator.post(f"/console/incidents/{second}/claim")).status_code == 303
    # Now a change to this incident, as a marker that events have been delivered in order.
    async with system.client() as operator:
        assert (await operator.post(f"/console/incidents/{first}/claim")).status_code == 303
    await page.locator("[data-claimed-by='op-api']").wait_for(timeout=5_000)
    assert fetched and all(f"/console/incidents/{first}/live/" in url for url in fetched)


async def test_the_elapsed_time_ticks_on_its_own(system: System, sessions, browser) -> None:
    await system.alarm("1003", 110)
    incident_id = await incident_id_of(sessions, "1003")
    page = await workstation(browser)
    await sign_in(page, system, sessions, "sato")
    await page.goto(f"{system.base_url}/console/incidents/{incident_id}")
    timer = page.locator("[data-since][data-elapsed]").first
    since = dt.datetime.fromisoformat(await timer.get_attribute("data-since"))
    first = int(await timer.get_attribute("data-elapsed"))
    assert abs(first - (dt.datetime.now(dt.UTC) - since).total_seconds()) < 5

    # No event, no request: the clock moves by itself.
    async def moved() -> bool:
        return int(await timer.get_attribute("data-elapsed")) >= first + 2

    await eventually(moved, timeout=10)
    assert ":" in await timer.inner_text()


async def test_the_supervisors_open_incidents_follow_and_keep_the_choice(
    system: System, sessions, browser
) -> None:
    await system.alarm("1001", 130)
    first = await incident_id_of(sessions, "1001")
    page = await workstation(browser)
    await add_user(sessions, "supervisor", "kimura")
    await page.goto(f"{system.base_url}/console/supervisor")
    await page.fill("form.login input[name=login]", "kimura")
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.click("form.login button")
    await page.wait_for_url(f"{system.base_url}/console/supervisor")
    await listening(page)
    await page.locator(f"#reassign-{first}").focus()
    await page.select_option(f"#reassign-{first}", "kimura")  # chosen by name, not yet sent

    await system.alarm("1003", 110)  # a fire elsewhere: a new row, no reload
    second = await incident_id_of(sessions, "1003")
    await page.locator(f"#open-incidents tr[data-incident='{second}']").wait_for(timeout=WITHIN_A_SECOND)
    async with system.client() as operator:  # someone claims the first: its operator column follows
        assert (await operator.post(f"/console/incidents/{first}/claim")).status_code == 303
    await page.locator(f"tr[data-incident='{first}'][data-claimed-by='op-api']").wait_for(
        timeout=WITHIN_A_SECOND
    )
    assert await page.input_value(f"#reassign-{first}") == "kimura"
    assert await page.evaluate("document.activeElement.id") == f"reassign-{first}"
    assert await page.evaluate("performance.getEntriesByType('navigation').length") == 1


async def test_the_responders_page_follows_the_job_and_keeps_the_report_being_written(
    system: System, sessions, browser
) -> None:
    responder = await dispatch_ready(sessions)
    incident_id = await burglary(system, sessions)
    async with system.client() as operator:
        sent = await operator.post(f"/api/incidents/{incident_id}/assignments", json={"responder_id": 1})
    assert sent.status_code == 201
    context = await browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(f"{system.base_url}/responder")
    await page.fill("form.login input[name=login]", "takahashi")
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.click("form.login button")
    await page.locator("section.job").wait_for()
    await listening(page)
    accept = page.get_by_role("button", name="受諾する")
    assert await accept.count() == 1

    async with httpx.AsyncClient(base_url=system.base_url, headers=responder) as phone:
        steps = f"/api/responder/assignments/{sent.json()['id']}/steps"
        # Steps taken elsewhere (the API) show at once: the buttons follow the state.
        assert (await phone.post(steps, json={"action": "accept"})).status_code == 200
        await page.locator("[data-status-word]", has_text="受諾済み").wait_for(timeout=WITHIN_A_SECOND)
        assert await accept.count() == 0
        for action in ("en_route", "arrived", "all_clear"):
            assert (await phone.post(steps, json={"action": action})).status_code == 200
        await page.locator("form.report textarea").wait_for(timeout=WITHIN_A_SECOND)

    await page.locator("form.report textarea").click()
    await page.keyboard.type("窓の施錠を確認")
    await page.evaluate(NOTE_NEXT_SWAP)
    async with system.client() as operator:  # the operator records something on the incident
        assert (await operator.post(f"/console/incidents/{incident_id}/claim")).status_code == 303

    async def swapped() -> str | None:
        return await page.evaluate("() => window.swappedInto")

    assert await eventually(swapped) == "assignment"  # the job was re-fetched and morphed in …
    assert await page.input_value("form.report textarea") == "窓の施錠を確認"  # … and the text stayed
    assert await page.evaluate("document.activeElement.id") == "report-note"
    await page.keyboard.type("。異常なし。")
    assert await page.input_value("form.report textarea") == "窓の施錠を確認。異常なし。"
