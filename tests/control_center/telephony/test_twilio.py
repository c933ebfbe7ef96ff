"""Telephony through Twilio's REST API (a recording fake at the HTTP layer) and its signed webhooks."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents.models import Incident, IncidentEvent, VerificationAttempt
from control_center.subscribers.models import Premises
from control_center.telephony import flows
from control_center.telephony.adapters import TwilioTelephony
from control_center.telephony.models import CallRun, ContactAttempt, WebhookReceipt
from control_center.telephony.numbers import to_e164
from dispatch.models import Assignment
from tests.control_center.factories import HOUSE_CODE, premises
from tests.control_center.supervisor_desk.test_supervisor import alarms
from tests.control_center.telephony.fake_twilio import RecordingTwilio
from tests.dispatch.test_service import depots_and_responders
from tests.helpers import add_user

BASE = "https://center.example.jp"
SID, TOKEN = "AC" + "0" * 32, "test-auth-token"


@pytest.fixture
async def center(database_url: str, sessions):
    """The app with Twilio as its telephony (the HTTP layer faked), an operator, a burglary."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        telephony="twilio",
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number="+81500000000",
        public_base_url=BASE,
    )
    fake = RecordingTwilio()
    telephony = TwilioTelephony(SID, TOKEN, "+81500000000", BASE, http_client=fake)
    app = create_app(settings, sessions, Hub(), telephony)
    await premises(sessions, account="5001")
    await depots_and_responders(sessions)
    (incident_id,) = await alarms(sessions, (130, "5001"))
    _, operator = await add_user(sessions, "operator", "sato")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE, headers=operator
    ) as client:
        assert (await client.post(f"/console/incidents/{incident_id}/claim")).status_code == 303
        yield client, fake, incident_id, settings


def signed(path: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(BASE + path, params)}


async def report(client: httpx.AsyncClient, attempt_id: int, status: str, sid: str = "") -> httpx.Response:
    path = f"/telephony/twilio/status/{attempt_id}"
    params = {"CallSid": sid or f"CA{attempt_id:032d}", "CallStatus": status, "AccountSid": SID}
    return await client.post(path, data=params, headers=signed(path, params))


async def twiml_for(client: httpx.AsyncClient, attempt_id: int) -> ET.Element:
    path = f"/telephony/twilio/voice/{attempt_id}"
    params = {"CallSid": f"CA{attempt_id:032d}", "AccountSid": SID}
    response = await client.post(path, data=params, headers=signed(path, params))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text)


async def test_a_burglary_premises_unanswered_then_contacts_in_order_then_a_responder(
    center, sessions
) -> None:
    client, fake, incident_id, _ = center
    placed = await client.post(f"/console/incidents/{incident_id}/call-premises", data={"mode": "ivr"})
    assert placed.status_code == 303
    assert 'class="flash error"' not in (await client.get(placed.headers["location"])).text
    (premises_call,) = fake.calls()
    assert premises_call.method == "POST" and premises_call.auth == (SID, TOKEN)
    assert premises_call.url == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
    assert premises_call.data["To"] == "+81521112222" and premises_call.data["From"] == "+81500000000"
    assert premises_call.data["Url"] == f"{BASE}/telephony/twilio/voice/1"
    assert premises_call.data["StatusCallback"] == f"{BASE}/telephony/twilio/status/1"
    assert premises_call.data["Timeout"] == 25

    ivr = await twiml_for(client, 1)  # what Twilio plays when the premises picks up
    gather = ivr.find("Gather")
    assert ivr.tag == "Response" and gather is not None
    assert (gather.get("numDigits"), gather.get("action")) == ("3", "/telephony/twilio/gather/1")
    assert gather.find("Say").get("language") == "ja-JP" and "合言葉番号" in "".join(gather.itertext())

    for status in ("ringing", "no-answer"):  # nobody at home: the contacts are called in order
        assert (await report(client, 1, status)).status_code == 200
    assert [c.data["To"] for c in fake.calls()] == ["+81521112222", "+819000000001"]
    assert (await report(client, 2, "busy")).status_code == 200  # the first contact is busy → the second
    assert [c.data["To"] for c in fake.calls()][-1] == "+819000000002"
    for status in ("ringing", "in-progress"):
        await report(client, 3, status)
    bridge = await twiml_for(client, 3)  # the second contact is put through to the operator
    assert bridge.find("Dial/Client").text == "sato"
    await report(client, 3, "completed")

    outcome = await client.post(f"/console/incidents/{incident_id}/outcome", data={"outcome": "no_answer"})
    assert outcome.status_code == 303
    nearest = (await client.get(f"/api/incidents/{incident_id}/candidates")).json()[0]
    sent = await client.post(
        f"/api/incidents/{incident_id}/assignments", json={"responder_id": nearest["responder_id"]}
    )
    assert sent.status_code == 201

    calls = (await client.get(f"/api/incidents/{incident_id}/calls")).json()
    assert [(c["purpose"], c["number"], c["result"]) for c in calls] == [
        ("premises", "+81521112222", "no_answer"),
        ("contact", "+819000000001", "busy"),
        ("contact", "+819000000002", "answered"),
    ]
    assert len(fake.calls()) == 3  # nobody else was called once the second contact answered
    async with sessions() as session:
        run = await session.scalar(select(CallRun))
        kinds = list(
            await session.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id))
        )
        assignment = await session.scalar(select(Assignment))
    assert (run.state, run.reached) == ("reached", "連絡先2")
    assert kinds.count("call_placed") == 3 and "contact_reached" in kinds and "responder_assigned" in kinds
    assert assignment.incident_id == incident_id


