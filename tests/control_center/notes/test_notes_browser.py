"""Notes in real browsers (Debian's headless Chromium): a note written on one workstation shows on another
workstation's open page of the incident without a reload, and what that operator is typing stays."""

from __future__ import annotations

import os

from tests.control_center.conftest import System
from tests.control_center.console.test_console_browser import sign_in
from tests.control_center.console.test_live_incident import incident_id_of, listening, workstation

HOSTILE = "<b>太字?</b><script>window.pwned = 1</script>"


async def test_a_note_written_on_one_workstation_shows_on_the_other(
    system: System, sessions, browser
) -> None:
    await system.alarm("1001", 130)
    incident_id = await incident_id_of(sessions, "1001")
    kato, ito = await workstation(browser), await workstation(browser)
    await sign_in(kato, system, sessions, "kato")
    await sign_in(ito, system, sessions, "ito")
    for page in (kato, ito):
        await page.goto(f"{system.base_url}/console/incidents/{incident_id}")
        await page.locator("#notes textarea[name=body]").wait_for(timeout=10_000)  # the panel has loaded
        await listening(page)
    await ito.fill("#note-body", "下書き中")  # ito is typing a note of their own

    await kato.fill("#note-body", f"家族の到着を待つ {HOSTILE}")
    await kato.click("#notes button[type=submit]")
    await kato.locator("#notes [data-note]").first.wait_for(timeout=10_000)
    assert "メモを追加しました" in await kato.locator("[data-flash]").inner_text()

    shown = ito.locator("#notes [data-note] .note-body")
    await shown.first.wait_for(timeout=5_000)  # arrived live: no reload on ito's page
    assert await shown.first.inner_text() == f"家族の到着を待つ {HOSTILE}"  # as text, not markup
    assert await ito.locator("#notes [data-note] .note-author").first.inner_text() == "kato"
    assert await ito.input_value("#note-body") == "下書き中"
    assert await ito.evaluate("window.pwned === undefined")
    if shot := os.environ.get("CC_TEST_SCREENSHOT_PANEL"):
        await ito.locator("#premises-panel").screenshot(path=shot)
