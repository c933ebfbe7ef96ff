"""The hand-off to the police through the console and the agency's signed replies: the message validated,
every reply on the incident's timeline (in Japanese on the page), a rejection or silence → the voice call,
and every forged, replayed, mismatched or hostile reply refused without a trace on the record."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.app import create_app
from control_center.core.audit import AuditEntry
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents import flows
from control_center.incidents.models import Incident, IncidentEvent, IncidentTask
from dispatch import asap, handoff_service, psap
from dispatch.agencies import RecordingSwitchboard
from dispatch.handoff_models import AgencyHandoff, PremisesDirections
from dispatch.psap import RecordingPsap
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import alarms
from tests.helpers import add_user

SECRET = b"k" * 32


async def police_task(sessions, account: str = "9301") -> tuple[int, int]:
    """A burglary, confirmed by the call: the plan asks for the police."""
    premises_id = await premises(sessions, account=account)
    incident_id = (await alarms(sessions, (130, account)))[-1]  # the newest
    now = utcnow()
    async with sessions() as session:
        session.add(
            PremisesDirections(
                premises_id=premises_id, directions="栄交差点を北へ200m", landmarks="向かいにコンビニ"
            )
        )
        await session.commit()
        await flows.claim(session=session, incident_id=incident_id, operator="operator", at=now)
        await flows.record_outcome(
            session=session, incident_id=incident_id, operator="operator", outcome=Outcome.CONFIRMED, at=now
        )
        incident = await flows.load(session=session, incident_id=incident_id)
        (task,) = [t for t in incident.tasks if t.agency == "police"]
        return incident_id, task.id


def center(database_url: str, sessions, **psap_args: object):
    settings = Settings(_env_file=None, database_url=database_url, psap_reply_secret=SECRET.decode())
    app = create_app(settings, sessions, Hub())
    app.state.psap = RecordingPsap(secret=SECRET, schedule=(), **psap_args)  # type: ignore[arg-type]
    return app


async def post_reply(client: httpx.AsyncClient, body: bytes, secret: bytes = SECRET) -> httpx.Response:
    headers = psap.signed_headers(secret, body, utcnow()) | {"content-type": "application/xml"}
    return await client.post("/api/agency/replies", content=body, headers=headers)


async def events(sessions, incident_id: int) -> list[IncidentEvent]:
    async with sessions() as session:
        return list(
            await session.scalars(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == incident_id)
                .order_by(IncidentEvent.id)
            )
        )


async def test_the_hand_off_is_validated_and_its_replies_are_on_the_timeline(database_url, sessions) -> None:
    incident_id, task_id = await police_task(sessions)
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    fake: RecordingPsap = app.state.psap
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        page = await client.get(f"/console/incidents/{incident_id}", headers=operator)
        assert "110番・119番通報の読み上げ文" in page.text and "栄交差点を北へ200m" in page.text
        sent = await client.post(
            f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator
        )
        assert sent.status_code == 303
        (message,) = fake.sent
        assert message.agency == "police" and asap.errors(message.document) == []  # valid against the schema
        for value in ("愛知県名古屋市中区栄1-1-1", "栄交差点を北へ200m", "向かいにコンビニ", "35.170000",
                      "<ValidationLevel>", "連絡先1", "<CallBackTelephone>052-000-0000<"):  # fmt: skip
            assert value in message.document.decode(), value
        again = await client.post(
            f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator
        )
        assert again.status_code == 303 and len(fake.sent) == 1  # refused while waiting for the answer
        for status in ("accepted", "dispatched", "arrived", "closed"):
            answer = await post_reply(client, fake.reply(message.document, status))
            assert answer.status_code == 200, answer.text
        page = await client.get(f"/console/incidents/{incident_id}", headers=operator)
        document = await client.get(
            re.search(r'href="(/console/incidents/\d+/handoff-document\?handoff=\d+)"', page.text)[1],
            headers=operator,
        )
    assert document.content == message.document
    replies = [e.detail for e in await events(sessions, incident_id) if e.kind == "agency_reply"]
    assert [r.split()[1] for r in replies] == ["accepted", "dispatched", "arrived", "closed"]
    for shown in ("関係機関（データ連携）", "受理", "出動", "現場到着", "事案終了", "通報データ送信"):
        assert shown in page.text, shown
    async with sessions() as session:
        task = await session.get(IncidentTask, task_id)
        row = await session.scalar(select(AgencyHandoff))
    assert task is not None and task.done_at is not None and task.reference == row.agency_reference
    assert row.status == "closed" and row.fallback_at is None and row.agency_reference.startswith("POLI-")


async def test_a_rejection_falls_back_to_the_voice_call_at_once(database_url, sessions) -> None:
    incident_id, task_id = await police_task(sessions)
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    app.state.switchboard = switchboard = RecordingSwitchboard()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
        rejection = app.state.psap.reply(app.state.psap.last(), "rejected", reason="住所が管轄外")
        assert (await post_reply(client, rejection)).status_code == 200
        page = await client.get(f"/console/incidents/{incident_id}", headers=operator)
    assert [n.agency for n in switchboard.notices] == ["police"]  # the voice call, in the same request
    kinds = [e.kind for e in await events(sessions, incident_id)]
    assert kinds[-3:] == ["agency_reply", "handoff_fallback", "agency_notified"]
    async with sessions() as session:
        task = await session.get(IncidentTask, task_id)
    assert task is not None and task.reference == "POLICE-00001"
    assert "住所が管轄外" in page.text and "電話で通報" in page.text


async def test_no_acceptance_in_time_or_a_dead_link_means_the_voice_call(database_url, sessions) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    switchboard, fake = RecordingSwitchboard(), RecordingPsap(secret=SECRET, schedule=())
    incident_id, task_id = await police_task(sessions)
    at = utcnow()
    async with sessions() as session:
        await handoff_service.hand_off(
            session=session, incident_id=incident_id, task_id=task_id, actor="operator", at=at,
            psap_link=fake, switchboard=switchboard, settings=settings, evidence_key=b"e" * 32,
        )  # fmt: skip
    limit = dt.timedelta(seconds=settings.handoff_accept_seconds)
    async with sessions() as session:
        early = await handoff_service.sweep(
            session=session,
            now=at + limit - dt.timedelta(seconds=1),
            switchboard=switchboard,
            settings=settings,
        )
    published: list[set[int]] = []
    async with sessions() as session:
        due = await handoff_service.sweep(
            session=session,
            now=at + limit,
            switchboard=switchboard,
            settings=settings,
            publish=published.append,
        )
    assert (early, due, published) == (0, 1, [{incident_id}]) and len(switchboard.notices) == 1
    assert settings.handoff_accept_seconds + 2 < 30  # the sweep's period (runtime.HANDOFF_SWEEP_S) on top
    fallback = [e.detail for e in await events(sessions, incident_id) if e.kind == "handoff_fallback"]
    assert fallback == ["police no acceptance (POLICE-00001)"]
    # a late acceptance after the voice call is refused: the call has taken over
    async with sessions() as session:
        late = await handoff_service.receive(
            session=session, body=(body := fake.reply(fake.last(), "accepted")),
            **_signed(body), now=utcnow(), secret=SECRET,
        )  # fmt: skip
    assert late.status_code == 409

    second_id, second_task = await police_task(sessions, account="9302")
    down = RecordingPsap(secret=SECRET, schedule=(), down=True)
    async with sessions() as session:
        reference = await handoff_service.hand_off(
            session=session, incident_id=second_id, task_id=second_task, actor="operator", at=at,
            psap_link=down, switchboard=switchboard, settings=settings, evidence_key=b"e" * 32,
        )  # fmt: skip
    assert reference == "POLICE-00002"
    assert [e.kind for e in await events(sessions, second_id)][-2:] == ["handoff_fallback", "agency_notified"]


def _signed(body: bytes) -> dict[str, str]:
    headers = psap.signed_headers(SECRET, body, utcnow())
    return {"timestamp": headers[psap.TIMESTAMP_HEADER], "signature": headers[psap.SIGNATURE_HEADER]}


async def test_forged_replayed_mismatched_and_hostile_replies_leave_no_trace(database_url, sessions) -> None:
    incident_id, task_id = await police_task(sessions)
    other_id, _ = await police_task(sessions, account="9303")
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    fake: RecordingPsap = app.state.psap
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
        before = len(await events(sessions, incident_id))
        accepted = fake.reply(fake.last(), "accepted")
        refused = {
            "unsigned": await client.post("/api/agency/replies", content=accepted),
            "other secret": await post_reply(client, accepted, b"x" * 32),
            "tampered": await client.post(
                "/api/agency/replies",
                content=accepted.replace(b"POLI-", b"EVIL-"),
                headers=psap.signed_headers(SECRET, accepted, utcnow()),
            ),
            "stale": await client.post(
                "/api/agency/replies",
                content=accepted,
                headers=psap.signed_headers(SECRET, accepted, utcnow() - dt.timedelta(minutes=10)),
            ),
            "out of order": await post_reply(client, fake.reply(fake.last(), "arrived")),
            "other incident": await post_reply(
                client, accepted.replace(f">{incident_id}<".encode(), f">{other_id}<".encode())
            ),
            "unknown hand-off": await post_reply(
                client, accepted.replace(b"<ReferencedMessageID>", b"<ReferencedMessageID>ffff")
            ),
            "XXE (signed)": await post_reply(
                client,
                b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
            ),
            "unknown status": await post_reply(client, accepted.replace(b">accepted<", b">approved<")),
        }
        flood = [await post_reply(client, accepted, b"f" * 32) for _ in range(50)]
        assert len(await events(sessions, incident_id)) == before  # nothing of it on the record
        first = await post_reply(client, accepted)
        replay = await post_reply(client, accepted)
    codes = {name: r.status_code for name, r in refused.items()}
    assert codes == {
        "unsigned": 401, "other secret": 401, "tampered": 401, "stale": 401, "out of order": 409,
        "other incident": 409, "unknown hand-off": 404, "XXE (signed)": 400, "unknown status": 400,
    }  # fmt: skip
    assert {r.status_code for r in flood} == {401}
    assert (first.status_code, replay.status_code, replay.json()["detail"]) == (200, 200, "already recorded")
    assert [e.kind for e in await events(sessions, incident_id)].count("agency_reply") == 1  # recorded once


async def test_the_evidence_link_opens_only_as_signed_and_until_it_expires(database_url, sessions) -> None:
    incident_id, task_id = await police_task(sessions)
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
        async with sessions() as session:
            row = await session.scalar(select(AgencyHandoff))
        path = row.evidence_url.removeprefix(app.state.settings.base_url)
        opened = await client.get(path)  # no login: the agency's call-taker opens it
        forged = await client.get(path[:-4] + "0000")
        longer = await client.get(re.sub(r"exp=\d+", "exp=99999999999", path))
    assert (
        opened.status_code == 200
        and "愛知県名古屋市中区栄1-1-1" in opened.text
        and "栄交差点を北へ200m" in opened.text
    )
    assert forged.status_code == 404 and longer.status_code == 404
    async with sessions() as session:
        views = list(await session.scalars(select(AuditEntry).where(AuditEntry.actor == "psap")))
    assert len(views) == 1 and views[0].action == "view"  # the one opening, on the audit log
    key = app.state.secret_box.subkey("agency-evidence")
    expires = re.search(r"exp=(\d+)", path)[1]
    sig = re.search(r"sig=(\w+)", path)[1]
    later = dt.datetime.fromtimestamp(int(expires) + 1, dt.UTC)
    assert not handoff_service.evidence_valid(key, row.message_id, expires, sig, later)


async def test_the_recording_agency_answers_on_its_schedule_through_the_signed_path(
    database_url, sessions
) -> None:
    incident_id, task_id = await police_task(sessions)
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    fake = RecordingPsap(
        secret=app.state.psap_secret,
        deliver=app.state.psap.deliver or (lambda body, headers: _take(app, body, headers)),
        schedule=((0, "accepted"), (0, "dispatched")),
    )
    app.state.psap = fake
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
        await asyncio.gather(*fake._tasks)
        fake.reject_next("管轄外")
        second_id, second_task = await police_task(sessions, account="9304")
        await client.post(f"/console/incidents/{second_id}/tasks/{second_task}/handoff", headers=operator)
        await asyncio.gather(*fake._tasks)
    first = [e.detail.split()[1] for e in await events(sessions, incident_id) if e.kind == "agency_reply"]
    second = [e.kind for e in await events(sessions, second_id)]
    assert first == ["accepted", "dispatched"]
    assert second[-3:] == ["agency_reply", "handoff_fallback", "agency_notified"]


async def _take(app, body: bytes, headers: dict[str, str]) -> object:
    from dispatch.handoff_views import take_reply

    return await take_reply(app.state, body, headers)


class HeldLine:
    """A switchboard (dispatch/agencies.Switchboard) whose first call stays on the line until released,
    so a second path runs while the first one's voice call is in progress."""

    channel = "held (test)"

    def __init__(self) -> None:
        self.notices: list[object] = []
        self.ringing, self.release = asyncio.Event(), asyncio.Event()

    async def notify(self, notice) -> str:
        self.notices.append(notice)
        if len(self.notices) == 1:
            self.ringing.set()
            await self.release.wait()
        return f"POLICE-{len(self.notices):05d}"


