"""The signer reads the contract and the explanation of important matters before signing
(billing/esign/reading.py, the signing page in billing/esign/views.py)."""

from __future__ import annotations

import io
import re

import httpx
from pypdf import PdfReader

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from tests.billing.pdf_pages import png_of_first_page
from tests.billing.test_esign import BOX_KEY_HEX, PASSWORD, PIN, authority_for, customer


async def test_the_signer_sees_the_document_before_signing_and_must_confirm_reading_it(
    database_url, sessions, tmp_path
) -> None:
    subscriber_id, contract_id = await customer(sessions, name="中村 太郎")
    _, other_contract = await customer(sessions, name="田中 花子")
    await authority_for(sessions, subscriber_id, login="nakamura")
    settings = Settings(
        _env_file=None, database_url=database_url, mail_outbox_dir=str(tmp_path), secret_key=BOX_KEY_HEX
    )
    app = create_app(settings, sessions, Hub())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as browser:
        first = await browser.get(f"/esign/contracts/{contract_id}")
        asked = await browser.post(
            f"/esign/contracts/{contract_id}/code", data={"login": "nakamura", "password": PASSWORD}
        )
        link = re.search(r'href="(/esign/contracts/\d+/document\?ticket=[0-9a-f]+)"', asked.text).group(1)
        pdf = await browser.get(link)
        ticket = link.rsplit("=", 1)[1]
        forged = await browser.get(f"/esign/contracts/{contract_id}/document", params={"ticket": "00" * 40})
        elsewhere = await browser.get(
            f"/esign/contracts/{other_contract}/document", params={"ticket": ticket}
        )
        code = re.search(r"ワンタイムコード: (\d{6})", app.state.mailer.sent[-1].body).group(1)
        form = {"login": "nakamura", "password": PASSWORD, "code": code, "pin": PIN, "ticket": ticket}
        unread = await browser.post(f"/esign/contracts/{contract_id}/sign", data=form)
        done = await browser.post(f"/esign/contracts/{contract_id}/sign", data=form | {"read": "yes"})

    # Before the password nothing of the contract is shown; after it, the contract and its explanation.
    assert "中村" not in first.text and "解約金" not in first.text
    assert "中村 太郎" in asked.text and "重要事項の説明" in asked.text
    assert "解約金: 契約者の都合による中途解約の場合" in asked.text
    assert 'name="read"' in asked.text and "required" in asked.text
    # The PDF shown is the document that is signed: the same title and explanation, in Japanese.
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "契約書 兼 重要事項説明書" in text and "中村 太郎" in text and "解約金" in text
    image = png_of_first_page(pdf.content, tmp_path / "contract.png")
    assert image.getbbox() is not None  # something is drawn on the page
    # A ticket opens only the contract it was given for, and only when it is ours.
    assert (forged.status_code, elsewhere.status_code) == (403, 403)
    # Signing without confirming the reading signs nothing and shows the document again.
    assert "data-signed" not in unread.text and "重要事項の説明" in unread.text
    assert "契約書と重要事項説明の内容を確認したことをチェックしてください" in unread.text
    assert re.search(r'data-signed="\d+"', done.text)
