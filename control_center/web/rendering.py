"""The pages' Jinja environment (one per language, cached) and ``render``, which every page goes through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from control_center.core.i18n import LOCALES, install_escaping_gettext, translations
from control_center.web import audit_text, event_text, flash, formatting
from control_center.web.locale import request_locale

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"  # the pages' style sheet and scripts, served at /static

# Words the templates look up by name and key (``service_label(letter)``): msgids, registered by the
# composition root (control_center/app.py), since the shell imports no feature's vocabulary.
_vocabularies: dict[str, Mapping[str, str]] = {}


def add_vocabulary(name: str, msgids: Mapping[str, str]) -> None:
    """Lets templates call ``name(key)``: the msgid for ``key``, translated to the page's language."""
    if _vocabularies.get(name) is not msgids:
        _vocabularies[name] = msgids
        environment.cache_clear()  # an environment built before would lack it


def translator(locale: str, msgids: Mapping[str, str]) -> Callable[[str], str]:
    """``key`` -> its msgid in ``locale``: a vocabulary for a template rendered outside a page."""
    catalog = translations(locale)
    return lambda key: catalog.gettext(msgids[key])


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.filters["jst"] = formatting.jst
    env.filters["minutes"] = formatting.minutes
    env.filters["phone"] = formatting.domestic_phone
    env.filters["yen"] = lambda amount: formatting.yen(amount, locale)
    install_escaping_gettext(env, translations(locale))  # not Jinja's own: it marks translated text safe
    gettext = translations(locale).gettext
    # A record entry's stored detail and its actor in the page's words (web/event_text.py).
    env.filters["event_detail"] = lambda e: event_text.describe(e.kind, e.detail, gettext)
    # A message's arguments in the page's language: a refusal names a step or an agency by its msgid
    # (``call_premises``, ``police``); other text (a name, a reference) is no msgid and stays as it is.
    env.filters["words"] = lambda args: {k: gettext(v) if isinstance(v, str) else v for k, v in args.items()}
    env.globals["actor_name"] = lambda login, names=None: event_text.actor_name(login, names, gettext)
    env.filters["audit_subject"] = lambda subject: audit_text.audit_subject(subject, gettext)
    env.filters["audit_detail"] = lambda a: audit_text.audit_detail(a.action, a.detail, gettext)
    env.globals.update({name: translator(locale, msgids) for name, msgids in _vocabularies.items()})
    env.globals["locale"] = locale
    env.globals["locales"] = LOCALES
    return env


def render(request: Request, template: str, **context: object) -> HTMLResponse:
    """The page in the request's language, with the signed-in user, the CSRF token for its forms (put on
    ``request.state`` by the access guard; none for nobody) and the flash message, shown once."""
    locale = request_locale(request)
    principal = getattr(request.state, "principal", None)
    token = getattr(request.state, "csrf_token", "")
    shown = flash.take(request)
    html = (
        environment(locale)
        .get_template(template)
        .render(request=request, principal=principal, csrf_token=token, flash=shown, **context)
    )
    response = HTMLResponse(html)
    if shown is not None:
        flash.clear(response)  # shown once
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie("lang", locale, httponly=True, samesite="lax", max_age=365 * 86400)
    return response
