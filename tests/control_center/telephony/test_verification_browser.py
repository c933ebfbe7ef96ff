"""Digital verification in the running system, in the browser: the contacts open the SMS link on their
phones; a wrong code cancels nothing (nor raises the level), the right one sets level 0 and closes the
incident as a false alarm with the record; every answer shows live on the other contact's page and on the
operator's incident page; a link that expires undecided continues with the call list."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from sqlalchemy import select

from control_center.app import create_app
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.incidents.inbox import InboxWorker
from control_center.incidents.models import Incident, IncidentEvent
from control_center.subscribers.house_code import key_for
from control_center.telephony import verification_links as links
from control_center.telephony.adapters import SimulatedTelephony
from control_center.telephony.models import CallRun, VerificationLink
from control_center.telephony.verification_worker import LinkWorker
from control_center.telephony.wiring import nobody_answers, telephony_for
from panel_gateway.ingest import Ingest, Received
from panel_gateway.protocols import mqtt_payload
from simulators.demo.subscribers import plan, seed
from simulators.panel import payload
from tests.conftest import free_port
from tests.control_center.console.test_console_browser import chromium, sign_in
from tests.helpers import eventually


@dataclass
class Linking:
    base_url: str
    ingest: Ingest
    telephony: SimulatedTelephony
    worker: LinkWorker
    key: bytes
    skew: list[dt.timedelta]  # the link worker's clock runs this far ahead (to reach an expiry)
    operator: dict[str, str]

    async def alarm(self, account: str, code: int = 130) -> None:
        raw = payload(account, f"v{account}-{code}", code)
        await self.ingest.store(
            [
                Received(
                    "mqtt", f"panels/{account}/signals", raw, utcnow(), mqtt_payload.parse_json(account, raw)
                )
            ]
        )

    async def links_for(self, account: str, sessions) -> list[str]:
        """The link URLs texted for the account's open incident, in the contacts' order."""

        async def texted() -> list[str] | None:
            async with sessions() as session:
                incident = await session.scalar(select(Incident).where(Incident.account == account))
            if incident is None:
                return None
            urls = [
                m[0] for sms in self.telephony.texts if (m := re.search(r"http://\S+/v/[\w.-]+", sms.body))
            ]
            mine = [u for u in urls if _claim(self.key, u).incident_id == incident.id]
            return mine or None

        return await eventually(texted)


def _claim(key: bytes, url: str) -> links.Claim:
    claim = links.read(key, url.rsplit("/", 1)[1], utcnow())
    assert isinstance(claim, links.Claim)
    return claim


@contextlib.asynccontextmanager
async def linking_system(database_url: str, sessions) -> AsyncIterator[Linking]:
    """As `control-center serve` runs it: the inbox worker, the link worker and the web app."""
    port = free_port()
    settings = Settings(_env_file=None, database_url=database_url, http_port=port)
    async with sessions() as session:
        await seed(session=session, count=5, key=key_for(settings))
    from tests.helpers import add_user

    _, operator = await add_user(sessions, "operator", "op-api")
    hub = Hub()
    inbox = InboxWorker(sessions, hub.publish)
    telephony = telephony_for(settings, sessions, hub.publish, nobody_answers)
    assert isinstance(telephony, SimulatedTelephony)
    key = SecretBox.from_settings(settings).subkey(links.PURPOSE)
    skew = [dt.timedelta(0)]
    worker = LinkWorker(
        sessions, settings, telephony, key, hub, every_seconds=0.5, clock=lambda: utcnow() + skew[0]
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, sessions, hub, telephony), port=port, log_level="warning",
                       timeout_graceful_shutdown=1)
    )  # fmt: skip
    tasks = [asyncio.create_task(c) for c in (server.serve(), inbox.run(), worker.run())]
    await eventually(lambda: asyncio.sleep(0, server.started))
    try:
        yield Linking(
            f"http://127.0.0.1:{port}", Ingest(sessions, inbox.wake), telephony, worker, key, skew, operator
        )
    finally:
        server.should_exit = True
        for task in tasks[1:]:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _incident(sessions, account: str) -> Incident:
    async with sessions() as session:
        found = await session.scalar(select(Incident).where(Incident.account == account))
        assert found is not None
        return found


async def test_contacts_cancel_with_the_house_code_and_everyone_sees_it_live(database_url, sessions) -> None:
    house_code = plan(5)[0].house_code
    wrong = "999" if house_code != "999" else "998"
    async with linking_system(database_url, sessions) as system, chromium() as browser:
        await system.alarm("1001")
        first, second, *_ = await system.links_for("1001", sessions)
        phone = {"viewport": {"width": 390, "height": 800}, "locale": "ja-JP", "is_mobile": True}
        contact_a = await (await browser.new_context(**phone)).new_page()
        contact_b = await (await browser.new_context(**phone)).new_page()
        await contact_a.goto(first)
        await contact_b.goto(second)
        assert await contact_b.locator("h1").inner_text() == "ご登録先の警報"
        assert house_code not in (await contact_b.content()).replace(second.rsplit("/", 1)[1], "")
        operator_page = await (await browser.new_context(locale="ja-JP")).new_page()
        await sign_in(operator_page, system, sessions, "kato")  # type: ignore[arg-type]
        incident = await _incident(sessions, "1001")
        await operator_page.goto(f"{system.base_url}/console/incidents/{incident.id}")
        await operator_page.locator("[data-link-state='open']").wait_for(timeout=10_000)
        await contact_b.locator("body[data-incident]").wait_for()
        await asyncio.sleep(0.5)  # the contact's page has opened its event stream

        # A wrong code: nothing is cancelled; the other contact and the operator see the attempt live.
        await contact_a.fill("input[name=code]", wrong)
        await contact_a.click("button[data-choice=cancel]")
        await contact_a.locator("p.notice.error[data-error='wrong_code']").wait_for(timeout=10_000)
        await contact_a.locator("[data-attempts-left='2']").wait_for()
        await contact_b.locator("li[data-answer='wrong_code']").wait_for(timeout=10_000)
        await operator_page.locator("#verification-links li[data-answer='wrong_code']").wait_for(
            timeout=10_000
        )
        still = await _incident(sessions, "1001")
        assert still.closed_at is None and still.alarm_level == 1  # a contact off site mistyped

        # The right code: level 0, closed as a false alarm, with the record.
        await contact_a.fill("input[name=code]", house_code)
        await contact_a.click("button[data-choice=cancel]")
        await contact_a.locator("[data-result='cancelled']").wait_for(timeout=10_000)
        await contact_b.locator("p.state[data-state='cancelled']").wait_for(timeout=10_000)
        await contact_b.locator("section.choices").wait_for(state="hidden")  # no choices left, live
        await operator_page.locator("#verification-links [data-link-state='cancelled']").wait_for(
            timeout=10_000
        )
        await contact_a.screenshot(path="/tmp/verification-cancelled.png", full_page=True)
        closed = await _incident(sessions, "1001")
        assert (closed.alarm_level, closed.status, closed.outcome) == (0, "false_alarm", "false_alarm")
        async with sessions() as session:
            record = list(
                await session.scalars(
                    select(IncidentEvent.kind)
                    .where(IncidentEvent.incident_id == closed.id)
                    .order_by(IncidentEvent.id)
                )
            )
        assert (
            record.count("verification") == 2
            and "call_outcome" in record
            and record[-1] in ("closed", "alarm_level")
        )
        # A reload of the other contact's page: closed, no choices left.
        await contact_b.reload()
        assert await contact_b.locator("button[data-choice]").count() == 0
        await operator_page.close()


async def test_a_link_that_expires_undecided_continues_with_the_calls(database_url, sessions) -> None:
    async with linking_system(database_url, sessions) as system, chromium() as browser:
        await system.alarm("1002")
        first, *_ = await system.links_for("1002", sessions)
        contact = await (
            await browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 800})
        ).new_page()
        await contact.goto(first)
        await contact.click("button[data-choice=going]")
        await contact.locator("[data-result='recorded']").wait_for(timeout=10_000)
        await asyncio.sleep(0.5)  # the event stream is open again after the redirect
        system.skew[0] = dt.timedelta(minutes=3, seconds=5)  # the link's lifetime has passed
        system.worker.wake()
        await contact.locator("p.state[data-state='expired']").wait_for(timeout=10_000)
        incident = await _incident(sessions, "1002")

        async def calling() -> bool:
            async with sessions() as session:
                return bool(
                    list(await session.scalars(select(CallRun).where(CallRun.incident_id == incident.id)))
                )

        assert await eventually(calling)
        async with sessions() as session:
            link = await session.scalar(
                select(VerificationLink).where(VerificationLink.incident_id == incident.id)
            )
        assert link is not None and link.state == "expired"
        await contact.reload()
        assert await contact.locator("button[data-choice]").count() == 0
        await system.telephony.drain()
