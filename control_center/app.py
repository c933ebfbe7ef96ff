"""FastAPI application factory: console pages, JSON API, health check and static files."""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from billing import views as billing_views
from billing.esign import views as esign_views
from control_center.access import views as access_views
from control_center.access.guard import NotSignedIn, login_redirect_target
from control_center.access.hashing import HashingBusy
from control_center.access.headers import Hardening, origin_of
from control_center.access.login_gate import AddressBlocks, LoginGate
from control_center.alarms import views as alarm_views
from control_center.console import alarm_level as console_alarm_level
from control_center.console import operations as console_operations
from control_center.console import panel_keys, test_mode_views
from control_center.console import queue as console_queue
from control_center.console import subscribers as console_subscribers
from control_center.console import views as console_views
from control_center.core.hub import Hub
from control_center.core.mail import mailer_from
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.incidents import views as incident_views
from control_center.notes import views as notes_views
from control_center.signals.service_types import LABELS
from control_center.supervisor_desk import scorecard_views
from control_center.supervisor_desk import views as supervisor_views
from control_center.telephony import verification, verification_views
from control_center.telephony import views as telephony_views
from control_center.telephony.adapters import Telephony
from control_center.telephony.wiring import telephony_for
from control_center.watchdog import metrics_views
from control_center.watchdog import views as watchdog_views
from control_center.watchdog.readiness import Readiness
from control_center.watchdog.worker import Watchdog
from control_center.web import errors, event_text, rendering
from dispatch import handoff as dispatch_handoff
from dispatch import handoff_views
from dispatch import views as dispatch_views
from dispatch.agencies import RecordingSwitchboard
from dispatch.assignment_check import assigned_now
from dispatch.psap import RecordingPsap


def create_app(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    hub: Hub,
    telephony: Telephony | None = None,
    watchdog: Watchdog | None = None,
    readiness: Readiness | None = None,
) -> FastAPI:
    app = FastAPI(
        title="Control center",
        version="0.1.0",
        description="Monitoring-center API: incidents raised from home alarm panels.",
        docs_url=None,  # Swagger UI loads from a CDN; the machines are offline. /openapi.json is served.
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.sessions = sessions
    app.state.hub = hub
    app.state.mailer = mailer_from(settings.mail_url, settings.mail_sender, settings.mail_outbox_dir)
    app.state.assigned_now = assigned_now  # a responder reads an incident only while assigned to it
    app.state.switchboard = RecordingSwitchboard()  # notifying agencies: recorded, until a real line exists
    # The agencies' data link (ASAP-style hand-off): a recording fake answering on a schedule until a real
    # one exists; its replies take the signed path of POST /api/agency/replies (dispatch/handoff_views.py).
    secret = settings.psap_reply_secret
    app.state.psap_secret = secret.get_secret_value().encode() if secret else secrets.token_bytes(32)
    app.state.psap = RecordingPsap(
        secret=app.state.psap_secret,
        deliver=lambda body, headers: handoff_views.take_reply(app.state, body, headers),
    )
    app.state.telephony = telephony or telephony_for(settings, sessions, hub.publish)
    # The alarm path's watchdog (/healthz, the consoles' banner) and what this process serves (/readyz).
    app.state.watchdog = watchdog or Watchdog(sessions, settings, hub)
    app.state.readiness = readiness or Readiness()
    rendering.add_vocabulary("service_label", LABELS)  # the pages name a service by its letter
    for name, words in console_alarm_level.VOCABULARY.items():  # the alarm level's badge, sentence, reasons
        rendering.add_vocabulary(name, words)
    event_text.add_kind("alarm_level", console_alarm_level.describe_event)  # its record entries in words
    rendering.add_vocabulary("handoff_status", dispatch_handoff.STATUS_WORDS)
    for kind, describe in dispatch_handoff.DESCRIBE.items():  # the hand-off's entries: sent, replies, voice
        event_text.add_kind(kind, describe)
    for kind in ("link_sent", "link_answer", "link_expired"):  # digital verification's record entries
        event_text.add_kind(kind, verification.describe_event(kind))
    # Read once: the views seal and open keys with it, and CSRF tokens use a subkey of it.
    app.state.secret_box = SecretBox.from_settings(settings)
    app.state.csrf_key = app.state.secret_box.subkey("csrf")
    # Sign-in floods are refused before FastAPI (access/login_gate.py); Hardening still wraps them.
    app.state.address_blocks = AddressBlocks()
    app.add_middleware(LoginGate, blocks=app.state.address_blocks, default_locale=settings.default_locale)
    app.add_middleware(
        Hardening, max_body_bytes=settings.max_request_bytes, image_origins=origin_of(settings.map_tile_url)
    )

    @app.exception_handler(HashingBusy)
    async def hashing_busy(request: Request, exc: HashingBusy) -> Response:
        # Too many password checks queued (control_center/access/hashing.py): alarms come first.
        return JSONResponse(
            {"detail": "too many password checks at once: try again in a moment"},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        # Browsers asking for a page go to the login form, a form posted after the session ended gets a
        # page that says so (web/errors.py); API clients get 401.
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(login_redirect_target(request), status_code=303)
        if errors.wants_html(request):
            return errors.error_page(request, 401, headers={"WWW-Authenticate": "Bearer"})
        return JSONResponse(
            {"detail": "sign in, or send Authorization: Bearer <API token>"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    # Refusals (401/403/404 …): a page in the user's language for a browser, JSON for the API.
    app.add_exception_handler(StarletteHTTPException, errors.http_error)  # type: ignore[arg-type]

    app.include_router(watchdog_views.router)
    app.include_router(watchdog_views.console)
    app.include_router(metrics_views.router)  # /metrics: loopback or CC_METRICS_TOKEN
    app.include_router(access_views.router)
    app.include_router(access_views.api)
    app.include_router(panel_keys.router)
    app.include_router(incident_views.router)
    app.include_router(billing_views.router)
    app.include_router(esign_views.contracts)
    app.include_router(esign_views.staff)
    app.include_router(esign_views.signers_api)
    app.include_router(esign_views.pages)
    app.include_router(alarm_views.router)
    app.include_router(console_queue.router)
    app.include_router(console_views.router)
    app.include_router(console_operations.router)
    app.include_router(console_alarm_level.router)
    app.include_router(console_alarm_level.api)
    app.include_router(console_subscribers.router)
    app.include_router(console_subscribers.desk)
    app.include_router(notes_views.api)
    app.include_router(notes_views.console)
    app.include_router(supervisor_views.router)
    app.include_router(supervisor_views.api)
    app.include_router(scorecard_views.router)
    app.include_router(test_mode_views.router)
    app.include_router(test_mode_views.api)
    app.include_router(telephony_views.webhooks)
    app.include_router(telephony_views.console)
    app.include_router(telephony_views.api)
    app.include_router(verification_views.public)  # the contacts' link page: only through its signed token
    app.include_router(verification_views.console)
    app.include_router(dispatch_views.console)
    app.include_router(handoff_views.console)
    app.include_router(handoff_views.agencies)
    app.include_router(handoff_views.api)
    app.include_router(dispatch_views.responder_pages)
    app.include_router(dispatch_views.api)
    app.mount("/static", StaticFiles(directory=rendering.STATIC), name="static")
    return app
