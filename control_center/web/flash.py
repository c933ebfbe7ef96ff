"""What an action says afterwards ("recorded", "no match", an error) travels in a short-lived cookie
sealed with the center's key, never in the query string: a link anyone can craft cannot put words
(or markup) on a console page. Secrets never travel this way: a new API token is shown in the answer to
its POST (``access/views.py``), never in a URL, a proxy log, the history or a cookie.

The page the action redirects to shows the message once (``render`` takes it and clears the cookie);
the template translates and escapes it like any other text.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from control_center.core.db import utcnow

COOKIE = "cc_flash"
LIFETIME = dt.timedelta(seconds=60)  # time enough to follow the redirect
PURPOSE = "flash"


@dataclass(frozen=True)
class Flash:
    text: str  # a msgid, translated where it is shown; user input in it is escaped there
    error: bool = False
    params: dict[str, str | int] = field(default_factory=dict)  # %(name)s arguments of the text
    path: str = "/"  # the page that shows it


def redirect(
    request: Request,
    path: str,
    text: str,
    *,
    error: bool = False,
    params: dict[str, str | int] | None = None,
    query: dict[str, str] | None = None,
    fragment: str = "",
) -> RedirectResponse:
    """303 to ``path`` (with ``query`` and ``fragment``) carrying ``text`` for that page (nothing when
    ``text`` is empty)."""
    location = (f"{path}?{urlencode(query)}" if query else path) + (f"#{fragment}" if fragment else "")
    response = RedirectResponse(location, status_code=303)
    if text:
        body = {
            "text": text[:500], "error": error, "params": params or {}, "path": path,
            "expires": (utcnow() + LIFETIME).timestamp(),
        }  # fmt: skip
        response.set_cookie(
            COOKIE,
            request.app.state.secret_box.seal(json.dumps(body).encode(), purpose=PURPOSE),
            max_age=int(LIFETIME.total_seconds()),
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


def take(request: Request) -> Flash | None:
    """The message for this page, if a sealed, unexpired one for exactly this path came with it."""
    sealed = request.cookies.get(COOKIE)
    if not sealed or len(sealed) > 8192:
        return None
    opened = request.app.state.secret_box.open(sealed, purpose=PURPOSE)
    try:
        body = json.loads(opened) if opened else None
        if not body or body["path"] != request.url.path or body["expires"] < utcnow().timestamp():
            return None
        return Flash(str(body["text"]), bool(body["error"]), dict(body["params"]), body["path"])
    except (ValueError, KeyError, TypeError):
        return None


def clear(response: Response) -> None:
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
