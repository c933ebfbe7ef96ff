"""The billing clerk's workflow in a real browser (Debian's headless Chromium): find the subscriber by kana,
record a payment, download the invoice PDF (rendered to PNG and looked at), preview a cancellation for a
truly unavoidable reason, record the company's decision, confirm it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing.models import Contract, InvoiceRow
from tests.billing.pdf_pages import ink_share, png_of_first_page
from tests.control_center.conftest import running_system
from tests.control_center.console.test_console_browser import page  # noqa: F401 (the browser fixture)
from tests.control_center.console.test_subscriber_desk import REGISTRATION, household
from tests.helpers import PASSWORD, add_user

SCREENSHOTS = os.environ.get("CC_TEST_SCREENSHOT_DIR")  # docs/screenshots/ when the docs' pictures are made


@pytest.fixture
async def clerk_system(database_url: str, sessions, monkeypatch):
    monkeypatch.setenv("CC_INVOICE_REGISTRATION_NUMBER", REGISTRATION)
    async with running_system(database_url, sessions) as running:
        yield running


async def test_payment_invoice_pdf_and_a_decided_cancellation(clerk_system, page, sessions, tmp_path) -> None:  # noqa: F811
    home = await household(sessions)
    first, second = home.invoice_ids
    async with sessions() as session:
        total = (await session.get(InvoiceRow, first)).total
    await add_user(sessions, "billing_clerk", "kato")
    base = clerk_system.base_url
    await page.set_viewport_size({"width": 1920, "height": 1080})

    # Signed in, the clerk finds 中村 by his reading typed in hiragana.
    await page.goto(f"{base}/console/subscribers")
    await page.fill("form.login input[name=login]", "kato")
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.click("form.login button")
    await page.wait_for_url(f"{base}/console/subscribers")
    await page.fill("input[name=q]", "なかむら")
    await page.click("form.inline button")
    await page.get_by_role("link", name="中村 太郎").click()
    await page.wait_for_selector(f"section[data-contract='{home.contract_id}']")
    assert await page.get_attribute(".dunning", "data-fees-unpaid") == "1"

    # A bank transfer for the oldest invoice.
    payment = page.locator("form.payment")
    await payment.locator("input[name=amount]").fill(str(total))
    await payment.locator("select[name=method]").select_option("bank_transfer")
    await payment.locator("input[name=reference]").fill("振込 ナカムラ タロウ")
    await payment.locator("button").click()
    await page.wait_for_selector("[data-flash]")
    assert "入金を記録しました" in await page.inner_text("[data-flash]")
    assert await page.get_attribute(f"tr[data-invoice='{first}']", "data-paid") == "1"
    assert await page.get_attribute(f"tr[data-invoice='{second}']", "data-paid") == "0"
    assert "銀行振込" in await page.inner_text("table.payments")

    # The invoice PDF, downloaded as a person would, then looked at as a picture.
    async with page.expect_download() as download:
        await page.locator(f"tr[data-invoice='{first}'] a.invoice-pdf").click()
    saved = tmp_path / "invoice.pdf"
    await (await download.value).save_as(saved)
    pdf = saved.read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "請求書" in text and REGISTRATION in text and "中村 太郎" in text and f"{total:,}" in text
    ink = png_of_first_page(pdf, tmp_path / "invoice.png")
    top, middle = (0, 0, ink.width, ink.height // 4), (0, ink.height // 4, ink.width, ink.height // 2)
    assert ink_share(ink, top) > 0.002 and ink_share(ink, middle) > 0.002  # title, issuer, lines drawn

    # At 1366 px the invoice table must not run under the cancellation column: the PDF link takes the click.
    await page.set_viewport_size({"width": 1366, "height": 900})
    link = page.locator(f"tr[data-invoice='{second}'] a.invoice-pdf")
    await link.scroll_into_view_if_needed()
    box = await link.bounding_box()
    on_top = "([x, y]) => document.elementFromPoint(x, y)?.closest('a.invoice-pdf') !== null"
    assert await page.evaluate(on_top, [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    await page.set_viewport_size({"width": 1920, "height": 1080})
    assert ink_share(ink) < 0.5  # text on a page, not a black box (a font that failed renders as boxes)
    if SCREENSHOTS:
        (Path(SCREENSHOTS) / "clerk-invoice.png").write_bytes((tmp_path / "invoice.png").read_bytes())

    # A cancellation for a truly unavoidable reason: previewed first, the total pending the decision.
    cancel = page.locator("form.cancellation")
    await cancel.locator("input[name=end]").fill("2026-12-20")
    await cancel.locator("select[name=reason]").select_option("unavoidable")
    await cancel.locator("input[name=removal]").fill("15000")
    await cancel.locator("button").click()
    await page.wait_for_selector(f"[data-preview='{home.contract_id}']")
    assert await page.get_attribute("[data-total]", "data-total") == "pending"
    assert await page.locator("button[name=confirm]").is_disabled()
    assert await page.get_attribute("[data-removal]", "data-removal") == "15000"
    await page.screenshot(path=str(tmp_path / "clerk.png"))
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / "clerk-subscriber.png"))

    decision = page.locator("form.decision")
    await decision.locator("input[name=reduced_to]").fill("0")
    await decision.locator("input[name=decision_reason]").fill("隣家からの延焼で全焼（罹災証明書あり）")
    await decision.locator("button").click()
    await page.wait_for_selector("[data-decision='0']")
    assert await page.get_attribute("[data-fee]", "data-fee") == "0"
    assert not await page.locator("button[name=confirm]").is_disabled()
    owed = int(await page.get_attribute("[data-total]", "data-total"))
    await page.locator("button[name=confirm]").click()
    await page.wait_for_selector("[data-terminated='2026-12-20']")
    assert "契約を終了しました" in await page.inner_text("[data-flash]")
    async with sessions() as session:
        contract = await session.scalar(select(Contract).where(Contract.id == home.contract_id))
    assert (contract.terminated_on.isoformat(), contract.termination_reason) == ("2026-12-20", "unavoidable")
    assert owed >= 15_000 + 20_000  # removal and the kept deposit at least; no fee after the waiver
