"""Gettext catalogs (Babel .po files, compiled in memory at start-up) and the request's locale."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("ja", "en")


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogs; it is translated where it is shown."""
    return message


LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(query: str | None, cookie: str | None, accept_language: str | None, default: str) -> str:
    """?lang= wins, then the cookie, then the browser's first supported language, then the default."""
    for candidate in (query, cookie):
        if candidate in LOCALES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LOCALES:
            return tag
    return default
