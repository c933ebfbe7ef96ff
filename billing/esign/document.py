"""The contract and the explanation of important matters as one PDF, in Japanese, from the records.

Fonts: IPA Gothic from Debian's fonts-ipafont-gothic (TrueType, embedded in the PDF so every reader
shows the same glyphs). ``scripts/install-fonts`` installs it; without it rendering says so plainly.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from billing import pdf_font

# The font is shared with the invoices (billing/pdf_font.py); the names stay here for callers.
FONT, FONT_FILES, FontMissing, _font = pdf_font.FONT, pdf_font.FONT_FILES, pdf_font.FontMissing, pdf_font.font


@dataclass(frozen=True)
class ContractText:
    number: int
    subscriber: str
    address: str
    plan: str  # rental | purchase
    service_start: dt.date
    expiry: dt.date
    monthly_fee: int  # yen, tax excluded
    deposit: int


def explanation(c: ContractText) -> list[str]:
    """The explanation of important matters (重要事項説明), from the contract's terms."""
    lines = [
        f"契約期間: {c.service_start:%Y年%m月%d日}から5年間（満了日 {c.expiry:%Y年%m月%d日}）。",
        "満了日の3か月前までに書面による解約の申出がない場合、1年間自動更新し、以後も同様とします。",
        f"月額料金: {c.monthly_fee:,}円（税抜）。消費税は請求時の税率によります。",
    ]
    if c.plan == "rental":
        lines += [
            f"保証金: {c.deposit:,}円（無利息）。"
            "契約者の都合による中途解約および料金不払いによる解除の場合は返還しません。",
            "解約金: 契約者の都合による中途解約の場合、解約日の月額料金（税抜）× 1/5 × 残存月数。",
            "残存月数は解約日の翌日から満了日までの月数（端数日数は30.4で除し、小数点第2位以下切捨て）。",
            "残存月数が6か月未満の場合、解約金はいただきません。",
        ]
    else:
        lines.append("買取プランのため、保証金および解約金はありません。")
    lines += [
        "料金不払いの場合、書面で催告し、到達後20日を経過しても支払いがないときは契約を解除することがあります。",
        "料金の未払い期間中に発生した盗難等の損害は、盗難保険の対象となりません。",
    ]
    return lines


def render(c: ContractText) -> bytes:
    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"ホームセキュリティ契約書 第{c.number}号")
    pdf.setAuthor("コントロールセンター")
    height = A4[1]
    y = height - 25 * mm

    def line(text: str, size: float = 10.5, gap: float = 6.5 * mm, indent: float = 0) -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(font, size)
        pdf.drawString(20 * mm + indent, y, text)
        y -= gap

    line(f"ホームセキュリティ契約書 兼 重要事項説明書（第{c.number}号）", 15, 11 * mm)
    line(f"契約者: {c.subscriber} 様")
    line(f"警備対象: {c.address}")
    line(f"プラン: {'レンタルプラン' if c.plan == 'rental' else '買取プラン'}", gap=10 * mm)
    line("重要事項の説明", 12.5, 8 * mm)
    for text in explanation(c):
        for start in range(0, len(text), 44):  # 44 full-width characters fit the A4 text width
            line(text[start : start + 44], indent=4 * mm)
    y -= 4 * mm
    line("契約者は、本契約書および重要事項説明書の内容を確認し、一つの電子署名により両方に同意します。", 9.5)
    pdf.save()
    return out.getvalue()
