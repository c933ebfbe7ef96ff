"""The language a page is shown in."""

from __future__ import annotations

from fastapi import Request

from control_center.core.i18n import negotiate


def request_locale(request: Request) -> str:
    """The page's language: ``?lang=``, then the cookie, then the browser's, then the center's default."""
    return negotiate(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
        request.app.state.settings.default_locale,
    )