async def test_forged_or_unsigned_webhooks_change_nothing_and_a_retry_counts_once(center, sessions) -> None:
    client, fake, incident_id, _ = center
    await client.post(f"/console/incidents/{incident_id}/call-premises", data={"mode": "operator"})
    path, params = "/telephony/twilio/status/1", {"CallSid": "CA" + "1" * 32, "CallStatus": "busy"}
    forged = await client.post(path, data=params, headers=signed(path, params, token="someone-else"))
    unsigned = await client.post(path, data=params)
    tampered = await client.post(
        path, data=params | {"CallStatus": "completed"}, headers=signed(path, params)
    )
    assert [r.status_code for r in (forged, unsigned, tampered)] == [403, 403, 403]
    async with sessions() as session:
        attempt = await session.get(ContactAttempt, 1)
        assert (attempt.status, attempt.result) == ("queued", None)
    first = await client.post(path, data=params, headers=signed(path, params))
    again = await client.post(path, data=params, headers=signed(path, params))  # Twilio retries
    assert (first.status_code, again.status_code) == (200, 200) and first.text == again.text
    async with sessions() as session:
        receipts = await session.scalar(select(func.count()).select_from(WebhookReceipt))
        results = list(
            await session.scalars(select(IncidentEvent.detail).where(IncidentEvent.kind == "call_result"))
        )
    assert receipts == 1 and len([r for r in results if r.endswith("busy")]) == 1
    assert len(fake.calls()) == 2  # the premises, then one contact: the retry did not call another


async def test_the_resident_keys_the_house_code(center, sessions) -> None:
    client, _, incident_id, _ = center
    await client.post(f"/console/incidents/{incident_id}/call-premises", data={"mode": "ivr"})
    await report(client, 1, "in-progress")
    path = "/telephony/twilio/gather/1"
    wrong = {"CallSid": f"CA{1:032d}", "Digits": f"{(int(HOUSE_CODE) + 1) % 1000:03d}"}
    right = {"CallSid": f"CA{1:032d}", "Digits": HOUSE_CODE}
    again = ET.fromstring((await client.post(path, data=wrong, headers=signed(path, wrong))).text)
    thanks = ET.fromstring((await client.post(path, data=right, headers=signed(path, right))).text)
    replay = await client.post(path, data=right, headers=signed(path, right))
    assert again.find("Gather") is not None and "もう一度" in "".join(again.itertext())
    assert thanks.find("Gather") is None and "確認ができました" in "".join(thanks.itertext())
    assert ET.fromstring(replay.text).find("Hangup") is not None
    async with sessions() as session:
        attempts = list(await session.scalars(select(VerificationAttempt).order_by(VerificationAttempt.id)))
        incident = await session.get(Incident, incident_id)
    assert [(a.method, a.matched) for a in attempts] == [
        ("ivr", False),
        ("ivr", True),
    ]  # the replay: no third
    assert incident.verified and HOUSE_CODE not in replay.text


async def test_sms_first_then_a_call_when_unacknowledged(center, sessions) -> None:
    client, fake, incident_id, settings = center
    async with sessions() as session:
        (await session.scalar(select(Premises))).contact_sms_first = True
        await session.commit()
    assert (await client.post(f"/console/incidents/{incident_id}/call-list")).status_code == 303
    (first,) = fake.texts()
    assert first.data["To"] == "+819000000001" and "「1」と返信" in first.data["Body"]
    assert first.data["StatusCallback"] == f"{BASE}/telephony/twilio/sms-status/1"
    async with sessions() as session:  # nobody replies within the time: the same contact gets a call
        deadline = (await session.get(ContactAttempt, 1)).deadline_at
        swept = await flows.sweep(
            session=session,
            now=deadline + dt.timedelta(seconds=1),
            telephony=client._transport.app.state.telephony,
            settings=settings,
        )
    assert swept == 1 and [c.data["To"] for c in fake.calls()] == ["+819000000001"]
    await report(client, 2, "no-answer")  # unanswered → the next contact, by SMS first again
    assert [t.data["To"] for t in fake.texts()] == ["+819000000001", "+819000000002"]
    reply = {"From": "+819000000002", "Body": "1", "MessageSid": "SM" + "2" * 32}
    answered = await client.post(
        "/telephony/twilio/sms-in", data=reply, headers=signed("/telephony/twilio/sms-in", reply)
    )
    assert answered.status_code == 200
    async with sessions() as session:
        run = await session.scalar(select(CallRun))
        results = [
            a.result for a in await session.scalars(select(ContactAttempt).order_by(ContactAttempt.id))
        ]
    assert (run.state, run.reached) == ("reached", "連絡先2")
    assert results == ["not_acknowledged", "no_answer", "acknowledged"]


def test_numbers_in_e164() -> None:
    assert to_e164("090-1234-5678") == "+819012345678"
    assert to_e164("052-111-2222") == "+81521112222"
    assert to_e164("+81 3 1234 5678") == "+81312345678"
    for bad in ("110", "abc", "1234-5678"):
        with pytest.raises(ValueError):
            to_e164(bad)
