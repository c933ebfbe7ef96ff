"""The e-signed 契約書 兼 重要事項説明書 carries the contract's content (seed 000 ②, seed 002), and the
signer gives consent to electronic delivery on the signing page (seed 000 ②)."""

from __future__ import annotations

import datetime as dt
import io
import re

import httpx
from pypdf import PdfReader
from sqlalchemy import select

from billing.esign import document
from billing.esign.contract_sections import ContractText, sections
from billing.esign.models import SignedDocument
from control_center.app import create_app
from control_center.core.audit import AuditEntry
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from tests.billing.test_esign import BOX_KEY_HEX, PASSWORD, PIN, authority_for, customer

RENTAL = ContractText(7, "中村 太郎", "愛知県名古屋市中村区名駅1-1-1", "rental", dt.date(2024, 4, 21),
                      dt.date(2029, 4, 20), 5_500, 20_000, ("A", "B", "C", "D"))  # fmt: skip
PURCHASE = ContractText(8, "田中 花子", "東京都渋谷区神宮前1-1-1", "purchase", dt.date(2024, 4, 21),
                        dt.date(2029, 4, 20), 4_000, 0, ("A",))  # fmt: skip


def pdf_text(pdf: bytes) -> tuple[int, str]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return len(pages), "".join(p.extract_text() for p in pages).replace("\n", "").replace(" ", "")


def test_the_document_states_the_contracts_content_with_its_own_figures() -> None:
    """Seed 000 ②: the 警備業法 explanation of important matters and the contract, signed together; the
    content is seed 002's (重要事項 1–4, お知らせ (2)④, ご利用規定), the tax sentence seed 004 第8条."""
    text = "".join(line for s in sections(RENTAL) for line in (s.title, *s.paragraphs))
    for needed in (
        *(f"{letter}．" for letter in "ABCDEFGHI"),  # the services A–I
        "防犯サービス【ご契約】", "満5年間", "2029年04月20日", "1年間自動的に延長",  # term and renewal
        "保証金: 20,000円", "お返しするとき", "お返ししないとき",  # the deposit and when it is returned
        "5,500円 × 1/5 × 残存月数", "30.4日", "6か月未満", "真にやむを得ないとき", "減額するか",  # the fee
        "取り外しの費用", "3か月後に契約を終了", "合理的な範囲内で契約料金を変更",  # removal, company, price
        "サービスを停止", "10年間", "ガスセンサー", "15日前", "1か月前",  # suspension, repairs, notices
        "500,000円", "2,000,000円", "5,000円", "60日以内", "窃盗・強盗のために生じた火災・爆発",  # insurance
        "見舞金", "1,000,000円", "800円（税抜）", "個人情報保護法", "第12条（協議事項）",  # cards, data
        "料金の対象となる期間に適用される税率", "差額を別途",  # seed 004 第8条
        "一つの電子署名",
    ):  # fmt: skip
        assert needed in text, needed
    assert "請求時の税率" not in text
    purchase = "".join(line for s in sections(PURCHASE) for line in (s.title, *s.paragraphs))
    assert "保証金はありません" in purchase and "1/5" not in purchase and "保証金: " not in purchase


def test_the_pdf_runs_over_several_pages_and_always_renders_the_same_bytes() -> None:
    pdf = document.render(RENTAL)
    pages, text = pdf_text(pdf)
    assert pages >= 3
    for needed in ("契約書兼重要事項説明書", "5,500円×1/5×残存月数", "第12条（協議事項）", "差額を別途"):
        assert needed in text, needed
    assert document.render(RENTAL) == pdf  # no creation time: what is read is what is signed


async def test_consent_is_given_on_the_signing_page_and_the_read_pdf_is_what_is_signed(
    database_url, sessions, tmp_path
) -> None:
    """Seed 000 ②: consent to electronic delivery is given while using the signing service; the PDF
    read before signing is byte for byte the content signed (the signature is an incremental update)."""
    subscriber_id, contract_id = await customer(sessions, name="中村 太郎")
    await authority_for(sessions, subscriber_id, login="nakamura", consent=False)
    settings = Settings(
        _env_file=None, database_url=database_url, mail_outbox_dir=str(tmp_path), secret_key=BOX_KEY_HEX
    )
    app = create_app(settings, sessions, Hub())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as browser:
        asked = await browser.post(
            f"/esign/contracts/{contract_id}/code", data={"login": "nakamura", "password": PASSWORD}
        )
        assert 'name="consent"' in asked.text and "電磁的方法により受け取ることに同意します" in asked.text
        link = re.search(r'href="(/esign/contracts/\d+/document\?ticket=[0-9a-f]+)"', asked.text).group(1)
        read = (await browser.get(link)).content
        code = re.search(r"ワンタイムコード: (\d{6})", app.state.mailer.sent[-1].body).group(1)
        form = {"login": "nakamura", "password": PASSWORD, "code": code, "pin": PIN,
                "ticket": link.rsplit("=", 1)[1], "read": "yes"}  # fmt: skip
        refused = await browser.post(f"/esign/contracts/{contract_id}/sign", data=form)
        assert "data-signed" not in refused.text and 'name="consent"' in refused.text
        done = await browser.post(f"/esign/contracts/{contract_id}/sign", data=form | {"consent": "yes"})
        assert re.search(r'data-signed="\d+"', done.text), done.text[-1500:]
    async with sessions() as session:
        stored = await session.scalar(select(SignedDocument).where(SignedDocument.contract_id == contract_id))
        consent = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "consent_given", AuditEntry.actor == "nakamura")
        )
    assert consent is not None and consent.subject == f"subscriber:{subscriber_id}"
    assert stored.pdf[: len(read)] == read and len(stored.pdf) > len(read)
