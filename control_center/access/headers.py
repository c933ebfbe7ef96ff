"""Hardening at the edge: security headers on every answer and a cap on request bodies."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


# Scripts and styles only from our own /static (htmx is vendored); camera snapshots may be data: URLs;
# map tiles also from the center's own tile server when one is configured (``map_tile_url``).
def content_security_policy(image_origins: tuple[str, ...] = ()) -> str:
    images = " ".join(("'self'", "data:", *image_origins))
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    )


def origin_of(url: str | None) -> tuple[str, ...]:
    """The scheme://host[:port] a URL template such as ``https://tiles.example/{z}/{x}/{y}.png`` names."""
    if not url:
        return ()
    parts = urlsplit(url)
    # Only a plain host[:port]: anything else could smuggle a directive into the policy.
    plain_host = re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", parts.netloc)
    if parts.scheme not in ("http", "https") or not plain_host:
        return ()
    return (f"{parts.scheme}://{parts.netloc}",)


def security_headers(image_origins: tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(image_origins).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


class Hardening:
    """Pure ASGI middleware (so SSE streams pass through unbuffered)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, image_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.headers = security_headers(image_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(send_with_headers)
            return
        seen = 0

        async def receive_capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, receive_capped, send_with_headers)
        except BodyTooLarge:
            await self._too_large(send_with_headers)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body over {self.max_body_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass
