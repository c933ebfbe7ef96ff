"""``GET /metrics`` of a ``control-center gateway`` process, which has no web app: a small HTTP/1.0
listener on the gateway's own event loop (CC_HTTP_HOST, CC_METRICS_PORT), with the same rule of who may
scrape as the web app's (``metrics.may_scrape``). One request per connection; anything else is refused."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.settings import Settings
from control_center.watchdog.metrics import DatabaseGauges, exposition, may_scrape, read_role

log = logging.getLogger(__name__)

HEAD_LIMIT = 8 * 1024  # bytes of request line and headers
READ_SECONDS = 5.0

Body = Callable[[], Awaitable[bytes]]


def _answer(status: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = f"HTTP/1.0 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return (head + "Cache-Control: no-store\r\nConnection: close\r\n\r\n").encode() + body


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]] | None:
    """Method, path and lower-cased headers of a request head; None when it is not HTTP."""
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    if not version.startswith("HTTP/"):
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return method, target.split("?", 1)[0], headers


async def respond(head: bytes, peer: str | None, token: str | None, body: Body) -> bytes:
    request = parse_head(head)
    if request is None:
        return _answer("400 Bad Request", b"not an HTTP request\n")
    method, path, headers = request
    if path != "/metrics":
        return _answer("404 Not Found", b"only /metrics here\n")
    if method != "GET":
        return _answer("405 Method Not Allowed", b"GET only\n")
    if not may_scrape(peer, headers, token):
        return _answer("403 Forbidden", b"metrics are for loopback or a bearer token (CC_METRICS_TOKEN)\n")
    return _answer("200 OK", await body(), CONTENT_TYPE_LATEST)


async def serve_metrics(host: str, port: int, token: str | None, body: Body) -> None:
    """Listen until cancelled."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_SECONDS)
            writer.write(await respond(head[:-4], peer[0] if peer else None, token, body))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            pass  # a scanner or a dropped connection: nothing to answer
        except Exception:
            log.exception("metrics request failed")
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, host, port, limit=HEAD_LIMIT)
    log.info("metrics on http://%s:%d/metrics", host, port)
    async with server:
        await server.serve_forever()


def for_gateway(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> list[Coroutine[Any, Any, None]]:
    """The gateway process's listener, when CC_METRICS_PORT is set: its counters, role and database node."""
    if settings.metrics_port is None:
        return []
    gauges = DatabaseGauges(sessions, read_role)

    async def body() -> bytes:
        return exposition("gateway", await gauges.reading())

    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    return [serve_metrics(settings.http_host, settings.metrics_port, token, body)]
