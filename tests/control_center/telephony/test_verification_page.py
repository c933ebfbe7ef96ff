"""The link page's refusals and limits (no browser): forged, altered, expired and unknown tokens, a flood
of answers, hostile names and input. And the token itself, as a pure function."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select, update

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.incidents import flows
from control_center.incidents.models import Incident
from control_center.subscribers.models import EmergencyContact, PremisesZone
from control_center.telephony import verification
from control_center.telephony import verification_links as links
from control_center.telephony.models import CallRun, LinkRecipient
from tests.control_center.factories import HOUSE_CODE, premises
from tests.control_center.telephony.test_verification_flows import (
    KEY,
    SETTINGS,
    T0,
    alarm,
    carrier,
    sweep,
    tokens,
)
from tests.helpers import add_user

S = dt.timedelta(seconds=1)
HOSTILE = '<script>alert("x")</script>&<b>'


# --- the token (pure) ---------------------------------------------------------------------------------------


def test_a_token_reads_back_until_it_expires() -> None:
    token = links.sign(KEY, 7, 42, T0 + 60 * S)
    assert links.read(KEY, token, T0) == links.Claim(7, 42, T0 + 60 * S)
    assert links.read(KEY, token, T0 + 60 * S) == links.Refusal("expired")


def _altered(token: str) -> list[str]:
    payload, mac = token.split(".")
    other = links.sign(KEY, 8, 42, T0 + 60 * S).split(".")[0]  # another recipient's payload, our MAC
    later = links.sign(KEY, 7, 42, T0 + 3600 * S).split(".")[0]  # a later expiry
    flipped = mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")
    return [f"{other}.{mac}", f"{later}.{mac}", f"{payload}.{flipped}", payload, f"{payload}.", ".", "",
            f"{payload}.{mac}.{mac}", "%00" * 40, "x" * 5000, f"{payload}.{mac}="]  # fmt: skip


def test_altered_or_foreign_tokens_are_forged() -> None:
    token = links.sign(KEY, 7, 42, T0 + 60 * S)
    for bad in _altered(token):
        assert links.read(KEY, bad, T0) == links.Refusal("forged"), bad
    assert links.read(b"another center's key" * 2, token, T0) == links.Refusal("forged")


# --- the page -----------------------------------------------------------------------------------------------


@pytest.fixture
async def app(sessions):
    telephony = carrier(sessions)
    application = create_app(SETTINGS, sessions, Hub(), telephony)
    application.state.test_telephony = telephony
    return application


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers={"accept": "text/html"}
    )


async def linked(sessions, app, name: str = "連絡先1") -> tuple[int, dict[str, str]]:
    await premises(sessions)
    async with sessions() as session:
        await session.execute(
            update(EmergencyContact).where(EmergencyContact.position == 1).values(name=name)
        )
        await session.commit()
    now = dt.datetime.now(dt.UTC)  # the page reads the token against the clock
    opened = await alarm(sessions, at=now)
    await sweep(sessions, app.state.test_telephony, now)
    return opened.id, tokens(app.state.test_telephony)


async def test_forged_altered_and_unknown_tokens_get_a_japanese_403(sessions, app) -> None:
    _, found = await linked(sessions, app)
    token = found["+819000000001"]
    unknown = links.sign(app.state.secret_box.subkey(links.PURPOSE), 999, 1, dt.datetime.now(dt.UTC) + 60 * S)
    async with client(app) as http:
        for bad in [*_altered(token)[:4], unknown]:
            page = await http.get(f"/v/{bad}")
            assert page.status_code in (403, 404), bad
            if page.status_code == 403:
                assert "このリンクは無効です" in page.text
        refused = await http.post(
            f"/v/{_altered(token)[0]}/answer", data={"choice": "cancel", "code": HOUSE_CODE}
        )
        assert refused.status_code == 403
    async with app.state.sessions() as session:
        assert (await session.scalar(select(Incident))).closed_at is None


async def test_an_expired_token_gets_a_japanese_410(sessions, app) -> None:
    await linked(sessions, app)
    past = links.sign(app.state.secret_box.subkey(links.PURPOSE), 1, 1, dt.datetime.now(dt.UTC) - S)
    async with client(app) as http:
        for response in (
            await http.get(f"/v/{past}"),
            await http.post(f"/v/{past}/answer", data={"choice": "cancel", "code": HOUSE_CODE}),
        ):
            assert response.status_code == 410
            assert "有効期限が切れました" in response.text


async def test_the_page_shows_what_happened_names_as_text_and_no_code_or_numbers(sessions, app) -> None:
    _, found = await linked(sessions, app, name=HOSTILE)
    async with client(app) as http:
        page = await http.get(f"/v/{found['+819000000002']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "侵入" in page.text or "盗難" in page.text or 'data-service="A"' in page.text
    assert HOSTILE not in page.text and "&lt;script&gt;alert" in page.text
    for number in ("090-0000-000", "+81900000000", "052-111-2222"):
        assert number not in page.text
    assert HOUSE_CODE not in page.text.replace(found["+819000000002"], "")


async def test_a_flood_of_answers_from_one_link_is_cut_off(sessions, app) -> None:
    _, found = await linked(sessions, app)
    token = found["+819000000001"]
    async with client(app) as http:
        answers = [await http.post(f"/v/{token}/answer", data={"choice": "going"}) for _ in range(12)]
        assert [a.status_code for a in answers] == [303] * 12  # never a page a reload would post again
        assert [a.headers["location"].split("?")[1] for a in answers[10:]] == ["e=busy", "e=busy"]
        page = await http.get(answers[-1].headers["location"])
        assert "このリンクからのアクセスが多すぎます" in page.text and 'class="notice error"' in page.text
        other = await http.post(f"/v/{found['+819000000002']}/answer", data={"choice": "going"})
        assert other.status_code == 303 and other.headers["location"].endswith("r=recorded")


async def test_hostile_input_on_the_form_gets_the_page_with_a_message(sessions, app) -> None:
    incident_id, found = await linked(sessions, app)
    token = found["+819000000001"]
    async with client(app) as http:
        for data, error in (
            ({"choice": "cancel", "code": "1" * 5000}, "too_long"),
            ({"choice": "cancel", "code": "123456789"}, "too_long"),
            ({"choice": "nonsense" * 1000}, "unknown"),
            ({}, "unknown"),
            ({"choice": "cancel", "code": "<b>1</b>"}, "wrong_code"),
        ):
            response = await http.post(f"/v/{token}/answer", data=data)
            assert response.status_code == 303 and response.headers["location"] == f"/v/{token}?e={error}", (
                data
            )
        page = await http.get(f"/v/{token}?e=too_long")
        assert page.status_code == 200 and "合言葉番号が長すぎます。" in page.text
        odd = await http.get(f"/v/{token}?e=<script>&r=nonsense")  # unknown keys show nothing
        assert odd.status_code == 200 and "<script>" not in odd.text and "notice" not in odd.text
    async with app.state.sessions() as session:  # only the one real (wrong) code counted
        assert (await verification.view_of(session=session, incident_id=incident_id)).attempts_left == 2


async def test_the_page_says_who_and_where_and_a_wrong_code_in_red(sessions, app) -> None:
    incident_id, found = await linked(sessions, app)
    async with app.state.sessions() as session:
        premises_id = (await session.get(Incident, incident_id)).premises_id
        session.add(PremisesZone(premises_id=premises_id, zone=1, name="玄関"))
        await session.commit()
    token = found["+819000000001"]
    async with client(app) as http:
        first = await http.get(f"/v/{token}")
        assert SETTINGS.center_name in first.text and "名古屋市の山田様宅" in first.text
        assert "栄1-1-1" not in first.text and "山田 太郎" not in first.text
        assert '<span data-zone="1">1 玄関</span>' in first.text
        assert "センターはご回答をお待ちしています。" in first.text
        assert "合言葉番号" in first.text and "ハウスコード" not in first.text
        wrong = await http.post(f"/v/{token}/answer", data={"choice": "cancel", "code": "000"})
        page = await http.get(wrong.headers["location"])
    assert 'data-error="wrong_code" data-result="wrong_code">合言葉番号が一致しません。' in page.text
    assert '<p class="notice error"' in page.text
    assert 'data-attempts-left="2"' in page.text
    assert "センターはご回答をお待ちしています。" in page.text  # a wrong code is no answer yet
    async with client(app) as http:
        going = await http.post(f"/v/{token}/answer", data={"choice": "going"})
        page = await http.get(going.headers["location"])
    assert "センターはご回答をお待ちしています。" not in page.text  # this contact has answered
    assert "ご回答を送信しました。" in page.text


async def test_a_refused_cancel_redirects_to_the_page_without_the_cancel_form(sessions, app) -> None:
    incident_id, found = await linked(sessions, app)
    async with client(app) as http:
        await http.post(f"/v/{found['+819000000002']}/answer", data={"choice": "help"})
        refused = await http.post(
            f"/v/{found['+819000000001']}/answer", data={"choice": "cancel", "code": HOUSE_CODE}
        )
        assert refused.status_code == 303 and refused.headers["location"].endswith("?e=handling")
        page = await http.get(refused.headers["location"])
    assert "センターがこの警報に対応しています。センターからお電話します。" in page.text
    assert 'data-choice="cancel"' not in page.text and 'data-choice="help"' in page.text
    async with app.state.sessions() as session:
        assert (await session.get(Incident, incident_id)).closed_at is None


async def test_a_lockout_on_the_page_starts_the_calls_and_hides_the_cancel(sessions, app) -> None:
    incident_id, found = await linked(sessions, app)
    token = found["+819000000001"]
    async with client(app) as http:
        for guess in ("000", "111", "222"):
            last = await http.post(f"/v/{token}/answer", data={"choice": "cancel", "code": guess})
        assert last.headers["location"].endswith("?e=locked")
        page = await http.get(last.headers["location"])
    assert (
        "合言葉番号の入力誤りが規定回数に達しました。センターから緊急連絡先へお電話しています。" in page.text
    )
    assert 'data-choice="cancel"' not in page.text
    async with app.state.sessions() as session:
        assert (
            len(list(await session.scalars(select(CallRun).where(CallRun.incident_id == incident_id)))) == 1
        )


async def test_the_console_panel_needs_a_login_and_shows_the_answers(sessions, app) -> None:
    incident_id, found = await linked(sessions, app, name=HOSTILE)
    _, operator = await add_user(sessions, "operator", "kato")
    async with client(app) as http:
        await http.post(f"/v/{found['+819000000001']}/answer", data={"choice": "going"})
        anonymous = await http.get(f"/console/incidents/{incident_id}/verification")
        assert anonymous.status_code in (303, 307, 401)
        panel = await http.get(f"/console/incidents/{incident_id}/verification", headers=operator)
    assert panel.status_code == 200 and 'data-answer="going"' in panel.text
    assert HOSTILE not in panel.text
    async with app.state.sessions() as session:
        assert len(list(await session.scalars(select(LinkRecipient)))) == 3


async def test_the_operator_sees_a_fire_call_off_request_prominently(sessions, app) -> None:
    await premises(sessions)
    now = dt.datetime.now(dt.UTC)
    opened = await alarm(sessions, 110, at=now)  # a fire
    await sweep(sessions, app.state.test_telephony, now)
    found = tokens(app.state.test_telephony)
    _, operator = await add_user(sessions, "operator", "kato")
    async with client(app) as http:
        asked = await http.post(
            f"/v/{found['+819000000001']}/answer", data={"choice": "cancel", "code": HOUSE_CODE}
        )
        assert asked.headers["location"].endswith("?r=requested")
        page = await http.get(asked.headers["location"])
        panel = await http.get(f"/console/incidents/{opened.id}/verification", headers=operator)
    assert "取り消しのご要請をセンターに送りました。" in page.text
    assert 'data-link-state="requested"' in panel.text and 'data-call-off-request="1"' in panel.text
    assert "「誤報（取消）」を記録" in panel.text
    async with app.state.sessions() as session:
        assert (await session.get(Incident, opened.id)).closed_at is None


async def test_the_incident_page_words_the_sms_rows_and_the_link_actor(sessions, app) -> None:
    incident_id, found = await linked(sessions, app)
    _, operator = await add_user(sessions, "operator", "kato")
    async with client(app) as http:
        await http.post(f"/v/{found['+819000000001']}/answer", data={"choice": "cancel", "code": "000"})
        async with app.state.sessions() as session:
            now = dt.datetime.now(dt.UTC)
            await flows.claim(session=session, incident_id=incident_id, operator="kato", at=now)
        page = await http.get(f"/console/incidents/{incident_id}", headers=operator)
    assert page.status_code == 200
    assert "<td>SMS送信済み</td>" in page.text  # not 指令 (a dispatch order)
    assert '<span title="link">緊急連絡先（SMSリンク）</span>' in page.text
