"""The premises' directions and landmarks: an operator keeps them on the subscriber page (or the API), on the
audit log; hostile or over-long text is refused with a message and markup stays text; the 110/119 script
and the hand-off XML then carry them; the demo's premises come with realistic ones
(control_center/console/subscribers.py, dispatch/handoff_views.py, dispatch/handoff_service.py,
simulators/demo/subscribers.py)."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from control_center.alarms.action_plans import Outcome
from control_center.core.audit import AuditEntry
from control_center.core.db import utcnow
from control_center.incidents import flows
from control_center.subscribers.models import Premises, Subscriber
from dispatch import asap, handoff
from dispatch.handoff_models import PremisesDirections
from simulators.demo.subscribers import directions_for, seed
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import alarms
from tests.dispatch.test_handoff_flow import center
from tests.helpers import add_user

WAY = "地下鉄東山線 栄駅 8番出口を出て北へ徒歩約5分、二つ目の信号を右折して左側3軒目"
MARKS = "白い外壁の2階建て。向かいにコンビニ"


async def burglary(sessions, account: str) -> tuple[int, int, int, int]:
    """A premises without directions and a confirmed burglary on it: (subscriber, premises, incident, the
    police task)."""
    premises_id = await premises(sessions, account=account)
    incident_id = (await alarms(sessions, (130, account)))[-1]
    now = utcnow()
    async with sessions() as session:
        subscriber_id = (await session.get(Premises, premises_id)).subscriber_id
        await flows.claim(session=session, incident_id=incident_id, operator="operator", at=now)
        await flows.record_outcome(
            session=session, incident_id=incident_id, operator="operator", outcome=Outcome.CONFIRMED, at=now
        )
        incident = await flows.load(session=session, incident_id=incident_id)
        (task,) = [t for t in incident.tasks if t.agency == "police"]
    return subscriber_id, premises_id, incident_id, task.id


async def kept(sessions, premises_id: int) -> PremisesDirections | None:
    async with sessions() as session:
        return await session.get(PremisesDirections, premises_id)


async def test_the_operator_saves_them_and_the_script_and_the_message_carry_them(
    database_url, sessions
) -> None:
    subscriber_id, premises_id, incident_id, task_id = await burglary(sessions, "9401")
    _, operator = await add_user(sessions, "operator")
    app = center(database_url, sessions)
    ja = operator | {"Accept-Language": "ja"}
    page_path = f"/console/subscribers/{subscriber_id}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        before = await client.get(f"/console/incidents/{incident_id}", headers=ja)
        assert "道順：" not in before.text and WAY not in before.text  # nothing to read out yet
        saved = await client.post(
            f"{page_path}/premises/{premises_id}/directions",
            data={"directions": f"  {WAY}\r\n", "landmarks": MARKS},
            headers=ja,
            follow_redirects=True,
        )
        incident_page = await client.get(f"/console/incidents/{incident_id}", headers=ja)
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
    assert saved.status_code == 200 and "道順と目印を保存しました。" in saved.text
    assert f"data-directions>{WAY}<" in saved.text and f"data-landmarks>{MARKS}<" in saved.text
    row = await kept(sessions, premises_id)
    assert (row.directions, row.landmarks) == (WAY, MARKS)  # trimmed, the line break gone
    assert WAY in incident_page.text and MARKS in incident_page.text  # the 110/119 script on the page
    (message,) = app.state.psap.sent
    document = message.document.decode()
    assert asap.errors(message.document) == []
    assert f"<LocationDirections>{WAY}</LocationDirections>" in document
    assert f"<LocationLandmarks>{MARKS}</LocationLandmarks>" in document
    async with sessions() as session:
        audited = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.subject == f"premises:{premises_id}"))
        )
    assert [(a.actor, a.action) for a in audited] == [("operator", "change")] and WAY in audited[0].detail


async def test_hostile_or_over_long_text_is_refused_with_a_message_and_markup_stays_text(
    database_url, sessions
) -> None:
    subscriber_id, premises_id, incident_id, task_id = await burglary(sessions, "9402")
    _, operator = await add_user(sessions, "operator")
    _, clerk = await add_user(sessions, "billing_clerk")
    app = center(database_url, sessions)
    ja = operator | {"Accept-Language": "ja"}
    path = f"/console/subscribers/{subscriber_id}/premises/{premises_id}/directions"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:

        async def post(directions: str, landmarks: str = "", headers=ja) -> httpx.Response:
            data = {"directions": directions, "landmarks": landmarks}
            return await client.post(path, data=data, headers=headers, follow_redirects=True)

        too_long = await post("あ" * 301)
        landmarks_too_long = await post("ok", "x" * 301)
        control = await post("北へ\x00200m")
        bidi = await post("北へ\u202e200m")  # a right-to-left override: the page and the call would differ
        flood = await post("a" * 200_000)
        clerk_try = await post(WAY, headers=clerk)
        other_subscriber = await client.post(
            f"/console/subscribers/{subscriber_id + 999}/premises/{premises_id}/directions",
            data={"directions": WAY}, headers=ja,
        )  # fmt: skip
        assert await kept(sessions, premises_id) is None  # none of it kept
        markup = "<script>alert(1)</script>&<b>裏口</b>"
        shown = await post(markup, "'\"><img src=x onerror=alert(1)>")
        await client.post(f"/console/incidents/{incident_id}/tasks/{task_id}/handoff", headers=operator)
        clerk_page = await client.get(f"/console/subscribers/{subscriber_id}", headers=clerk)
        cleared = await post("", "")
    assert "道順と目印はそれぞれ300文字以内で入力してください。" in too_long.text
    assert "道順と目印はそれぞれ300文字以内で入力してください。" in landmarks_too_long.text
    assert "道順と目印に制御文字や見えない文字は使えません。" in control.text
    assert "道順と目印に制御文字や見えない文字は使えません。" in bidi.text
    assert flood.status_code == 422 and clerk_try.status_code == 403 and other_subscriber.status_code == 404
    assert "<script>alert(1)</script>" not in shown.text and "<img src=x" not in shown.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&lt;b&gt;裏口&lt;/b&gt;" in shown.text  # shown as text
    (message,) = app.state.psap.sent
    assert asap.errors(message.document) == []  # the markup travels escaped in a valid message
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.document.decode()
    assert clerk_page.status_code == 200 and "data-directions-form" not in clerk_page.text  # no form to use
    assert cleared.status_code == 200 and "data-directions>—<" in cleared.text
    row = await kept(sessions, premises_id)
    assert row is not None and (row.directions, row.landmarks) == (None, None)


async def test_the_api_reads_and_sets_them_and_refuses_what_the_form_refuses(database_url, sessions) -> None:
    _, premises_id, _, _ = await burglary(sessions, "9403")
    _, operator = await add_user(sessions, "operator")
    _, clerk = await add_user(sessions, "billing_clerk")
    app = center(database_url, sessions)
    path = f"/api/premises/{premises_id}/directions"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        empty = await client.get(path, headers=operator)
        put = await client.put(path, json={"directions": WAY, "landmarks": MARKS}, headers=operator)
        got = await client.get(path, headers=operator)
        refused = {
            "too long": await client.put(path, json={"directions": "x" * 301}, headers=operator),
            "control": await client.put(path, json={"landmarks": "a\x1bb"}, headers=operator),
            "not text": await client.put(path, json={"directions": ["x"]}, headers=operator),
            "flood": await client.put(path, json={"directions": "x" * 100_000}, headers=operator),
        }
        clerk_put = await client.put(path, json={"directions": "x"}, headers=clerk)
        missing = await client.put(
            "/api/premises/999999/directions", json={"directions": "x"}, headers=operator
        )
    assert empty.json() == {"premises_id": premises_id, "directions": None, "landmarks": None}
    assert put.status_code == 200 and got.json() == {
        "premises_id": premises_id, "directions": WAY, "landmarks": MARKS,
    }  # fmt: skip
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 422)
    assert "at most 300 characters" in refused["too long"].text
    assert (clerk_put.status_code, missing.status_code) == (403, 404)
    row = await kept(sessions, premises_id)
    assert (row.directions, row.landmarks) == (WAY, MARKS)


async def test_the_demo_premises_come_with_directions_from_their_account(sessions) -> None:
    async with sessions() as session:
        assert await seed(session=session, count=6, key=b"k" * 32) == 6
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Premises.address, PremisesDirections.directions, PremisesDirections.landmarks)
                .join(PremisesDirections, PremisesDirections.premises_id == Premises.id)
                .order_by(Premises.id)
            )
        ).all()
        subscribers = await session.scalar(select(func.count()).select_from(Subscriber))
    assert len(rows) == subscribers == 6
    for number, (address, way, marks) in enumerate(rows, start=1001):
        ward = address.removeprefix("愛知県名古屋市").split("区")[0] + "区"
        assert (way, marks) == directions_for(f"{number:04d}", ward)
        assert (
            "駅" in way and "徒歩" in way and handoff.note_problem(way) is handoff.note_problem(marks) is None
        )
