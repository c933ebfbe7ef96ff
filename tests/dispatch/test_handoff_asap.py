"""The hand-off message and the agency's replies as pure functions: every message built is valid against
the schema; every reply is either believed or refused with a reason — hostile XML included — never a crash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from control_center.core.i18n import translations
from dispatch import asap, handoff, psap
from dispatch.handoff import Pack

T0 = dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)
JA = translations("ja").gettext
PACK = Pack(
    incident_id=42,
    message_id="0123456789abcdef0123456789abcdef",
    agency="police",
    created_at=T0 + dt.timedelta(minutes=3),
    received_at=T0,
    organization="中央監視センター",
    callback="052-000-0000",
    operator="佐藤 花子",
    service_type="A",
    category="Burglary",
    alarm_type="Burglary",
    alarm_type_text="侵入",
    level=2,
    level_sentence="警報レベル2：…",
    decisive="sequence_confirmed",
    evidence_url="https://center.example.jp/agency/evidence/0123456789abcdef?exp=1&sig=ab",
    address="愛知県名古屋市中区栄1-1-1",
    directions="栄交差点を北へ200m、東側の白い2階建て",
    landmarks='向かいにコンビニ <&> "角"',  # markup characters travel as text
    lat=35.17,
    lon=136.9,
    contact_name="連絡先1",
    contact_phone="090-0000-0001",
    responder_name="近藤",
    responder_on_site=False,
    responder_eta=T0 + dt.timedelta(minutes=14),
)
MINIMAL = dataclasses.replace(
    PACK, evidence_url=None, directions=None, landmarks=None, contact_name=None, contact_phone=None,
    responder_name=None, responder_eta=None, agency="fire_dept", service_type="B", category="Fire", level=4,
)  # fmt: skip


@pytest.mark.parametrize("pack", [PACK, MINIMAL, dataclasses.replace(PACK, responder_on_site=True)])
def test_every_message_built_is_valid_against_the_schema(pack: Pack) -> None:
    document = asap.build(pack)
    assert asap.errors(document) == []
    text = document.decode()
    assert "<AlarmNotification" in text and f"<AlarmEventIdentifier>{pack.incident_id}<" in text
    assert f"<ValidationLevel>{pack.level}</ValidationLevel>" in text


def test_the_message_carries_what_a_call_taker_needs() -> None:
    text = asap.build(PACK).decode()
    evidence = (PACK.evidence_url or "").replace("&", "&amp;")
    for value in (PACK.address, PACK.directions, "35.170000", "136.900000", "052-000-0000", "佐藤 花子",
                  "連絡先1", "090-0000-0001", "近藤", "2026-11-24T13:14:00Z", evidence, "侵入"):  # fmt: skip
        assert value in text, value
    assert "&lt;&amp;&gt;" in text  # escaped, not markup


def test_the_schema_is_really_checked() -> None:
    broken = asap.build(PACK).replace(b"<ValidationLevel>2<", b"<ValidationLevel>7<")
    assert asap.errors(broken)
    missing = asap.build(dataclasses.replace(PACK, address=""))  # an empty address is not a location
    assert asap.errors(missing)


def reply(status: str = "accepted", **kw: object) -> bytes:
    args = {"message_id": "reply-0001", "referenced": PACK.message_id, "incident_id": 42, "at": T0,
            "status": status} | kw  # fmt: skip
    return asap.status_update(**args)  # type: ignore[arg-type]


def test_a_reply_is_read() -> None:
    update = asap.parse_reply(reply("accepted", reference="愛知県警-123"))
    assert isinstance(update, asap.StatusUpdate)
    assert (update.status, update.agency_reference, update.incident_id) == ("accepted", "愛知県警-123", 42)
    assert update.referenced_message_id == PACK.message_id and update.at == T0
    rejected = asap.parse_reply(reply("rejected", reason="住所が管轄外"))
    assert isinstance(rejected, asap.StatusUpdate) and rejected.reason == "住所が管轄外"


ROOT = b'<AlarmStatusUpdate xmlns="urn:control-center:asap-jp:1" version="1">'
XXE = (
    b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
"""
    + ROOT
    + b"<MessageID>&x;</MessageID></AlarmStatusUpdate>"
)
LAUGHS = (
    b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
"""
    + ROOT
    + b"<Reason>&lol4;</Reason></AlarmStatusUpdate>"
)
HOSTILE = {
    "external entity (XXE)": XXE,
    "billion laughs": LAUGHS,
    "external DTD": b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://evil.example/x.dtd"><r/>',
    "not XML": b"accepted",
    "empty": b"",
    "truncated": reply()[:-20],
    "oversized": b"<a>" + b"x" * (asap.MAX_REPLY_BYTES + 1) + b"</a>",
    "deep nesting": b"<a>" * 5000 + b"</a>" * 5000,
    "wrong root": asap.build(PACK),
    "wrong namespace": reply().replace(b"urn:control-center:asap-jp:1", b"urn:other"),
    "unknown status": reply().replace(b">accepted<", b">approved<"),
    "rejected without reason": reply("rejected"),
    "incident id not a number": reply().replace(b">42<", b">42; DROP<"),
    "local time (not UTC)": reply().replace(b"13:00:00Z", b"13:00:00+09:00"),
    "reason too long": reply("rejected", reason="x" * 301),
    "not UTF-8": reply().replace(b"accepted", b"accepted").replace(b"reply-0001", b"\xff\xfe\xfd-0001"),
    "processing instruction flood": b"<?xml version='1.0'?>" + b"<?pi x?>" * 2000 + b"<r/>",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_or_broken_replies_are_refused_with_a_reason(name: str) -> None:
    result = asap.parse_reply(HOSTILE[name])
    assert isinstance(result, asap.Refused) and result.reason, name


def test_random_bytes_never_crash_the_parser() -> None:
    rng = random.Random(18)
    good = reply("rejected", reason="管轄外")
    for _ in range(2000):
        mutated = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assert isinstance(asap.parse_reply(bytes(mutated)), asap.StatusUpdate | asap.Refused)


SECRET = b"s" * 32


def test_a_signed_fresh_reply_is_believed_and_a_forged_one_is_not() -> None:
    body = reply()
    headers = psap.signed_headers(SECRET, body, T0)
    ts, sig = headers[psap.TIMESTAMP_HEADER], headers[psap.SIGNATURE_HEADER]
    assert psap.verify(SECRET, ts, sig, body, T0) == ""
    assert psap.verify(b"other secret" * 3, ts, sig, body, T0) == "bad signature"
    assert psap.verify(SECRET, ts, sig, body.replace(b"accepted", b"rejected"), T0) == "bad signature"
    assert psap.verify(SECRET, str(int(ts) + 1), sig, body, T0) == "bad signature"  # the time is signed
    assert psap.verify(SECRET, ts, sig, body, T0 + dt.timedelta(minutes=6)) == "stale or future timestamp"
    assert psap.verify(SECRET, None, sig, body, T0) == "unsigned"
    assert psap.verify(SECRET, ts, None, body, T0) == "unsigned"
    assert psap.verify(SECRET, "-5", sig, body, T0) == "bad timestamp"
    assert psap.verify(SECRET, "9" * 40, sig, body, T0) == "bad timestamp"
    assert psap.verify(SECRET, ts, "sha256=" + "0" * 64, body, T0) == "bad signature"


@pytest.mark.parametrize(
    ("current", "reply", "after"),
    [
        ("sent", "accepted", "accepted"),
        ("sent", "rejected", "rejected"),
        ("sent", "dispatched", None),  # not accepted yet
        ("accepted", "dispatched", "dispatched"),
        ("accepted", "rejected", None),
        ("dispatched", "arrived", "arrived"),
        ("arrived", "closed", "closed"),
        ("accepted", "closed", "closed"),
        ("closed", "accepted", None),
        ("rejected", "accepted", None),  # the voice call has taken over
        ("voice", "accepted", None),
        ("arrived", "dispatched", None),  # never backwards
    ],
)
def test_what_may_follow_what(current: str, reply: str, after: str | None) -> None:
    assert handoff.next_status(current, reply) == after


def test_the_script_reads_in_japanese_with_everything_the_call_taker_needs() -> None:
    lines = handoff.script(PACK, JA, "警報レベル2：二つの異なる感知器が順に作動")
    text = "\n".join(lines)
    for value in ("中央監視センター", "佐藤 花子", PACK.address, PACK.directions, PACK.landmarks, "35.17000",
                  "136.90000", "連絡先1", "090-0000-0001", "近藤", "22:14", "052-000-0000", "22:00",
                  "警報レベル2"):  # fmt: skip
        assert value in text, value
    assert not any(w in text for w in ("Address", "Directions", "responder", "Call-back")), text
    nobody = handoff.script(MINIMAL, JA, "…")
    assert any("まだ" in line for line in nobody)  # no responder on the way yet, said so


def test_record_details_are_worded_and_other_shapes_are_left_alone() -> None:
    assert "110" not in handoff.describe_reply("police accepted (P-1)", JA)
    assert "P-1" in handoff.describe_reply("police accepted (P-1)", JA)
    assert "管轄外" in handoff.describe_reply("police rejected: 管轄外", JA)
    assert "POLICE-00002" in handoff.describe_fallback("police rejected (POLICE-00002)", JA)
    with pytest.raises(ValueError):
        handoff.describe_reply("free text", JA)


def test_the_script_names_the_subscriber_and_the_premises_phone() -> None:
    # Outside tester, item 8: the call-taker asks for the occupant's name and the home's number.
    with_them = dataclasses.replace(PACK, subscriber_name="山田 太郎", premises_phone="052-111-2222")
    assert "ご契約者は山田 太郎様、現場の電話は052-111-2222です。" in handoff.script(with_them, JA, "…")
    no_phone = dataclasses.replace(PACK, subscriber_name="山田 太郎", premises_phone=None)
    assert "ご契約者は山田 太郎様、現場の電話は—です。" in handoff.script(no_phone, JA, "…")
    assert not any("ご契約者" in line for line in handoff.script(PACK, JA, "…"))  # a pack stored before


def test_before_anyone_takes_the_incident_the_script_says_no_operator_is_assigned() -> None:
    # Outside tester, item 8: 「管制員のsystemです」 before the incident was claimed.
    unclaimed = handoff.script(dataclasses.replace(PACK, operator=""), JA, "…")
    assert unclaimed[0] == "こちらは警備会社の中央監視センターです（担当オペレーター未定）。"
    assert handoff.script(PACK, JA, "…")[0] == "こちらは警備会社の中央監視センター、管制員の佐藤 花子です。"
    english = handoff.script(dataclasses.replace(PACK, operator=""), translations("en").gettext, "…")
    assert "operator not yet assigned" in english[0] and "system" not in english[0]
