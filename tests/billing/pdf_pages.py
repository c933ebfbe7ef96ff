"""PDF pages to PNG for the tests (PDFium, from the pypdfium2 wheel): what a person would see."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
from PIL import Image, ImageOps


def png_of_first_page(pdf: bytes, path: Path, scale: float = 2.0) -> Image.Image:
    """Render page 1, save it as ``path`` (PNG), and return the ink: the page inverted to grayscale, so
    ``getbbox()`` is where anything is drawn and None for a blank page."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    image.save(path, format="PNG")
    return ImageOps.invert(image.convert("L"))


def ink_share(ink: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    """How much of ``box`` (or the page) is drawn on: 0.0 blank, 1.0 solid."""
    region = ink.crop(box) if box else ink
    histogram = region.histogram()
    drawn = sum(histogram[64:])  # darker than a light grey on the original page
    return drawn / max(1, region.width * region.height)
