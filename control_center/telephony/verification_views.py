"""The contacts' link page (public: no login, only through the signed token) and the console's view of it.

``/v/{token}``: what happened, where (the center's and the premises' names, never the address), everyone's
answers (live), and the three choices. A forged, altered or unknown token is 403, an expired one 410, each
a page in the contact's language (Japanese first). An answer always ends in a redirect back to the page
with its result or why it was refused (``?r=`` / ``?e=``: a reload never posts again). Each recipient has
a small request budget (``Budget``) so a leaked link cannot be used to flood the center; house-code
guesses are limited by the incident's shared attempts (``verification.answer``).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.guard import allowed
from control_center.access.roles import Permission
from control_center.core.db import utcnow
from control_center.core.i18n import N_, translations
from control_center.incidents import flows
from control_center.incidents.flows import FlowError
from control_center.incidents.service import signals_of
from control_center.subscribers.house_code import key_from
from control_center.subscribers.models import Device, PremisesZone
from control_center.telephony import verification
from control_center.telephony import verification_links as links
from control_center.web.api_types import RowId
from control_center.web.locale import request_locale
from control_center.web.rendering import render
from panel_gateway.protocols.mqtt_payload import images_in

public = APIRouter(prefix="/v", include_in_schema=False)
console = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_READ)]
)

FORGED = N_("This link is not valid. Please use the link in the text message you received.")
EXPIRED = N_("This link has expired. The center will call the registered contacts.")
TOO_MANY = N_("Too many requests from this link. Please wait a minute and try again.")
RESULTS = {
    "cancelled": N_("The alarm was cancelled as a false alarm. Thank you."),
    "requested": N_(
        "The house code number matched. Your request to cancel was sent to the center, which decides and "
        "will call you if needed."
    ),
    "recorded": N_("Your answer was sent to the center and to the other contacts."),
}
# Why an answer was not taken (``?e=``): shown in the error box.
ERRORS = {
    "wrong_code": N_("The house code number did not match. The alarm was not cancelled."),
    "too_long": N_("The house code number is too long. Please enter it again."),
    "locked": verification.NO_ATTEMPTS,
    "handling": verification.HANDLING,
    "closed": verification.CLOSED,
    "expired": verification.EXPIRED,
    "unknown": verification.UNKNOWN,
    "busy": TOO_MANY,
}
_ERROR_OF = {msgid: name for name, msgid in ERRORS.items()}
HEARTBEAT_SECONDS = 15
STREAMS_PER_RECIPIENT = 3


class Budget:
    """At most ``limit`` requests per recipient in a sliding minute (this process; links are short-lived,
    so what a restart forgets does not matter). Only valid tokens get here, so the keys are bounded."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[int, deque[float]] = defaultdict(deque)

    def take(self, key: int) -> bool:
        now = time.monotonic()
        seen = self._seen[key]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        if len(self._seen) > 10_000:  # forget the quiet ones
            for k in [k for k, v in self._seen.items() if not v or v[-1] <= now - self.window]:
                del self._seen[k]
        return True


class Limits:
    """This app's budgets and open streams per recipient (on ``app.state``: one set per running app)."""

    def __init__(self) -> None:
        self.views, self.answers = Budget(60), Budget(10)
        self.streams: dict[int, int] = defaultdict(int)


def _limits(request: Request) -> Limits:
    state = request.app.state
    if getattr(state, "verification_limits", None) is None:
        state.verification_limits = Limits()
    return state.verification_limits


def _refuse(request: Request, status: int, message: str) -> HTMLResponse:
    response = render(request, "verify_refused.html", message=message)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _claim(request: Request, token: str) -> links.Claim | HTMLResponse:
    key = request.app.state.secret_box.subkey(links.PURPOSE)
    claim = links.read(key, token, utcnow())
    if isinstance(claim, links.Refusal):
        expired = claim.reason == "expired"
        return _refuse(request, 410 if expired else 403, EXPIRED if expired else FORGED)
    return claim


async def _zone_names(session: AsyncSession, premises_id: int | None, zones: list[int]) -> dict[int, str]:
    """The names of the zones (the installer's zone list, else the equipment's device), by number."""
    if premises_id is None or not zones:
        return {}
    found: dict[int, str] = {}
    for model in (Device, PremisesZone):  # the zone list last: its name wins
        rows = await session.execute(
            select(model.zone, model.name).where(model.premises_id == premises_id, model.zone.in_(zones))
        )
        found |= {zone: name for zone, name in rows.all() if name}
    return found


