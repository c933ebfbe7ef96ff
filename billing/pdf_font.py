"""The Japanese font of every PDF billing makes (the contract and the invoices): IPA Gothic.

Debian's fonts-ipafont-gothic (TrueType), embedded in the PDF so every reader shows the same glyphs.
``scripts/install-fonts`` installs it; without it rendering says so plainly.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "IPAGothic"
FONT_FILES = (
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
)


class FontMissing(RuntimeError):
    pass


def font() -> str:
    """The registered font's name, registering it on first use."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_FILES if p.exists()), None)
        if path is None:
            raise FontMissing(
                "IPA Gothic is not installed: run scripts/install-fonts (Debian fonts-ipafont-gothic)"
            )
        pdfmetrics.registerFont(TTFont(FONT, str(path)))
    return FONT
