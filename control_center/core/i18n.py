"""Gettext catalogs (Babel .po files, compiled in memory at start-up) and the request's locale."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import escape

LOCALES = ("ja", "en")


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogs; it is translated where it is shown."""
    return message


LOCALE_DIR = Path(__file__).parent.parent / "locale"


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


def install_escaping_gettext(env: Environment, catalog: gettext.NullTranslations) -> None:
    """``_``, ``gettext`` and ``ngettext`` for templates that never let text become markup.

    Jinja's own (``install_gettext_translations``) marks the translated text safe when autoescaping,
    which trusts the msgid: ``_(message)`` with a message built from user input (a query string, an
    exception naming a login) rendered as HTML. Here the translated text is escaped like any other
    value and then formatted with ``%(name)s`` arguments, which Markup escapes too. Without arguments
    nothing is formatted, so a ``%`` in a message cannot break the page.
    """
    env.add_extension("jinja2.ext.i18n")

    def finish(context: Context, text: str, variables: dict[str, Any]) -> str:
        if context.eval_ctx.autoescape:
            text = escape(text)  # a Markup: formatting it escapes the arguments
        return text % variables if variables else text

    @pass_context
    def gettext_(context: Context, message: str, /, **variables: Any) -> str:
        return finish(context, catalog.gettext(message), variables)

    @pass_context
    def ngettext_(context: Context, singular: str, plural: str, n: int, /, **variables: Any) -> str:
        return finish(context, catalog.ngettext(singular, plural, n), {"num": n, **variables})

    env.globals.update(gettext=gettext_, ngettext=ngettext_, _=gettext_)
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # {% trans %} passes arguments as keywords
