"""The households' mobile phones in the demo: the simulated carrier's texts, shown and answered.

The simulated carrier (``SimulatedTelephony``) keeps the texts the center asked it to send; no real
phone gets them. Here each one is shown (``on_text``: the demo prints it with its link, so whoever tries
the demo can open the contacts' page too) and handed to the person it was sent to, who may open the link
a while later and answer like a phone's browser would: GET the page, POST one of the forms on it (the
token in the address is the page's only credential; no cookie, no CSRF field). Never the product's
functions: what the page refuses (an expired link, a closed incident, a flood) is refused here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from control_center.telephony.adapters import SimulatedTelephony

log = logging.getLogger(__name__)
LINK_CHOICES = {"ignore", "going", "help", "cancel", "wrong_code_first"}

LINK = re.compile(r"https?://[^\s/]+(/v/[A-Za-z0-9_\-.]+)")
RESULT = re.compile(r'data-result="([a-z_]+)"')
TAPS = {"going": "I am going there", "help": "Send help", "cancel": "cancel with the house code"}


@dataclass(frozen=True, slots=True)
class LinkChoice:
    """What one contact does with the link: ``behaviour`` (one of ``LINK_CHOICES``) after ``delay``
    seconds (reading the SMS, opening the page); ``code``: the house code they enter, if they cancel;
    ``retry_delay``: before the right code, after a wrong one."""

    behaviour: str
    delay: float = 0.0
    code: str | None = None
    retry_delay: float = 0.0


class People(Protocol):
    """Who has which number and what they do with a link (``simulators.households.Households``)."""

    def link_choice(self, number: str) -> LinkChoice: ...


def wrong_code(code: str) -> str:
    """A house code one digit off, as a hurried thumb types it."""
    return f"{(int(code) + 1) % 1000:03d}"


@dataclass(frozen=True, slots=True)
class Text:
    """One SMS as the simulated carrier took it."""

    to: str  # E.164
    body: str

    @property
    def link(self) -> str | None:
        found = LINK.search(self.body)
        return found.group(0) if found else None

    @property
    def masked_to(self) -> str:
        """The number as the demo shows it: only the last four digits."""
        return "*" * max(0, len(self.to) - 4) + self.to[-4:]


class _Forms(HTMLParser):
    """The page's forms a person can tap: choice → (action, hidden fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, tuple[str, dict[str, str]]] = {}
        self._action: str | None = None
        self._fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._action, self._fields = a.get("action", ""), {}
        elif tag == "input" and self._action is not None and a.get("type") == "hidden" and a.get("name"):
            self._fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._action is not None:
            if "choice" in self._fields:
                self.forms[self._fields["choice"]] = (self._action, self._fields)
            self._action = None


def forms_of(html: str) -> dict[str, tuple[str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def local_url(host: str, port: int) -> str:
    """Where this process's web server answers (the link may name a public address instead)."""
    host = "127.0.0.1" if host in ("", "0.0.0.0") else "::1" if host == "::" else host
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _ignore(_: str) -> None:
    return None


class Phones:
    """Watches the simulated carrier's texts; each contact answers (or not) as ``households`` decides.

    ``speedup`` divides the people's delays (tests); ``on_answer`` hears what each one did, in words."""

    def __init__(
        self,
        telephony: SimulatedTelephony,
        households: People,
        server: str,
        on_text: Callable[[Text], None],
        on_answer: Callable[[str], None] = _ignore,
        speedup: float = 1.0,
        poll_seconds: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.telephony, self.households, self.server = telephony, households, server
        self.on_text, self.on_answer = on_text, on_answer
        self.speedup, self.poll = speedup, poll_seconds
        self.transport = transport  # tests: a recording one instead of the network
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        seen = len(self.telephony.texts)  # texts from before the demo's phones were on are not theirs
        try:
            while True:
                texts = self.telephony.texts
                for sms in texts[seen:]:
                    self.receive(Text(sms.to, sms.body))
                seen = len(texts)
                await asyncio.sleep(self.poll)
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def receive(self, text: Text) -> None:
        self.on_text(text)
        choice = self.households.link_choice(text.to)
        if choice.behaviour == "ignore" or text.link is None:
            return
        task = asyncio.create_task(self._answer(text, choice))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, text: Text, choice: LinkChoice) -> None:
        path = urlsplit(text.link or "").path
        who = f"contact {text.masked_to}"
        await asyncio.sleep(choice.delay / self.speedup)
        headers = {"Accept": "text/html", "Accept-Language": "ja", "User-Agent": "demo-household-phone"}
        try:
            async with httpx.AsyncClient(
                base_url=self.server, headers=headers, timeout=15, transport=self.transport
            ) as browser:
                page = await browser.get(path)
                forms = forms_of(page.text) if page.status_code == 200 else {}
                if not forms:
                    self.on_answer(f"{who} opened the link: nothing to answer any more ({page.status_code})")
                    return
                if choice.behaviour in ("going", "help"):
                    result = await self._tap(browser, forms, choice.behaviour)
                elif choice.behaviour == "wrong_code_first" and choice.code is not None:
                    result = await self._tap(browser, forms, "cancel", wrong_code(choice.code))
                    self.on_answer(f"{who} tapped cancel with a wrong house code → {result}")
                    await asyncio.sleep(choice.retry_delay / self.speedup)
                    forms = forms_of((await browser.get(path)).text)
                    if "cancel" not in forms:
                        self.on_answer(f"{who} looked again: nothing to answer any more")
                        return
                    result = await self._tap(browser, forms, "cancel", choice.code)
                else:
                    result = await self._tap(browser, forms, "cancel", choice.code or "")
        except httpx.HTTPError as exc:
            log.warning("simulated %s could not reach the link page: %s", who, exc)
            return
        self.on_answer(f"{who} tapped {TAPS['cancel' if choice.code else choice.behaviour]} → {result}")

    @staticmethod
    async def _tap(
        browser: httpx.AsyncClient, forms: dict[str, tuple[str, dict[str, str]]], choice: str, code: str = ""
    ) -> str:
        """Submit the page's form for ``choice`` (the browser follows the 303 back to the page); the
        page's answer: its result marker, or the status when it refused."""
        if choice not in forms:
            return "no such button on the page"
        action, fields = forms[choice]
        if not action.startswith("/") or action.startswith("//"):  # only ever this center's own page
            return "refused (the form posts elsewhere)"
        data = {**fields, **({"code": code} if choice == "cancel" else {})}
        response = await browser.post(action, data=data, follow_redirects=True)
        found = RESULT.search(response.text)
        if found is None or response.status_code != 200:
            return f"refused ({response.status_code})"
        return found.group(1)
