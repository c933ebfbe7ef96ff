"""The record's entries and the audit log in the reader's words, the stored text unchanged (issue 17: the
timeline showed ``61 s after receipt``, ``dispatch, call_premises``, ``ivr match``; the audit page showed
``Area(address_contains=…)``)."""

from __future__ import annotations

import re

import pytest

from control_center.core.i18n import translations
from control_center.web.audit_text import audit_detail, audit_subject
from control_center.web.event_text import actor_name, describe

JA = translations("ja").gettext
EN = translations("en").gettext
LATIN = re.compile(r"[A-Za-z]{2,}")

# (kind, the detail as the flows store it, the Japanese the page shows)
ENTRIES = [
    ("claimed", "61 s after receipt", "受信から61秒"),
    ("responder_on_site", "12.5 min after receipt", "受信から12.5分"),
    ("planned", "dispatch, call_premises, notify:police", "緊急対処員を出動、ご利用先へ電話、警察へ通報"),
    ("verification", "山田: ivr match", "山田: 自動音声 一致"),
    ("verification", "山田: house_code no match", "山田: 合言葉番号 不一致"),
    ("call_outcome", "false_alarm: 家族の誤操作", "誤報（取消）: 家族の誤操作"),
    ("call_outcome", "no_answer", "応答なし"),
    ("responder_check", "authorities needed: ガス臭あり", "関係機関が必要: ガス臭あり"),
    ("responder_check", "all clear", "異常なし"),
    ("agency_notified", "notify:fire_dept (受付番号12)", "消防へ通報 (受付番号12)"),
    ("call_placed", "premises 山田 太郎 +81521112222 (ivr)", "現場 山田 太郎 052-111-2222 (自動音声)"),
    ("sms_sent", "連絡先1 +819000000001", "連絡先1 090-0000-0001"),
    ("call_list_started", "3 to call, SMS first", "3件に発信（SMSを先に送信）"),
    ("call_list_exhausted", "nobody reached", "誰にも連絡がつかず"),
    ("call_result", "連絡先1: busy", "連絡先1: 話し中"),
    ("contact_reached", "連絡先2 (sms)", "連絡先2 (SMS)"),
    ("opened", "fire", "火災"),
    ("closed", "bulk: 停電", "一括完了: 停電"),
    ("closed", "power restored within 15 minutes", "15分以内に停電復旧"),
    (
        "responder_assigned",
        "伊藤 次郎 (栄待機所), 0.8 km, ~2 min; override of the nearest, 小林 六郎 (~2 min)",
        "伊藤 次郎（栄待機所）、0.8 km、約2分（最寄りの小林 六郎・約2分ではなく選択）",
    ),
    ("panel_report", "exit_error: 退出エラー (user 3, CID 374)", None),
]


@pytest.mark.parametrize(("kind", "stored", "shown"), ENTRIES)
def test_each_entry_reads_in_japanese(kind: str, stored: str, shown: str | None) -> None:
    text = describe(kind, stored, JA)
    if shown is not None:
        assert text == shown
    assert not set(LATIN.findall(text)) - {"SMS", "km", "CID"}, text


@pytest.mark.parametrize(("kind", "stored", "shown"), ENTRIES)
def test_english_shows_no_raw_code(kind: str, stored: str, shown: str | None) -> None:
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", describe(kind, stored, EN))


def test_free_text_and_unknown_shapes_are_shown_as_stored() -> None:
    assert describe("responder_report", "窓の施錠を確認した", JA) == "窓の施錠を確認した"
    assert describe("claimed", "soon after receipt", JA) == "soon after receipt"  # not the known shape
    assert describe("no_such_kind", "x y z", JA) == "x y z"
    assert describe("opened", "", JA) == ""
    assert describe("call_outcome", ": 理由だけ", JA) == ": 理由だけ"  # never the catalog's header


def test_machines_are_named_people_by_name_and_unknown_logins_as_they_are() -> None:
    assert actor_name("system", {}, JA) == "システム"
    assert actor_name("panel", None, JA) == "警報機"
    assert actor_name("yamada", {"yamada": "山田 太郎"}, JA) == "山田 太郎"
    assert actor_name("ghost", {}, JA) == "ghost"


def test_audit_subjects_and_details_in_japanese() -> None:
    assert audit_subject("subscriber:7", JA) == "加入者 #7"
    assert audit_subject("incidents:bulk", JA) == "事案（一括）"
    assert audit_subject("odd-subject", JA) == "odd-subject"
    bulk = "closed 3 (A,E, *, Area(address_contains='栄', lat=None, lon=None, radius_km=None)): 停電"
    assert audit_detail("change", bulk, JA) == "3件を一括完了（種別 A,E、事象 —、住所に「栄」を含む）: 停電"
    assert "Area" not in audit_detail("change", bulk, EN)
    payment = "payment 1: 5500 yen by bank_transfer received 2026-10-01"
    assert audit_detail("change", payment, JA) == "入金 1: 5500円（銀行振込）、2026-10-01 受領"
    assert audit_detail("view", "search 'x': 7 shown", JA) == "検索「x」: 7件表示"


def test_the_pages_have_the_filters_and_escape_what_they_give() -> None:
    from types import SimpleNamespace

    from control_center.web.rendering import environment

    entry = SimpleNamespace(kind="verification", detail="<b>山田</b>: ivr match", actor="system")
    audit = SimpleNamespace(action="view", detail="search '<i>': 2 shown", subject="subscriber:7")
    template = environment("ja").from_string(
        "{{ e|event_detail }}|{{ actor_name(e.actor, {}) }}|"
        "{{ a.subject|audit_subject }}|{{ a|audit_detail }}"
    )
    shown = template.render(e=entry, a=audit)
    assert shown == "&lt;b&gt;山田&lt;/b&gt;: 自動音声 一致|システム|加入者 #7|検索「&lt;i&gt;」: 2件表示"
