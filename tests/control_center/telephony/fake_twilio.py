"""A stand-in for Twilio's REST API at the HTTP layer: records each request, answers as Twilio does."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from logging import getLogger

from twilio.http import HttpClient
from twilio.http.response import Response


@dataclass(frozen=True)
class Sent:
    method: str
    url: str
    data: dict[str, object]
    auth: tuple[str, str] | None


class RecordingTwilio(HttpClient):
    def __init__(self) -> None:
        super().__init__(getLogger("fake-twilio"), is_async=False)
        self.requests: list[Sent] = []

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ) -> Response:
        self.requests.append(Sent(method, uri, dict(data or {}), auth))
        account = re.search(r"/Accounts/(AC\w+)/", uri)
        base = {"account_sid": account.group(1) if account else None, "api_version": "2010-04-01"}
        if method == "POST" and uri.endswith("/Calls.json"):
            body = base | {
                "sid": "CA" + uuid.uuid4().hex,
                "status": "queued",
                "to": data["To"],
                "from": data["From"],
            }
            return Response(201, json.dumps(body))
        if method == "POST" and uri.endswith("/Messages.json"):
            body = base | {
                "sid": "SM" + uuid.uuid4().hex,
                "status": "queued",
                "to": data["To"],
                "body": data["Body"],
            }
            return Response(201, json.dumps(body))
        if method == "POST" and (m := re.search(r"/Calls/(CA\w+)\.json$", uri)):
            return Response(
                200, json.dumps(base | {"sid": m.group(1), "status": data.get("Status", "completed")})
            )
        return Response(
            404, json.dumps({"code": 20404, "message": "The requested resource was not found", "status": 404})
        )

    def calls(self) -> list[Sent]:
        return [r for r in self.requests if r.url.endswith("/Calls.json")]

    def texts(self) -> list[Sent]:
        return [r for r in self.requests if r.url.endswith("/Messages.json")]
