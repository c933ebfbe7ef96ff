"""The telephony interface and its two adapters: Twilio, and a simulated carrier for the demo and tests.

The center asks for a call or an SMS and later hears, through ``Carrier`` callbacks (Twilio's webhooks
or the simulator), how it went. Both adapters take the same requests and report through the same
flows, so the demo plays whole calls without credentials.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from twilio.http import HttpClient
from twilio.rest import Client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingCall:
    attempt_id: int
    to: str  # E.164
    mode: str  # operator (put through to the operator) | ivr (the callee keys the house code)
    ring_seconds: int


@dataclass(frozen=True)
class OutgoingSms:
    attempt_id: int
    to: str
    body: str


class Telephony(Protocol):
    name: str

    async def call(self, call: OutgoingCall) -> str:
        """Place the call; returns the carrier's id for it."""
        ...

    async def text(self, sms: OutgoingSms) -> str: ...

    async def hang_up(self, sid: str) -> None: ...

    async def close(self) -> None:
        """On the way out: nothing of the adapter's may go on writing after the process's database closes."""
        ...


class TwilioTelephony:
    """Twilio's REST API. Status and keyed digits come back to the webhooks in ``telephony/views.py``."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str,
        http_client: HttpClient | None = None,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=http_client)
        self.from_number = from_number
        self.base_url = base_url.rstrip("/")

    def url(self, kind: str, attempt_id: int) -> str:
        return f"{self.base_url}/telephony/twilio/{kind}/{attempt_id}"

    async def call(self, call: OutgoingCall) -> str:
        created = await asyncio.to_thread(
            self.client.calls.create,
            to=call.to,
            from_=self.from_number,
            url=self.url("voice", call.attempt_id),
            method="POST",
            status_callback=self.url("status", call.attempt_id),
            status_callback_event=["initiated", "ringing", "answered", "completed"],
            status_callback_method="POST",
            timeout=call.ring_seconds,  # Twilio reports no-answer after this
        )
        return str(created.sid)

    async def text(self, sms: OutgoingSms) -> str:
        created = await asyncio.to_thread(
            self.client.messages.create,
            to=sms.to,
            from_=self.from_number,
            body=sms.body,
            status_callback=self.url("sms-status", sms.attempt_id),
        )
        return str(created.sid)

    async def hang_up(self, sid: str) -> None:
        await asyncio.to_thread(self.client.calls(sid).update, status="completed")

    async def close(self) -> None:
        return None  # the carrier's calls are the carrier's; their webhooks reach another process


# --- the simulated carrier ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """How the other end behaves: ``kind`` is answer | no_answer | busy | failed; ``digits`` keyed in IVR."""

    kind: str
    digits: str | None = None
    after_seconds: float = 2.0


class Carrier(Protocol):
    """Where a carrier's reports go (the telephony flows, with their own database session)."""

    async def status(self, attempt_id: int, sid: str, status: str) -> None: ...

    async def digits(self, attempt_id: int, sid: str, digits: str) -> None: ...


class SimulatedTelephony:
    """Plays the network: rings the number, lets ``answer_for`` decide who picks up, reports back."""

    name = "simulated"

    def __init__(self, answer_for: Callable[[str, str], Awaitable[Answer]], speedup: float = 1.0) -> None:
        self.answer_for = answer_for  # (E.164 number, mode) → how that household answers
        self.carrier: Carrier | None = None  # set when the runtime wires the flows in
        self.speedup = speedup
        self._ids = itertools.count(1)
        # The carrier's ids are unique for good, not per process: a demo started again on the same
        # database reused SIMSM00000002 and its texts failed the unique provider_sid (an outside tester).
        self._run = secrets.token_hex(4).upper()
        self._tasks: set[asyncio.Task[None]] = set()
        self.texts: list[OutgoingSms] = []

    async def call(self, call: OutgoingCall) -> str:
        sid = f"SIMCA{self._run}{next(self._ids):08d}"
        self._spawn(self._play(call, sid))
        return sid

    async def text(self, sms: OutgoingSms) -> str:
        self.texts.append(sms)
        return f"SIMSM{self._run}{next(self._ids):08d}"

    async def hang_up(self, sid: str) -> None:
        return None

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _play(self, call: OutgoingCall, sid: str) -> None:
        carrier = self.carrier
        assert carrier is not None, "wire the simulated telephony to the flows first"
        try:
            answer = await self.answer_for(call.to, call.mode)
            await carrier.status(call.attempt_id, sid, "ringing")
            await asyncio.sleep(min(answer.after_seconds, call.ring_seconds) / self.speedup)
            if answer.kind != "answer":
                await carrier.status(call.attempt_id, sid, answer.kind.replace("_", "-"))
                return
            await carrier.status(call.attempt_id, sid, "in-progress")
            if call.mode == "ivr" and answer.digits is not None:
                await asyncio.sleep(1.0 / self.speedup)
                await carrier.digits(call.attempt_id, sid, answer.digits)
            await asyncio.sleep(1.0 / self.speedup)
            await carrier.status(call.attempt_id, sid, "completed")
        except Exception:
            log.exception("simulated call %s", sid)

    async def drain(self) -> None:
        """Wait for the calls in flight (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """End the calls in flight and wait until they have: a simulated call outliving its owner goes on
        writing to the database, and one caught between two statements holds its transaction (and its
        locks) while a synchronous teardown on the same event loop waits for them — a test schema's
        ``DROP SCHEMA`` hung so in CI (issue 20)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