async def _page_context(request: Request, session: AsyncSession, claim: links.Claim) -> dict[str, object]:
    recipient = await verification.recipient_of(session, claim)
    incident = await flows.load(session=session, incident_id=claim.incident_id)
    view = await verification.view_of(session=session, incident_id=incident.id)
    signals = await signals_of(session=session, incident_id=incident.id)
    zones = sorted({s.zone for s in signals if s.kind == "alarm" and s.zone})
    names = await _zone_names(session, incident.premises_id, zones)
    gettext = translations(request_locale(request)).gettext
    is_open = view is not None and view.link.state in verification.OPEN_STATES
    label = verification.premises_label(incident.premises, gettext) if incident.premises else ""
    return {
        "incident": incident,
        "me": recipient,
        "view": view,
        "zones": [(z, names.get(z, "")) for z in zones],
        "center_name": request.app.state.settings.center_name,
        "no_attempts": verification.NO_ATTEMPTS,
        "premises_label": label,
        "images": [image for s in signals for image in images_in(s.raw)][:6],
        "expires_at": claim.expires_at,
        "is_open": incident.closed_at is None and is_open,
    }


async def _load(request: Request, token: str) -> dict[str, object] | HTMLResponse:
    claim = _claim(request, token)
    if isinstance(claim, HTMLResponse):
        return claim
    if not _limits(request).views.take(claim.recipient_id):
        return _refuse(request, 429, TOO_MANY)
    async with request.app.state.sessions() as session:
        try:
            context = await _page_context(request, session, claim)
        except LookupError:
            return _refuse(request, 403, FORGED)
    return {**context, "token": token, "claim": claim}


@public.get("/{token}")
async def page(token: str, request: Request, r: str = "", e: str = "") -> Response:
    context = await _load(request, token)
    if isinstance(context, HTMLResponse):
        return context
    response = render(request, "verify.html", result=RESULTS.get(r), error=ERRORS.get(e), **context)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


@public.get("/{token}/answers")
async def answers(token: str, request: Request) -> Response:
    """The live part: the state and everyone's answers, re-fetched when the incident changes."""
    context = await _load(request, token)
    if isinstance(context, HTMLResponse):
        return context
    return render(request, "_verify_answers.html", **context)


def _back(token: str, *, result: str = "", error: str = "") -> RedirectResponse:
    """To the page with what came of it: a reload then shows the page again, it never posts again."""
    query = f"r={result}" if result else f"e={error}"
    return RedirectResponse(f"/v/{token}?{query}", status_code=303)


@public.post("/{token}/answer")
async def answer(
    token: str,
    request: Request,
    choice: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    claim = _claim(request, token)
    if isinstance(claim, HTMLResponse):
        return claim
    if not _limits(request).answers.take(claim.recipient_id):
        return _back(token, error="busy")
    if len(code) > verification.MAX_CODE:  # the page's field stops this; a hand-made post gets the page
        return _back(token, error="too_long")
    state = request.app.state
    try:
        async with state.sessions() as session:
            done = await verification.answer(
                session=session,
                claim=claim,
                choice=choice[:20],
                at=utcnow(),
                key=key_from(state.secret_box),
                code=code,
                telephony=state.telephony,
                settings=state.settings,
            )
    except LookupError:
        return _refuse(request, 403, FORGED)
    except FlowError as exc:
        return _back(token, error=_ERROR_OF.get(exc.msgid, "handling"))
    state.hub.publish({claim.incident_id})
    if done.result in ("wrong_code", "locked"):
        return _back(token, error=done.result)
    return _back(token, result=done.result)


@public.get("/{token}/events")
async def events(token: str, request: Request) -> Response:
    """Server-sent events when this incident changed, until the link expires."""
    claim = _claim(request, token)
    if isinstance(claim, HTMLResponse):
        return claim
    streams = _limits(request).streams
    if streams[claim.recipient_id] >= STREAMS_PER_RECIPIENT:
        raise HTTPException(status_code=429, detail="too many open streams for this link")
    hub = request.app.state.hub

    async def stream() -> AsyncIterator[str]:
        streams[claim.recipient_id] += 1
        try:
            with hub.subscription() as updates:
                yield ": connected\n\n"
                while (left := (claim.expires_at - utcnow()).total_seconds()) > 0:
                    try:
                        ids = await asyncio.wait_for(updates.get(), min(HEARTBEAT_SECONDS, left))
                    except TimeoutError:
                        yield ": heartbeat\n\n"
                        continue
                    if claim.incident_id in ids:
                        yield f"event: incidents\ndata: {claim.incident_id}\n\n"
                yield "event: expired\ndata: expired\n\n"
        finally:
            streams[claim.recipient_id] -= 1

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# --- the console --------------------------------------------------------------------------------------------


@console.get("/incidents/{incident_id}/verification")
async def console_view(incident_id: RowId, request: Request) -> HTMLResponse:
    """The incident page's panel: who got the link, their answers, the state (live)."""
    async with request.app.state.sessions() as session:
        try:
            incident = await flows.load(session=session, incident_id=incident_id)
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        view = await verification.view_of(session=session, incident_id=incident_id)
    return render(request, "_verification_links.html", incident=incident, view=view, now=utcnow())
