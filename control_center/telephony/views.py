"""Twilio's webhooks (signed; replays answered once), the operator's call buttons, and the calls API."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import RequestValidator

from control_center.access.guard import actor_of, allowed, require
from control_center.access.roles import Permission
from control_center.access.service import Principal
from control_center.core.db import utcnow
from control_center.core.i18n import N_
from control_center.subscribers.house_code import key_from
from control_center.telephony import flows, twiml
from control_center.telephony.models import WebhookReceipt
from control_center.web.actions import run_step
from control_center.web.api_types import RowId

FLASH = (N_("calling the premises"), N_("calling the contacts in order"))
webhooks = APIRouter(prefix="/telephony/twilio", include_in_schema=False)
console = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_WORK)]
)
api = APIRouter(prefix="/api", tags=["telephony"])
XML = "application/xml"


async def signed_params(request: Request) -> dict[str, str]:
    """The callback's form, if Twilio signed it for our public URL with our auth token; else 403."""
    settings = request.app.state.settings
    params = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    url = (
        settings.base_url.rstrip("/")
        + request.url.path
        + (f"?{request.url.query}" if request.url.query else "")
    )
    signature = request.headers.get("x-twilio-signature", "")
    if not token or not signature or not RequestValidator(token).validate(url, params, signature):
        raise HTTPException(status_code=403, detail="not signed by the carrier")
    return params


Signed = Annotated[dict[str, str], Depends(signed_params)]


def _key(request: Request, params: dict[str, str]) -> str:
    material = request.url.path + "\n" + "\n".join(f"{k}={params[k]}" for k in sorted(params))
    return hashlib.sha256(material.encode()).hexdigest()


async def once(request: Request, params: dict[str, str], handle) -> Response:
    """Run ``handle(session)`` once per distinct callback; a retry gets the answer given the first time."""
    key = _key(request, params)
    state = request.app.state
    async with state.sessions() as session:
        done = await session.get(WebhookReceipt, key)
        if done is not None:
            return Response(done.response, media_type=XML)
        receipt = WebhookReceipt(key=key, received_at=utcnow(), response=twiml.hang_up())
        session.add(receipt)  # committed together with what ``handle`` changes
        try:
            body, incident_id = await handle(session)
            receipt.response = body
            await session.commit()
        except IntegrityError:  # the same callback, handled concurrently
            await session.rollback()
            done = await session.get(WebhookReceipt, key)
            return Response(done.response if done else twiml.hang_up(), media_type=XML)
    if incident_id is not None:
        state.hub.publish({incident_id})
    return Response(body, media_type=XML)


@webhooks.post("/status/{attempt_id}")
async def call_status(attempt_id: RowId, request: Request, params: Signed) -> Response:
    state = request.app.state

    async def handle(session: Any) -> tuple[str, int]:
        try:
            incident = await flows.on_status(
                session=session,
                attempt_id=attempt_id,
                sid=params.get("CallSid", ""),
                status=params.get("CallStatus", ""),
                at=utcnow(),
                telephony=state.telephony,
                settings=state.settings,
            )
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return "<Response/>", incident

    return await once(request, params, handle)


@webhooks.post("/voice/{attempt_id}")
async def voice(attempt_id: RowId, request: Request, params: Signed) -> Response:
    async with request.app.state.sessions() as session:
        attempt = await session.get(flows.ContactAttempt, attempt_id)
    if attempt is None:
        return Response(twiml.hang_up(), media_type=XML)
    if attempt.mode == "ivr":
        return Response(twiml.ask_for_code(f"/telephony/twilio/gather/{attempt_id}"), media_type=XML)
    return Response(twiml.to_operator(attempt.started_by), media_type=XML)


@webhooks.post("/gather/{attempt_id}")
async def gather(attempt_id: RowId, request: Request, params: Signed) -> Response:
    async def handle(session: Any) -> tuple[str, int | None]:
        try:
            body = await flows.on_digits(
                session=session, attempt_id=attempt_id, digits=params.get("Digits", ""), at=utcnow(),
                key=key_from(request.app.state.secret_box),
            )  # fmt: skip
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        attempt = await session.get(flows.ContactAttempt, attempt_id)
        return body, attempt.incident_id if attempt else None

    return await once(request, params, handle)


@webhooks.post("/sms-status/{attempt_id}")
async def sms_status(attempt_id: RowId, request: Request, params: Signed) -> Response:
    async def handle(session: Any) -> tuple[str, None]:
        try:
            await flows.on_sms_status(
                session=session, attempt_id=attempt_id, status=params.get("MessageStatus", "")
            )
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        return "<Response/>", None

    return await once(request, params, handle)


@webhooks.post("/sms-in")
async def sms_in(request: Request, params: Signed) -> Response:
    """A contact's reply to our SMS: any reply acknowledges it."""
    state = request.app.state

    async def handle(session: Any) -> tuple[str, int | None]:
        incident = await flows.on_sms_reply(
            session=session,
            from_number=params.get("From", ""),
            at=utcnow(),
            telephony=state.telephony,
            settings=state.settings,
        )
        return "<Response/>", incident

    return await once(request, params, handle)


# --- the operator's buttons --------------------------------------------------------------------------------


@console.post("/incidents/{incident_id}/call-premises")
async def call_premises(
    incident_id: RowId, request: Request, mode: str = Form("operator")
) -> RedirectResponse:
    state = request.app.state
    return await run_step(
        request,
        incident_id,
        flows.call_premises,
        "calling the premises",
        actor=actor_of(request),
        mode=mode,
        telephony=state.telephony,
        settings=state.settings,
    )


@console.post("/incidents/{incident_id}/call-list")
async def call_list(incident_id: RowId, request: Request) -> RedirectResponse:
    state = request.app.state
    return await run_step(
        request,
        incident_id,
        flows.start_call_list,
        "calling the contacts in order",
        actor=actor_of(request),
        telephony=state.telephony,
        settings=state.settings,
    )


@console.post("/incidents/{incident_id}/call-list/stop")
async def stop_list(incident_id: RowId, request: Request) -> RedirectResponse:
    return await run_step(request, incident_id, flows.stop_call_list, "recorded", actor=actor_of(request))


@api.get("/incidents/{incident_id}/calls", summary="Every call and SMS of an incident, with its outcome")
async def calls(
    incident_id: RowId,
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.INCIDENTS_READ))],
) -> list[dict[str, Any]]:
    async with request.app.state.sessions() as session:
        rows = await flows.attempts_of(session=session, incident_id=incident_id)
    return [
        {
            "id": a.id,
            "channel": a.channel,
            "purpose": a.purpose,
            "name": a.name,
            "number": a.number,
            "mode": a.mode,
            "status": a.status,
            "result": a.result,
            "created_at": a.created_at.isoformat(),
            "answered_at": a.answered_at.isoformat() if a.answered_at else None,
            "ended_at": a.ended_at.isoformat() if a.ended_at else None,
        }
        for a in rows
    ]