@pytest.mark.parametrize("first", ["sweep", "rejection"])
async def test_the_sweep_and_a_rejection_at_once_make_one_voice_call(database_url, sessions, first) -> None:
    incident_id, task_id = await police_task(sessions)
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    app.state.switchboard = line = HeldLine()
    settings = app.state.settings
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
        rejection = app.state.psap.reply(app.state.psap.last(), "rejected", reason="住所が管轄外")
        due = utcnow() + dt.timedelta(seconds=settings.handoff_accept_seconds + 1)

        async def sweep() -> object:
            async with sessions() as session:
                return await handoff_service.sweep(
                    session=session, now=due, switchboard=line, settings=settings
                )

        async def reject() -> object:
            return await post_reply(client, rejection)

        paths = {"sweep": sweep, "rejection": reject}
        held = asyncio.create_task(paths[first]())
        await asyncio.wait_for(line.ringing.wait(), 30)  # the first path's call is in progress
        other = await asyncio.wait_for(paths["rejection" if first == "sweep" else "sweep"](), 30)
        line.release.set()
        await asyncio.wait_for(held, 30)
    assert len(line.notices) == 1, other
    fallback = [e.detail for e in await events(sessions, incident_id) if e.kind == "handoff_fallback"]
    assert len(fallback) == 1 and fallback[0].endswith("(POLICE-00001)")
    async with sessions() as session:
        row = await session.scalar(select(AgencyHandoff))
        task = await session.get(IncidentTask, task_id)
    assert (row.status, row.voice_reference, task.reference) == ("voice", "POLICE-00001", "POLICE-00001")


