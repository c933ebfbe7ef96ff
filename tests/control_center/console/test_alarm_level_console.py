"""The alarm level through the API and the pages, on a running system (both databases): the incident API
carries it with its reasons; the operator changes it with a reason; a missing reason and a responder are
refused; the partial reads in Japanese without relying on colour; the supervisor's scorecards and CSV."""

from __future__ import annotations

import json

import httpx

from control_center.console.alarm_level import VOCABULARY, describe_event
from control_center.core.i18n import translations
from control_center.incidents.models import Incident
from control_center.web import rendering
from tests.control_center.conftest import System
from tests.helpers import add_user, eventually


async def test_the_api_carries_the_level_and_the_operator_changes_it_with_a_reason(
    system: System, sessions
) -> None:
    await system.alarm("1001", 130)
    await system.alarm("1001", 132)  # the same zone (1) again: the same detector, no confirmation
    async with system.client() as client:
        row = await eventually(lambda: _level_set(client, signals=2))
        incident_id = row["id"]
        assert row["alarm_level"] == 1 and row["alarm_level_reasons"][0]["code"] == "alarm"
        assert row["alarm_level_sentence"] == (
            "Alarm level 1: an alarm went off, but nobody has confirmed that anyone is at the premises."
        )
        detail = (await client.get(f"/api/incidents/{incident_id}")).json()
        assert detail["alarm_level"] == row["alarm_level"]
        assert {"code", "data", "level", "text"} <= set(detail["alarm_level_reasons"][0])

        blank = await client.post(
            f"/api/incidents/{incident_id}/alarm-level", json={"level": 3, "reason": " "}
        )
        missing = await client.post(f"/api/incidents/{incident_id}/alarm-level", json={"level": 3})
        too_high = await client.post(
            f"/api/incidents/{incident_id}/alarm-level", json={"level": 5, "reason": "x"}
        )
        changed = await client.post(
            f"/api/incidents/{incident_id}/alarm-level", json={"level": 3, "reason": "窓ガラスの割れる音"}
        )
        form = await client.post(
            f"/console/incidents/{incident_id}/alarm-level",
            data={"level": "2", "reason": ""},
            follow_redirects=False,
        )
        listed = (await client.get("/api/incidents")).json()[0]
    assert blank.status_code == 422 and "say why the level changes" in blank.text
    assert missing.status_code == 422 and "reason" in missing.text
    assert too_high.status_code == 422
    assert changed.status_code == 200 and changed.json()["alarm_level"] == 3
    assert changed.json()["alarm_level_reasons"][-1]["data"]["reason"] == "窓ガラスの割れる音"
    assert form.status_code == 303  # back to the page with the refusal shown there; nothing changed
    assert listed["alarm_level"] == 3

    _, responder = await add_user(sessions, "responder", "resp-1")
    async with httpx.AsyncClient(base_url=system.base_url, headers=responder) as client:
        refused = await client.post(
            f"/api/incidents/{incident_id}/alarm-level", json={"level": 0, "reason": "誤報と思う"}
        )
        refused_form = await client.post(
            f"/console/incidents/{incident_id}/alarm-level",
            data={"level": "0", "reason": "x"},
            headers={"Accept": "application/json"},
        )
    assert refused.status_code == 403 and refused_form.status_code == 403


async def _level_set(client: httpx.AsyncClient, signals: int = 1) -> dict | None:
    rows = (await client.get("/api/incidents")).json()
    ready = rows and rows[0].get("alarm_level") is not None and rows[0]["signal_count"] >= signals
    return rows[0] if ready else None


def test_the_partial_shows_the_number_the_sentence_and_the_reasons_in_japanese() -> None:
    for name, words in VOCABULARY.items():
        rendering.add_vocabulary(name, words)
    reasons = (
        '[{"code": "alarm", "data": {"service": "A", "signals": 2, "zones": "1, 2"}, "level": 1},'
        ' {"code": "sequence_confirmed", "data": {"first": 1, "second": 2, "minutes": 5, "window": 30},'
        ' "level": 2}, {"code": "no_longer_known", "data": {}, "level": null}]'
    )
    incident = Incident(id=7, alarm_level=2, alarm_level_reasons=reasons, closed_at=None)
    html = (
        rendering.environment("ja")
        .get_template("_alarm_level.html")
        .render(incident=incident, principal=None, csrf_token="t")
    )
    assert "【レベル 2】" in html  # the number in words, not a colour
    assert "警報レベル2：異なる2つの感知器が続けて作動しました。" in html
    assert "ゾーン 1 の後、5 分後に別の感知器（ゾーン 2）が作動（確認時間 30 分）。" in html
    assert "no_longer_known" in html  # a reason an older version stored is still shown
    assert "alarm-level-form" not in html  # nobody signed in may change it
    compact = (
        rendering.environment("ja")
        .get_template("_alarm_level.html")
        .render(incident=incident, principal=None, compact=True)
    )
    assert "【レベル 2】" in compact and "警報レベル2：" not in compact


