"""Refusals as a person sees them: a browser asking for a page gets an HTML page in its language with a
way back; an API client (anything not asking for HTML) keeps FastAPI's JSON ``{"detail": ...}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from control_center.core.i18n import N_, translations
from control_center.web.locale import request_locale
from control_center.web.rendering import render

# Each status a person may meet: a title and what to do, in plain words (the code's detail is English
# for API clients and logs; it is shown only when the catalog has words for it).
TITLES: dict[int, tuple[str, str]] = {
    401: (N_("Please sign in"), N_("Your session has ended or you are not signed in.")),
    403: (N_("Not allowed"), N_("Your role may not open this page or do this action.")),
    404: (N_("Not found"), N_("This page or record does not exist (any more).")),
    405: (N_("Not possible here"), N_("This address does not take this kind of request.")),
    409: (N_("Not possible now"), N_("The record changed meanwhile; reload the page and try again.")),
}
OTHER = (N_("Something went wrong"), N_("The request could not be completed."))


def wants_html(request: Request) -> bool:
    """A browser's navigation or form post asks for text/html first; fetch, htmx and API clients don't."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.headers.get("hx-request")


def back_link(request: Request) -> str | None:
    """The page the person came from, when it is one of ours (never another site's address)."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if referer.startswith(origin + "/"):
        path = referer[len(origin) :]
        if not path.startswith("//") and path != request.url.path:
            return path
    return None


def error_page(
    request: Request, status_code: int, detail: str = "", headers: dict[str, str] | None = None
) -> Response:
    title, advice = TITLES.get(status_code, OTHER)
    catalog = translations(request_locale(request))
    shown_detail = catalog.gettext(detail) if detail and catalog.gettext(detail) != detail else ""
    response = render(
        request,
        "error.html",
        status_code=status_code,
        title=title,
        advice=advice,
        detail=shown_detail,
        back=back_link(request),
        login=status_code == 401,
    )
    response.status_code = status_code
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """The app's handler for HTTPException: the page for a browser, the JSON detail for the API."""
    if wants_html(request) and 400 <= exc.status_code < 500:
        return error_page(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))
    return await http_exception_handler(request, exc)