async def test_a_call_that_fails_is_tried_again_by_the_next_sweep(database_url, sessions) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    incident_id, task_id = await police_task(sessions)
    at = utcnow()
    async with sessions() as session:
        await handoff_service.hand_off(
            session=session, incident_id=incident_id, task_id=task_id, actor="operator", at=at,
            psap_link=RecordingPsap(secret=SECRET, schedule=()), switchboard=RecordingSwitchboard(),
            settings=settings, evidence_key=b"e" * 32,
        )  # fmt: skip

    class DeadLine:
        channel = "dead (test)"

        async def notify(self, notice) -> str:
            raise ConnectionError("no dial tone")

    due = at + dt.timedelta(seconds=settings.handoff_accept_seconds)
    async with sessions() as session:
        with pytest.raises(ConnectionError):
            await handoff_service.sweep(session=session, now=due, switchboard=DeadLine(), settings=settings)
    working = RecordingSwitchboard()
    async with sessions() as session:
        swept = await handoff_service.sweep(session=session, now=due, switchboard=working, settings=settings)
    assert swept == 1
    assert [n.agency for n in working.notices] == ["police"]


async def test_the_script_before_the_claim_names_no_login_and_warns_of_the_demo_callback(
    database_url, sessions
) -> None:
    """Outside tester, item 8: 「管制員のsystemです」 before the incident was taken, and a placeholder
    call-back number read to the agency without a word of warning."""
    incident_id, _ = await police_task(sessions)
    async with sessions() as session:  # as after a hand-back: the police task stays, nobody holds it
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        incident.claimed_by = None
        await session.commit()
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        page = (await client.get(f"/console/incidents/{incident_id}", headers=operator)).text
    assert "こちらは警備会社の中央監視センターです（担当オペレーター未定）。" in page
    assert "管制員のsystem" not in page and "管制員の" not in page
    assert "ご契約者は山田 太郎様、現場の電話は052-111-2222です。" in page
    assert 'id="handoff-callback-demo-police"' in page and "デモ用の仮番号" in page

    settings = Settings(
        _env_file=None,
        database_url=database_url,
        psap_reply_secret=SECRET.decode(),
        center_phone="052-123-4567",
    )
    configured = create_app(settings, sessions, Hub())
    configured.state.psap = RecordingPsap(secret=SECRET, schedule=())  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=configured), base_url="http://t"
    ) as client:
        page = (await client.get(f"/console/incidents/{incident_id}", headers=operator)).text
    assert "折り返しの連絡先は052-123-4567です。" in page and "handoff-callback-demo" not in page
