"""Running an operator's action on an incident from a form: in a session, then back to its page with what
came of it (a refusal of the rules in red), and the consoles told that the incident changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.web import flash
from control_center.web.api_types import RowId

# A message is a msgid, or a msgid with its %(name)s arguments (translated where it is shown, so a value
# never becomes part of the msgid).
Message = str | tuple[str, dict[str, str | int]]
Said = Message | Callable[[Any], Message]  # the message, or how to word it from the action's result


def back(
    request: Request, incident_id: RowId, message: Message = "", error: bool = False
) -> RedirectResponse:
    """To the incident's page, saying ``message`` there once (web/flash.py)."""
    text, params = message if isinstance(message, tuple) else (message, {})
    return flash.redirect(request, f"/console/incidents/{incident_id}", text, error=error, params=params)


async def run_action(
    request: Request, incident_id: RowId, action: Callable[[AsyncSession], Awaitable[Any]], ok: Said = ""
) -> RedirectResponse:
    """``action(session)``; an unknown row is 404, a refusal goes back to the page as an error."""
    try:
        async with request.app.state.sessions() as session:
            result = await action(session)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except Refused as exc:
        return back(request, incident_id, exc.said, error=True)
    request.app.state.hub.publish({incident_id})
    return back(request, incident_id, ok(result) if callable(ok) else ok)


async def run_step(
    request: Request,
    incident_id: RowId,
    step: Callable[..., Awaitable[Any]],
    ok: Said = "",
    /,
    **arguments: Any,
) -> RedirectResponse:
    """The usual action: ``step(session=…, incident_id=…, at=now, **arguments)`` (the actor among them)."""
    return await run_action(
        request,
        incident_id,
        lambda session: step(session=session, incident_id=incident_id, at=utcnow(), **arguments),
        ok,
    )
