"""The invoice as a PDF in Japanese: a qualified invoice (billing/qualified_invoice.py), in the contract's
font (IPA Gothic, billing/pdf_font.py), drawn with reportlab as the contract is (billing/esign/document.py).
"""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from billing import pdf_font
from billing.qualified_invoice import QualifiedInvoice, is_reduced


def _yen(amount: int) -> str:
    return f"{amount:,}円"


def _rate(rate: Decimal) -> str:
    return f"{int(rate * 100)}%" if rate else "不課税"  # a cancellation fee is compensation, not a supply


def render_invoice_pdf(invoice: QualifiedInvoice) -> bytes:
    font = pdf_font.font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"請求書 {invoice.number}")
    pdf.setAuthor(invoice.issuer.name)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm

    def text(
        value: str, size: float = 10.5, x: float = left, gap: float = 6.5 * mm, end: bool = False
    ) -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm
        pdf.setFont(font, size)
        if end:
            pdf.drawRightString(x, y, value)
        else:
            pdf.drawString(x, y, value)
        if gap:
            y -= gap

    text("請求書（適格請求書）", 16, gap=11 * mm)
    text(f"{invoice.recipient} 様", 12, gap=0)
    text(f"請求書番号: {invoice.number}", 9.5, x=right, end=True)
    text(invoice.recipient_address, 9.5, gap=0)
    text(f"発行日: {invoice.issued_on:%Y年%m月%d日}", 9.5, x=right, end=True)
    text("", gap=0)
    text(f"お支払期限: {invoice.due_on:%Y年%m月%d日}", 9.5, x=right, end=True, gap=9 * mm)
    text(f"発行者: {invoice.issuer.name}", 10.5)
    text(f"登録番号: {invoice.issuer.registration_number}", 10.5)
    if invoice.issuer.address:
        text(invoice.issuer.address, 9.5)
    y -= 3 * mm
    text(f"ご請求金額（税込）: {_yen(invoice.total)}", 14, gap=9 * mm)
    text(f"対象期間: {invoice.period_start:%Y年%m月%d日} 〜 {invoice.period_end:%Y年%m月%d日}", 10.5,
         gap=9 * mm)  # fmt: skip

    text("取引年月日", 9.5, gap=0)
    text("内容", 9.5, x=left + 55 * mm, gap=0)
    text("税率", 9.5, x=right - 35 * mm, end=True, gap=0)
    text("金額（税抜）", 9.5, x=right, end=True, gap=2 * mm)
    pdf.line(left, y, right, y)
    y -= 5 * mm
    for line in invoice.lines:
        mark = "※" if is_reduced(line) else ""
        days = f"{line.start:%Y/%m/%d}"
        if line.start != line.end:
            days += f"〜{line.end:%m/%d}"
        text(days, 9.5, gap=0)
        text(f"{line.description}{mark}", 9.5, x=left + 55 * mm, gap=0)
        text(_rate(line.rate), 9.5, x=right - 35 * mm, end=True, gap=0)
        text(_yen(line.amount), 9.5, x=right, end=True)
    pdf.line(left, y + 3 * mm, right, y + 3 * mm)
    y -= 3 * mm
    for total in invoice.per_rate:
        if not total.rate:
            text(f"不課税  {_yen(total.taxable)}", 10.5, x=right, end=True)
            continue
        label = f"{_rate(total.rate)}対象" + ("（軽減税率）" if total.reduced else "")
        text(f"{label}  税抜 {_yen(total.taxable)}  消費税 {_yen(total.tax)}", 10.5, x=right, end=True)
    if invoice.previously_billed_tax:
        text(f"既にご請求済みの消費税 −{_yen(invoice.previously_billed_tax)}", 10.5, x=right, end=True)
    text(f"小計（税抜） {_yen(invoice.subtotal)}", 10.5, x=right, end=True)
    text(f"消費税合計 {_yen(invoice.tax)}", 10.5, x=right, end=True)
    text(f"合計（税込） {_yen(invoice.total)}", 12, x=right, end=True, gap=10 * mm)
    if any(t.reduced for t in invoice.per_rate):
        text("※は軽減税率（8%）対象です。", 9)
    text("消費税は税率ごとに合計した金額に対して計算し、1円未満を切り捨てています。", 9)
    text("お支払期限までにお支払いください（銀行振込・クレジットカード・コンビニ払い）。", 9)
    pdf.save()
    return out.getvalue()