async def test_the_supervisor_sees_the_scorecards_and_their_csv(system: System, sessions) -> None:
    await system.alarm("1001", 130)
    async with system.client() as client:
        await eventually(lambda: _level_set(client))
        operator_page = await client.get(
            "/console/supervisor/scorecards", headers={"Accept": "application/json"}
        )
    _, supervisor = await add_user(sessions, "supervisor", "sv-1")
    async with httpx.AsyncClient(base_url=system.base_url, headers=supervisor) as client:
        page = await client.get("/console/supervisor/scorecards")
        sheet = await client.get("/console/supervisor/scorecards.csv")
    assert operator_page.status_code == 403
    assert page.status_code == 200 and "誤報成績表" in page.text and 'id="premises-cards"' in page.text
    assert sheet.content.startswith(b"\xef\xbb\xbf") and "誤報率（%）" in sheet.content.decode("utf-8-sig")


def test_the_record_shows_a_level_change_in_words_not_its_stored_json() -> None:

    stored = json.dumps(
        {
            "level": 2,
            "from": 1,
            "decisive": "sequence_confirmed",
            "reasons": [["sequence_confirmed", {"first": 1, "second": 3, "minutes": 4, "window": 30}]],
        }
    )
    ja = describe_event(stored, translations("ja").gettext)
    assert ja.startswith("レベル 1 → レベル 2") or ja.startswith("レベル1 → レベル2"), ja
    assert "ゾーン" in ja and "{" not in ja and "sequence_confirmed" not in ja
    override = json.dumps(
        {"level": 3, "from": 2, "decisive": "operator", "override": {"level": 3, "reason": "窓"}}
    )
    assert describe_event(override, translations("ja").gettext).endswith("(窓)")  # the operator's reason


def _partial(incident: Incident, **context: object) -> str:
    for name, words in VOCABULARY.items():
        rendering.add_vocabulary(name, words)
    template = rendering.environment("ja").get_template("_alarm_level.html")
    return template.render(incident=incident, principal=None, csrf_token="t", **context)


def test_a_fire_reads_in_the_fire_brigades_words_never_the_polices() -> None:
    # Outside tester, item 4: a cancelled fire said 「警察の出動は不要です」, a fire at 1 the burglary words.
    cancelled = (
        '[{"code": "alarm", "data": {"service": "B", "signals": 1, "zones": "1"}, "level": 1},'
        ' {"code": "operator", "data": {"operator": "op", "reason": "誤報", "computed": 1}, "level": 0}]'
    )
    html = _partial(Incident(id=9, service_type="B", alarm_level=0, alarm_level_reasons=cancelled))
    assert "警報レベル0：取消し・解除済みです。消防の出動は不要です。" in html and "警察" not in html
    one = '[{"code": "alarm", "data": {"service": "B", "signals": 1, "zones": "1"}, "level": 1}]'
    html = _partial(Incident(id=10, service_type="B", alarm_level=1, alarm_level_reasons=one))
    assert "警報レベル1：火災警報が鳴りましたが、火災はまだ確認されていません。" in html
    confirmed = one[:-1] + ', {"code": "operator_confirmed", "data": {"service": "B"}, "level": 4}]'
    html = _partial(Incident(id=11, service_type="B", alarm_level=4, alarm_level_reasons=confirmed))
    assert "当センターのオペレーターが異常と判断しました。" in html and "居住者が電話で" not in html


def test_the_queue_row_shows_the_sentence_shortened_with_the_full_text_kept() -> None:
    from control_center.console.queue_rules import shorten

    one = '[{"code": "alarm", "data": {"service": "B", "signals": 1, "zones": "1"}, "level": 1}]'
    incident = Incident(id=12, service_type="B", alarm_level=1, alarm_level_reasons=one)
    full = "火災警報が鳴りましたが、火災はまだ確認されていません。"
    html = _partial(incident, compact=True, shorten=shorten)
    assert 'id="level-sentence-12"' in html and full in html and "警報レベル1：" not in html
    narrow = _partial(incident, compact=True, shorten=lambda text: shorten(text, 10))
    assert f'title="{full}"' in narrow and "火災警報が鳴りまし…" in narrow  # cut, the whole in the title
    assert f'<span class="visually-hidden">{full}</span>' in narrow  # and for a screen reader
    assert "level-sentence" not in _partial(incident, compact=True)  # the incident page's header: badge only
    hostile = shorten("<script>" + "あ" * 100)
    assert len(hostile) == 30 and hostile.endswith("…")


async def test_the_api_gives_a_fire_its_own_sentence(system: System) -> None:
    await system.alarm("1002", 110)  # a fire
    async with system.client() as client:
        row = await eventually(lambda: _level_set(client))
    assert row["service_type"] == "B" and row["alarm_level"] == 1
    assert (
        row["alarm_level_sentence"]
        == "Alarm level 1: a fire alarm went off, but nobody has confirmed a fire yet."
    )
