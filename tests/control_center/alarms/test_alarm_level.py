"""The AVS-01 alarm level over signal sequences and verification results: one row per rule, each citing
the rule of control_center/alarms/alarm_level.py it checks."""

from __future__ import annotations

import datetime as dt
import gettext

import pytest

from control_center.alarms.alarm_level import (
    GROUP_SENTENCES,
    REASON_TEXT,
    SENTENCES,
    SENTENCES_BY_GROUP,
    Facts,
    Level,
    Override,
    Rules,
    Trigger,
    assess,
    sentence,
)
from control_center.core.i18n import translations

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


def cid(code: int, zone: int = 1, s: float = 0, service: str = "A", kind: str = "alarm") -> Trigger:
    return Trigger(T0 + dt.timedelta(seconds=s), zone, "contact_id", f"{code:03d}", kind, service)


def sia(code: str, zone: int = 1, s: float = 0, service: str | None = "A", kind: str = "alarm") -> Trigger:
    return Trigger(T0 + dt.timedelta(seconds=s), zone, "sia", code, kind, service)


MIN = 60
CANCEL = cid(406, zone=3, s=40, kind="note")
ALL_CLEAR: dict = {"responder_check": "all_clear", "responder_check_at": T0 + dt.timedelta(minutes=20)}
AGENCIES = ("fire_dept", "police")  # service E after the check (action_plans.PLANS)

