"""The contract and the explanation of important matters as one PDF, in Japanese, from the records: the
sections of billing/esign/contract_sections.py, wrapped to the A4 text width, over as many pages as they
need, in one font.

Fonts: IPA Gothic from Debian's fonts-ipafont-gothic (TrueType, embedded in the PDF so every reader
shows the same glyphs). ``scripts/install-fonts`` installs it; without it rendering says so plainly.
The canvas is invariant (no creation time, fixed document id): the same contract always renders the
same bytes, so the PDF read before signing is byte for byte the content that is signed (reading.py).
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from billing import pdf_font
from billing.esign.contract_sections import ContractText, Section, sections

# The font is shared with the invoices (billing/pdf_font.py); the names stay here for callers.
FONT, FONT_FILES, FontMissing, _font = pdf_font.FONT, pdf_font.FONT_FILES, pdf_font.FontMissing, pdf_font.font
__all__ = ["FONT", "FONT_FILES", "ContractText", "FontMissing", "Section", "explanation", "render", "wrap"]

LEFT, RIGHT, TOP, BOTTOM = 20 * mm, 20 * mm, 22 * mm, 20 * mm
# Kinsoku: these never start a line (they stay with the text before them).
NO_LINE_START = set("、。，．・：；？！ー」』）］｝〉》】%％,.:;)]")


def explanation(c: ContractText) -> list[str]:
    """The sections as plain lines (title first), as the signing page lists them."""
    return [line for s in sections(c) for line in (s.title, *s.paragraphs)]


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points, Japanese style (any character may end a
    line, except that closing punctuation is never moved to the start of the next)."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if current and stringWidth(current + ch, font, size) > width and ch not in NO_LINE_START:
            lines.append(current)
            current = ""
        current += ch
    if current:
        lines.append(current)
    return lines


def render(c: ContractText) -> bytes:
    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(f"ホームセキュリティ契約書 兼 重要事項説明書 第{c.number}号")
    pdf.setAuthor("コントロールセンター")
    width, height = A4
    text_width = width - LEFT - RIGHT
    y = height - TOP
    page = 1

    def footer() -> None:
        pdf.setFont(font, 8)
        pdf.drawCentredString(width / 2, 10 * mm, f"契約書 兼 重要事項説明書（第{c.number}号） {page}")

    def line(text: str, size: float, gap: float, indent: float = 0) -> None:
        nonlocal y, page
        if y < BOTTOM:
            footer()
            pdf.showPage()
            page += 1
            y = height - TOP
        pdf.setFont(font, size)
        pdf.drawString(LEFT + indent, y, text)
        y -= gap

    line(f"ホームセキュリティ契約書 兼 重要事項説明書（第{c.number}号）", 15, 11 * mm)
    for section in sections(c):
        y -= 2 * mm
        for part in wrap(section.title, font, 12, text_width):
            line(part, 12, 7 * mm)
        for paragraph in section.paragraphs:
            for part in wrap(paragraph, font, 9.5, text_width - 4 * mm):
                line(part, 9.5, 5.2 * mm, indent=4 * mm)
            y -= 1 * mm
    footer()
    pdf.save()
    return out.getvalue()
