"""``GET /metrics`` of a web/worker process, for Prometheus (who may ask: ``metrics.may_scrape``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from control_center.watchdog.metrics import DatabaseGauges, exposition, may_scrape

router = APIRouter(include_in_schema=False)


def _gauges(request: Request) -> DatabaseGauges:
    state = request.app.state
    if getattr(state, "metric_gauges", None) is None:  # one per app: its cache serves every scrape
        state.metric_gauges = DatabaseGauges(state.sessions)
    return state.metric_gauges


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    peer = request.client.host if request.client else None
    if not may_scrape(peer, request.headers, token.get_secret_value() if token else None):
        return JSONResponse(
            {"detail": "metrics are for loopback or a bearer token (CC_METRICS_TOKEN)"}, status_code=403
        )
    body = exposition("serve", await _gauges(request).reading())
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