ROWS: list[tuple[str, Facts, Level, str]] = [
    # rule 1: any alarm → 1
    ("one burglary alarm", Facts("A", [cid(130)]), Level.LIMITED, "alarm"),
    ("the same zone again is the same detector", Facts("A", [cid(130, 1), cid(130, 1, 5 * MIN)]), 1, "alarm"),
    # rule 1: sequential confirmation (CLC/TS 50131-9, BS 8243), two different detectors in the window
    ("two zones 12 min apart", Facts("A", [cid(130, 1), cid(132, 2, 12 * MIN)]), 2, "sequence_confirmed"),
    (
        "two zones at the window's edge",
        Facts("A", [cid(130, 1), cid(132, 2, 30 * MIN)]),
        2,
        "sequence_confirmed",
    ),
    ("two zones beyond the window", Facts("A", [cid(130, 1), cid(132, 2, 31 * MIN)]), 1, "alarm"),
    ("SIA BA in two zones", Facts("A", [sia("BA", 4), sia("BA", 7, 90)]), 2, "sequence_confirmed"),
    # rule 1: entry route: entry/exit zone (CID 134) then an interior zone within the entry delay
    ("entry door then hallway within 60 s", Facts("A", [cid(134, 1), cid(132, 2, 20)]), 1, "alarm"),
    (
        "entry route then a room off the route",
        Facts("A", [cid(134, 1), cid(132, 2, 20), cid(132, 5, 5 * MIN)]),
        2,
        "sequence_confirmed",
    ),
    (
        "entry door, interior zone after the delay",
        Facts("A", [cid(134, 1), cid(132, 2, 3 * MIN)]),
        2,
        "sequence_confirmed",
    ),
    (
        "interior first, then the entry door",
        Facts("A", [cid(132, 2), cid(134, 1, 10)]),
        2,
        "sequence_confirmed",
    ),
    (
        "a configured entry zone",
        Facts("A", [cid(130, 9), cid(132, 2, 10)], entry_zones=frozenset({9})),
        1,
        "alarm",
    ),
    # rule 1: the panel's own confirmation (CID 139, SIA BV/BM)
    ("CID 139 intrusion verified", Facts("A", [cid(130), cid(139, 1, 30)]), 2, "panel_confirmed"),
    ("SIA BV", Facts("A", [sia("BV", 2)]), 2, "panel_confirmed"),
    # rule 1: tamper alone, and tamper with a detector, never confirms
    ("tamper alone", Facts("A", [cid(137, 4)]), 1, "alarm"),
    ("detector and a tamper of another zone", Facts("A", [cid(130, 1), cid(144, 2, 60)]), 1, "alarm"),
    ("SIA TA and BA", Facts("A", [sia("TA", 3), sia("BA", 1, 30)]), 1, "alarm"),
    # rule 1: duress and hold-up → 4; panic → 2
    ("CID 121 duress", Facts("C", [cid(121, service="C")]), 4, "duress"),
    ("CID 122 silent hold-up", Facts("C", [cid(122, service="C")]), 4, "duress"),
    ("SIA HA hold-up", Facts("C", [sia("HA", service="C")]), 4, "duress"),
    ("CID 120 panic", Facts("C", [cid(120, service="C")]), 2, "panic"),
    ("SIA PA panic", Facts("C", [sia("PA", service="C")]), 2, "panic"),
    # rule 1: fire in two zones → confirmed fire → 4 (threat to life); one zone → 1
    ("one smoke detector", Facts("B", [cid(111, 1, service="B")]), 1, "alarm"),
    (
        "smoke in two zones",
        Facts("B", [cid(111, 1, service="B"), cid(110, 2, 4 * MIN, service="B")]),
        4,
        "fire_confirmed",
    ),
    ("SIA FM fire verified", Facts("B", [sia("FM", 1, service="B")]), 4, "fire_confirmed_by_panel"),
    # rule 1: troubles never confirm, whatever the zones (a flood cannot raise the level)
    ("troubles in many zones", Facts("G", [cid(380, z, z, service="G") for z in range(1, 200)]), 1, "alarm"),
    # rule 2: cancel/abort from the panel (CP-01; CID 406, SIA OC/BC/AB)
    ("alarm then CID 406 cancel", Facts("A", [cid(130), CANCEL]), 0, "cancelled"),
    ("alarm then SIA OC", Facts("A", [sia("BA"), sia("OC", 1, 30, kind="note")]), 0, "cancelled"),
    ("alarm then SIA AB abort", Facts("A", [sia("BA"), sia("AB", 1, 20, kind="note")]), 0, "cancelled"),
    (
        "confirmed sequence then a cancel",
        Facts("A", [cid(130, 1), cid(132, 2, 10 * MIN), cid(406, 3, 11 * MIN, kind="note")]),
        1,
        "cancel_after_confirmation",
    ),
    ("cancel then a new alarm", Facts("A", [cid(130, 1), CANCEL, cid(130, 1, 5 * MIN)]), 1, "alarm"),
    (
        "duress then a cancel",
        Facts("C", [cid(121, service="C"), cid(406, 1, 30, service="C", kind="note")]),
        4,
        "duress",
    ),
    (
        "fire then SIA FC",
        Facts("B", [sia("FA", 1, service="B"), sia("FC", 1, 30, service="B", kind="note")]),
        1,
        "alarm",
    ),
    (
        "confirmed fire then SIA FC",
        Facts(
            "B",
            [
                sia("FA", 1, service="B"),
                sia("FA", 2, 30, service="B"),
                sia("FC", 1, 60, service="B", kind="note"),
            ],
        ),
        4,
        "fire_confirmed",
    ),
    # rule 3: house code match → at most 1 for what the signals said; mismatch → at least 2
    (
        "verified resident after a sequence",
        Facts("A", [cid(130, 1), cid(132, 2, 60)], verified=True),
        1,
        "resident_verified",
    ),
    ("verified resident, one detector", Facts("A", [cid(130)], verified=True), 1, "alarm"),
    (
        "verified resident does not lower duress",
        Facts("C", [cid(121, service="C")], verified=True),
        4,
        "duress",
    ),
    ("house code mismatch", Facts("A", [cid(130)], code_mismatches=2), 2, "code_mismatch"),
    ("wrong code outcome", Facts("A", [cid(130)], outcome="wrong_code"), 2, "code_mismatch"),
    # rule 3: the call's outcome
    (
        "called off by a verified resident",
        Facts("A", [cid(130)], verified=True, outcome="false_alarm"),
        0,
        "called_off",
    ),
    (
        "burglary confirmed on the phone",
        Facts("A", [cid(130)], outcome="confirmed", contacts_reached=("山田 太郎",)),
        3,
        "call_confirmed",
    ),
    (
        "fire confirmed on the phone",
        Facts("B", [cid(110, service="B")], outcome="confirmed", contacts_reached=("山田 太郎",)),
        4,
        "call_confirmed",
    ),
    (
        "medical confirmed by a verified resident",
        Facts("D", [cid(100, service="D")], outcome="confirmed", verified=True),
        4,
        "call_confirmed",
    ),
    # rule 3: the operator's 異常確認 with nobody reached is the operator's confirmation, not the resident's
    (
        "fire confirmed by the operator, no call made",
        Facts("B", [cid(110, service="B")], outcome="confirmed"),
        4,
        "operator_confirmed",
    ),
    (
        "burglary confirmed by the operator after nobody answered",
        Facts("A", [cid(130)], outcome="confirmed", contacts_exhausted=True),
        3,
        "operator_confirmed",
    ),
    ("equipment confirmed stays 1", Facts("G", [cid(301, service="G")], outcome="confirmed"), 1, "alarm"),
    ("no answer changes nothing", Facts("A", [cid(130)], outcome="no_answer"), 1, "alarm"),
    ("contacts reached change nothing", Facts("A", [cid(130)], contacts_reached=("山田",)), 1, "alarm"),
    # rule 4: the responder's check
    (
        "responder: authorities needed (burglary)",
        Facts("A", [cid(130)], responder_check="authorities_needed"),
        3,
        "responder_authorities",
    ),
    (
        "responder: authorities needed (gas)",
        Facts("E", [cid(151, service="E")], responder_check="authorities_needed"),
        4,
        "responder_authorities",
    ),
    (
        "responder: all clear",
        Facts(
            "A",
            [cid(130, 1), cid(132, 2, 60)],
            responder_check="all_clear",
            responder_check_at=T0 + dt.timedelta(minutes=20),
        ),
        0,
        "responder_all_clear",
    ),
    (
        "alarm after the all clear",
        Facts(
            "A",
            [cid(130, 1), cid(132, 2, 25 * MIN)],
            responder_check="all_clear",
            responder_check_at=T0 + dt.timedelta(minutes=20),
        ),
        2,
        "sequence_confirmed",
    ),
    # rule 4: the responder's request names the agencies and decides, even at a level already reached
    (
        "responder asks for the fire department",
        Facts(
            "B",
            [cid(110, service="B")],
            responder_check="authorities_needed",
            responder_agencies=("fire_dept",),
        ),
        4,
        "responder_request",
    ),
    (
        "confirmed fire on the phone, then the responder asks for 119",
        Facts(
            "B",
            [cid(110, service="B")],
            outcome="confirmed",
            responder_check="authorities_needed",
            responder_agencies=("fire_dept",),
        ),
        4,
        "responder_request",  # not "call_confirmed": the responder's request is what sends them now
    ),
    (
        "gas: the responder asks for two agencies",
        Facts(
            "E", [cid(151, service="E")], responder_check="authorities_needed", responder_agencies=AGENCIES
        ),
        4,
        "responder_request",
    ),
    (
        "a request for police below a threat seen on the camera",
        Facts(
            "I",
            [cid(130, service="I")],
            camera_threat=True,
            responder_check="authorities_needed",
            responder_agencies=("police",),
        ),
        4,
        "camera_threat",
    ),
    # rule 4: an all clear never erases a confirmation: the level stays, the conflict decides
    (
        "confirmed fire on the phone, then all clear",
        Facts("B", [cid(110, service="B")], outcome="confirmed", **ALL_CLEAR),
        4,
        "all_clear_conflict",
    ),
    (
        "burglary confirmed on the phone, then all clear",
        Facts("A", [cid(130)], outcome="confirmed", **ALL_CLEAR),
        3,
        "all_clear_conflict",
    ),
    ("duress, then all clear", Facts("C", [cid(121, service="C")], **ALL_CLEAR), 4, "all_clear_conflict"),
    (
        "fire in two zones, then all clear",
        Facts("B", [cid(111, 1, service="B"), cid(110, 2, 60, service="B")], **ALL_CLEAR),
        4,
        "all_clear_conflict",
    ),
    ("SIA FM, then all clear", Facts("B", [sia("FM", 1, service="B")], **ALL_CLEAR), 4, "all_clear_conflict"),
    (
        "camera: intruder seen, then all clear",
        Facts("I", [cid(130, service="I")], camera_intruder=True, **ALL_CLEAR),
        3,
        "all_clear_conflict",
    ),
    (
        "camera: person threatened, then all clear",
        Facts("I", [cid(130, service="I")], camera_threat=True, **ALL_CLEAR),
        4,
        "all_clear_conflict",
    ),
    # rule 4: an all clear with no confirmation lowers to 0 (presence is not a confirmation) …
    ("panic, then all clear", Facts("C", [cid(120, service="C")], **ALL_CLEAR), 0, "responder_all_clear"),
    (
        "wrong code, then all clear",
        Facts("A", [cid(130)], outcome="wrong_code", **ALL_CLEAR),
        0,
        "responder_all_clear",
    ),
    (
        "equipment confirmed, then all clear",
        Facts("G", [cid(301, service="G")], outcome="confirmed", **ALL_CLEAR),
        0,
        "responder_all_clear",
    ),
    # … except a fire: never 0 while open unless a verified resident called it off
    (
        "one smoke detector, then all clear",
        Facts("B", [cid(111, service="B")], **ALL_CLEAR),
        1,
        "fire_all_clear",
    ),
    (
        "fire silenced at the panel, then all clear",
        Facts("B", [sia("FA", 1, service="B"), sia("FC", 1, 30, service="B", kind="note")], **ALL_CLEAR),
        1,
        "fire_all_clear",
    ),
    (
        "fire called off by a verified resident, then all clear",
        Facts("B", [cid(111, service="B")], verified=True, outcome="false_alarm", **ALL_CLEAR),
        0,
        "responder_all_clear",  # called off first: the all clear agrees
    ),
    (
        "confirmed fire, an alarm after the all clear",
        Facts(
            "B",
            [cid(110, service="B"), cid(110, 1, 25 * MIN, service="B")],
            outcome="confirmed",
            contacts_reached=("山田 太郎",),
            **ALL_CLEAR,
        ),
        4,
        "call_confirmed",
    ),
    # rule 5: camera assessment (service I)
    (
        "camera: intruder seen",
        Facts("I", [cid(130, service="I")], camera_intruder=True, camera_risk=3),
        3,
        "camera_intruder",
    ),
    (
        "camera: person threatened",
        Facts("I", [cid(130, service="I")], camera_threat=True),
        4,
        "camera_threat",
    ),
    ("camera: risk level only", Facts("I", [cid(130, service="I")], camera_risk=1), 1, "alarm"),
    # rule 6: history never changes the level
    (
        "many false alarms, one detector",
        Facts("A", [cid(130)], false_alarms_12m=9, activations_12m=10),
        1,
        "alarm",
    ),
    (
        "many false alarms, confirmed sequence",
        Facts("A", [cid(130, 1), cid(132, 2, 60)], false_alarms_12m=9),
        2,
        "sequence_confirmed",
    ),
    # rule 7: the operator's override, until newer evidence computes higher
    (
        "operator raises",
        Facts(
            "A", [cid(130)], override=Override(3, "glass broken, heard", "op", T0 + dt.timedelta(minutes=1))
        ),
        3,
        "operator",
    ),
    (
        "operator lowers",
        Facts(
            "A",
            [cid(130, 1), cid(132, 2, 60)],
            override=Override(1, "resident's cat", "op", T0 + dt.timedelta(minutes=5)),
        ),
        1,
        "operator",
    ),
    (
        "newer alarm above the override",
        Facts(
            "C",
            [cid(130), cid(121, 2, 10 * MIN, service="C")],
            override=Override(1, "test", "op", T0 + dt.timedelta(minutes=5)),
        ),
        4,
        "duress",
    ),
    # rule 3: the SMS link — an emergency contact off site (outside tester, findings A and B)
    (
        "right code on the link: the panic stays, no resident at the premises",
        Facts("C", [cid(120, service="C")], verified_remote=True),
        2,
        "panic",
    ),
    (
        "wrong code on the link: no stranger at the premises",
        Facts("A", [cid(130)], code_mismatches=0),
        1,
        "alarm",
    ),
    (
        "called off on the word of a contact verified on the link",
        Facts("B", [cid(110, service="B")], verified_remote=True, outcome="false_alarm"),
        0,
        "called_off_by_link",
    ),
    (
        "confirmed after contacts answered only on the link: the operator's judgement",
        Facts("B", [cid(110, service="B")], outcome="confirmed", link_answers=("山田",)),
        4,
        "operator_confirmed",
    ),
]


