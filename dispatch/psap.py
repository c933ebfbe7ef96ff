"""The data link to the agencies' dispatch systems, and how their replies prove who sent them.

``Psap`` is the adapter interface (a real one posts the ``AlarmNotification`` to the agency's endpoint);
``RecordingPsap`` is the demo's and the tests' stand-in: it keeps what was sent and answers as an agency
would — accepted, dispatched, arrived, closed on a schedule, or rejected with a reason when told to —
by handing signed ``AlarmStatusUpdate`` bytes to ``deliver``, the same check and record the reply
endpoint (``POST /api/agency/replies``) runs.

Replies are signed with a shared secret per deployment (``CC_PSAP_REPLY_SECRET``):
``X-ASAP-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`` and ``X-ASAP-Timestamp``
(Unix seconds, within ``MAX_SKEW_SECONDS`` of our clock, so a captured reply cannot be replayed later;
within the window a replay is caught by its MessageID, kept unique in ``agency_replies``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from dispatch import asap

MAX_SKEW_SECONDS = 300
SIGNATURE_HEADER = "x-asap-signature"
TIMESTAMP_HEADER = "x-asap-timestamp"


class PsapUnavailable(Exception):
    """The message could not be handed to the agency's system (the caller falls back to voice)."""


class Psap(Protocol):
    channel: str

    async def send(self, agency: str, document: bytes) -> None:
        """Hand the ``AlarmNotification`` to the agency's system; raises ``PsapUnavailable``."""
        ...


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, body: bytes, now: dt.datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(secret: bytes, timestamp: str | None, signature: str | None, body: bytes, now: dt.datetime) -> str:
    """Empty when the reply is signed with ``secret`` and fresh; else why not (pure)."""
    if not timestamp or not signature:
        return "unsigned"
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return "bad timestamp"
    if abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        return "stale or future timestamp"
    if not hmac.compare_digest(sign(secret, int(timestamp), body), signature):
        return "bad signature"
    return ""


Deliver = Callable[[bytes, dict[str, str]], Awaitable[object]]
DEMO_SCHEDULE: tuple[tuple[float, str], ...] = (
    (3.0, "accepted"), (20.0, "dispatched"), (240.0, "arrived"), (900.0, "closed"),
)  # fmt: skip


@dataclass
class Sent:
    agency: str
    document: bytes


@dataclass
class RecordingPsap:
    """Records each message; answers on ``schedule`` (seconds after sending) through ``deliver``."""

    secret: bytes
    deliver: Deliver | None = None
    schedule: tuple[tuple[float, str], ...] = DEMO_SCHEDULE
    channel: str = "ASAP (recorded, demo)"
    sent: list[Sent] = field(default_factory=list)
    down: bool = False  # the link is out: send raises
    _reject: str | None = None
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def reject_next(self, reason: str) -> None:
        """The next message is rejected with ``reason`` (its first scheduled reply)."""
        self._reject = reason

    async def send(self, agency: str, document: bytes) -> None:
        if self.down:
            raise PsapUnavailable("the data link is down")
        self.sent.append(Sent(agency, document))
        reject, self._reject = self._reject, None
        if self.deliver is not None and self.schedule:
            task = asyncio.create_task(self._answer(document, reject))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, document: bytes, reject: str | None) -> None:
        assert self.deliver is not None
        started = asyncio.get_running_loop().time()
        for after, status in self.schedule:
            await asyncio.sleep(max(0.0, started + after - asyncio.get_running_loop().time()))
            body = self.reply(document, "rejected" if reject else status, reason=reject)
            await self.deliver(body, signed_headers(self.secret, body, dt.datetime.now(dt.UTC)))
            if reject:
                return

    def reply(self, document: bytes, status: str, *, reason: str | None = None) -> bytes:
        """The status update an agency would send about ``document`` (a message this fake received)."""
        message_id, incident_id, agency = _about(document)
        reference = f"{agency.upper()[:4]}-{next(self._numbers):05d}" if status == "accepted" else None
        return asap.status_update(
            message_id=uuid.uuid4().hex, referenced=message_id, incident_id=incident_id,
            at=dt.datetime.now(dt.UTC), status=status, reference=reference, reason=reason,
        )  # fmt: skip

    def last(self) -> bytes:
        return self.sent[-1].document


def _about(document: bytes) -> tuple[str, int, str]:
    from defusedxml.ElementTree import fromstring

    root = fromstring(document)
    ns = f"{{{asap.NS}}}"
    message_id = root.findtext(f"{ns}MessageID") or ""
    incident_id = int(root.findtext(f"{ns}AlarmEvent/{ns}AlarmEventIdentifier") or 0)
    return message_id, incident_id, root.findtext(f"{ns}ResponsibleAgency") or ""