@pytest.mark.parametrize(("facts", "level", "decisive"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_level(facts: Facts, level: Level, decisive: str) -> None:
    result = assess(facts)
    assert (result.level, result.decisive) == (level, decisive)
    assert [r.code for r in result.reasons if r.level is not None][-1] == decisive


def test_the_window_is_a_setting_of_30_to_60_minutes() -> None:
    facts = Facts("A", [cid(130, 1), cid(132, 2, 45 * MIN)])
    assert assess(facts).level == 1
    assert assess(facts, Rules(confirmation_window=dt.timedelta(minutes=60))).level == 2
    with pytest.raises(ValueError, match="30 to 60"):
        Rules(confirmation_window=dt.timedelta(minutes=10))


def test_every_reason_carries_its_data_points_and_reads_in_japanese() -> None:
    result = assess(Facts("A", [cid(130, 1), cid(132, 2, 12 * MIN)], false_alarms_12m=4, activations_12m=5))
    confirmed = next(r for r in result.reasons if r.code == "sequence_confirmed")
    assert confirmed.data == {"first": 1, "second": 2, "minutes": 12, "window": 30}
    ja = translations("ja").gettext
    assert "12" in confirmed.text(ja) and confirmed.text(ja) != confirmed.text(
        gettext.NullTranslations().gettext
    )
    assert result.sentence(ja).startswith("警報レベル2")
    assert result.sentence(str).startswith("Alarm level 2:")


ALL_SENTENCES = (
    set(SENTENCES.values())
    | {m for table in SENTENCES_BY_GROUP.values() for m in table.values()}
    | {m for table in GROUP_SENTENCES.values() for m in table.values()}
)


@pytest.mark.parametrize("msgid", sorted(set(REASON_TEXT.values()) | ALL_SENTENCES))
def test_every_reason_and_sentence_is_translated(msgid: str) -> None:
    assert translations("ja").gettext(msgid) != msgid


def test_the_responders_request_names_the_agency_in_the_readers_words_never_its_code() -> None:
    result = assess(
        Facts("E", [cid(151, service="E")], responder_check="authorities_needed", responder_agencies=AGENCIES)
    )
    requests = [r for r in result.reasons if r.code == "responder_request"]
    assert [(r.data, r.level) for r in requests] == [
        ({"agency": "fire_dept"}, 4),
        ({"agency": "police"}, None),
    ]
    assert requests[0].text(translations("ja").gettext) == "緊急対処員が現場で要請：消防。"
    assert requests[1].text(translations("ja").gettext) == "緊急対処員が現場で要請：警察。"
    assert requests[0].text(translations("en").gettext) == "The responder on site asks for: fire department."
    assert requests[0].text(str) == "The responder on site asks for: fire dept."  # the API's English
    assert result.sentence(translations("ja").gettext).startswith(
        "警報レベル4：当社の緊急対処員が現場に到着し"
    )


def test_a_conflicting_all_clear_is_shown_beside_the_confirmation() -> None:
    result = assess(
        Facts("B", [cid(110, service="B")], outcome="confirmed", contacts_reached=("山田 太郎",), **ALL_CLEAR)
    )
    assert [r.code for r in result.reasons if r.level is not None] == [
        "alarm",
        "call_confirmed",
        "all_clear_conflict",
    ]
    assert "responder_all_clear" in [r.code for r in result.reasons]  # the responder's word is kept too
    ja = translations("ja").gettext
    assert "解除する前に確認" in result.reasons[-1].text(ja)
    assert "出動は不要" not in result.sentence(ja) and result.sentence(ja).startswith("警報レベル4")


# The sentence a call-taker hears, in Japanese, one row per case: the service's own words (消防 for a fire,
# 救急 for a medical alarm, 警察 only for the police's services) and only what was recorded (outside tester,
# item 4: a cancelled fire said 「警察の出動は不要です」, the operator's 異常確認 read as a resident's call).
SENTENCE_ROWS: list[tuple[str, Facts, str]] = [
    (
        "burglary, one alarm",
        Facts("A", [cid(130)]),
        "警報レベル1：警報が鳴りましたが、現場に人がいることはまだ確認されていません。",
    ),
    (
        "burglary cancelled at the panel",
        Facts("A", [cid(130), CANCEL]),
        "警報レベル0：利用者が警報機で警報を取り消しました。警察の出動は不要です。",
    ),
    (
        "fire, one alarm",
        Facts("B", [cid(110, service="B")]),
        "警報レベル1：火災警報が鳴りましたが、火災はまだ確認されていません。",
    ),
    (
        "fire silenced at the panel stays 1",
        Facts("B", [cid(110, service="B"), cid(406, 1, 40, service="B", kind="note")]),
        "警報レベル1：火災警報が鳴りましたが、火災はまだ確認されていません。",
    ),
    (
        "fire called off by a verified resident",
        Facts("B", [cid(110, service="B")], verified=True, outcome="false_alarm"),
        "警報レベル0：本人確認済みの居住者が誤報と申し出ました。消防の出動は不要です。",
    ),
    (
        "fire set to 0 by the operator",
        Facts("B", [cid(110, service="B")], override=Override(0, "誤報", "op", T0 + dt.timedelta(minutes=5))),
        "警報レベル0：取消し・解除済みです。消防の出動は不要です。",
    ),
    (
        "fire confirmed by a resident on the phone",
        Facts("B", [cid(110, service="B")], outcome="confirmed", contacts_reached=("山田 太郎",)),
        "警報レベル4：居住者が電話で異常を認めました。",
    ),
    (
        "fire confirmed by the operator's 異常確認, no call made",
        Facts("B", [cid(110, service="B")], outcome="confirmed"),
        "警報レベル4：当センターのオペレーターが異常と判断しました。現場の方とはまだ連絡が取れていません。",
    ),
    (
        "fire in two zones",
        Facts("B", [cid(110, 1, service="B"), cid(110, 2, 3 * MIN, service="B")]),
        "警報レベル4：2か所の火災感知器が作動し、火災が確定しました。人命に危険のおそれがあります。",
    ),
    (
        "medical, one alarm",
        Facts("D", [cid(100, service="D")]),
        "警報レベル1：救急通報がありましたが、急病などの異常はまだ確認されていません。",
    ),
    (
        "medical cancelled at the panel",
        Facts("D", [cid(100, service="D"), cid(406, 1, 40, service="D", kind="note")]),
        "警報レベル0：利用者が警報機で警報を取り消しました。救急車の出動は不要です。",
    ),
    (
        "medical, the guard found nothing",
        Facts("D", [cid(100, service="D")], **ALL_CLEAR),
        "警報レベル0：当社の緊急対処員が現場を確認し、異常はありませんでした。救急車の出動は不要です。",
    ),
    (
        "gas, one alarm",
        Facts("E", [cid(151, service="E")]),
        "警報レベル1：ガス警報が鳴りましたが、ガス漏れはまだ確認されていません。",
    ),
    (
        "gas called off by a verified resident",
        Facts("E", [cid(151, service="E")], verified=True, outcome="false_alarm"),
        "警報レベル0：本人確認済みの居住者が誤報と申し出ました。緊急出動は不要です。",
    ),
    (
        "emergency button, one alarm",
        Facts("C", [cid(130, service="C")]),
        "警報レベル1：非常通報がありましたが、何が起きたかはまだ確認されていません。",
    ),
    (
        "emergency called off: the police's service",
        Facts("C", [cid(130, service="C")], verified=True, outcome="false_alarm"),
        "警報レベル0：本人確認済みの居住者が誤報と申し出ました。警察の出動は不要です。",
    ),
]


@pytest.mark.parametrize(("facts", "said"), [r[1:] for r in SENTENCE_ROWS], ids=[r[0] for r in SENTENCE_ROWS])
def test_the_sentence_fits_the_service_and_what_was_recorded(facts: Facts, said: str) -> None:
    assert assess(facts).sentence(translations("ja").gettext, facts.service) == said


@pytest.mark.parametrize("service", ["B", "D", "E", "H"])
@pytest.mark.parametrize("level", range(5))
def test_no_fire_medical_or_gas_sentence_speaks_of_the_police(service: str, level: int) -> None:
    ja = translations("ja").gettext
    # A duress code is for the police whatever the service; the guard's request names both agencies.
    police_anyway = {"duress", "responder_authorities", "responder_request"}
    for decisive in {*SENTENCES, *REASON_TEXT, "alarm", "operator", "fire_cancel", "unknown"} - police_anyway:
        said = sentence(level, decisive, ja, service)
        assert "警察" not in said, (decisive, said)


def test_an_equipment_trouble_is_not_told_as_a_question_of_presence() -> None:
    ja = translations("ja").gettext
    said = sentence(1, "alarm", ja, "G")
    assert "警備機器" in said and "現場に人" not in said and "警察" not in said
    assert "出動の必要はありません" in sentence(0, "called_off", ja, "G")
