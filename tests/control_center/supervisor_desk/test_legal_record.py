"""The legal alarm record (警備業法 第44条, 施行規則 第64条第1項第5号) as Japanese Excel opens it:
the bytes are parsed as Excel would read them, with a measure per column (issue 17)."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from control_center.access import service as access
from control_center.access.roles import Role
from control_center.alarms.action_plans import Outcome
from control_center.app import create_app
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents import flows
from control_center.supervisor_desk import legal_record
from dispatch import service
from dispatch.agencies import RecordingSwitchboard
from dispatch.status import Action
from tests.control_center.supervisor_desk.test_supervisor import T0
from tests.dispatch.test_service import (
    SETTINGS,
    M,
    act,
    assign,
    depots_and_responders,
    incident_with_premises,
)
from tests.helpers import add_user

DAY = {"from": "2026-11-22", "to": "2026-11-22"}
JA_HEADERS = [
    "事案番号", "受信日時", "サービス", "受信内容", "警備業務対象施設の名称（契約者）", "所在地",
    "警備員（緊急対処員）への指令", "警察機関への連絡", "その他の機関への連絡", "現場到着日時",
    "受信から現場到着までの時間（分）", "到着基準時間（分）", "制限時間内", "結果", "出動した警備員",
    "その他の措置",
]  # fmt: skip


@pytest.fixture
async def worked(database_url: str, sessions) -> httpx.AsyncClient:
    """A burglary received 12:00 JST: 近藤 sent 12:02, arrival 12:19, police told 12:20, report 12:35."""
    async with sessions() as session:
        await access.create_user(session=session, login="op", name="大野一郎", role=Role.OPERATOR,
                                 password="x" * 12, actor="test", at=utcnow())  # fmt: skip
        await session.commit()
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    async with sessions() as session:
        assignment = await assign(session, incident_id, ids["near"], T0 + 2 * M)
    async with sessions() as session:
        await flows.record_outcome(
            session=session, incident_id=incident_id, operator="op", outcome=Outcome.NO_ANSWER, at=T0 + 3 * M
        )
    steps = [(Action.ACCEPT, 3, ""), (Action.EN_ROUTE, 3, ""), (Action.ARRIVED, 19, ""),
             (Action.NEEDS_HELP, 19, "police")]  # fmt: skip
    for action, minute, note in steps:
        await act(sessions, assignment.id, action, minute, note)
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
        (police,) = [t for t in incident.tasks if t.agency == "police"]
        await service.notify_agency(
            session=session, incident_id=incident_id, task_id=police.id, actor="op", at=T0 + 20 * M,
            switchboard=RecordingSwitchboard(), settings=SETTINGS,
        )  # fmt: skip
    for action, minute, note in [
        (Action.ALL_CLEAR, 30, ""),
        (Action.REPORT, 35, "窓の施錠を確認。異常なし。"),
    ]:
        await act(sessions, assignment.id, action, minute, note)
    _, supervisor = await add_user(sessions, "supervisor", "chief")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=supervisor
    ) as client:
        yield client


def table(body: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(encoding), newline="")))


async def test_utf8_with_bom_japanese_headers_and_a_column_per_measure(worked) -> None:
    answer = await worked.get("/api/records.csv", params=DAY)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert b"\r\n" in answer.content
    header, row = table(answer.content, "utf-8-sig")
    assert header == JA_HEADERS
    record = dict(zip(header, row, strict=True))
    assert record["受信日時"] == "2026-11-22 12:00:00" and record["所在地"].startswith("愛知県")
    assert record["サービス"] == "A 防犯"  # the letter and the label the console shows
    instruction = record["警備員（緊急対処員）への指令"]
    assert instruction.startswith("12:02:00 大野一郎: 近藤")  # the operator's name, not the login
    assert record["警察機関への連絡"].startswith("12:20:00 大野一郎:")
    assert record["その他の機関への連絡"] == ""
    assert record["現場到着日時"] == "2026-11-22 12:19:00"
    assert record["受信から現場到着までの時間（分）"] == "19.0"
    assert (record["到着基準時間（分）"], record["制限時間内"]) == ("25", "はい")
    assert "窓の施錠を確認。異常なし。" in record["結果"] and record["出動した警備員"] == "近藤"
    assert "12:01:00 大野一郎" in record["その他の措置"]  # the claim, with the operator's name
    assert "responder_accepted" not in row and "op " not in record["その他の措置"]
    # The measures in words, as on the incident page: no stored English detail, no "system" for the center.
    others = record["その他の措置"]
    assert "after receipt" not in others and "system" not in others and "planned" not in others


async def test_shift_jis_on_request_and_english_with_lang_en(worked) -> None:
    utf8 = await worked.get("/api/records.csv", params=DAY)
    sjis = await worked.get("/api/records.csv", params=DAY | {"encoding": "shift_jis"})
    english = await worked.get("/api/records.csv", params=DAY | {"lang": "en"})
    wrong = await worked.get("/api/records.csv", params=DAY | {"encoding": "latin-1"})
    assert sjis.headers["content-type"] == "text/csv; charset=shift_jis"
    assert not sjis.content.startswith(b"\xef\xbb\xbf")
    assert table(sjis.content, "cp932") == table(utf8.content, "utf-8-sig")  # the same table, nothing lost
    header, row = table(english.content, "utf-8-sig")
    assert header[:3] == ["Incident no.", "Received (JST)", "Service"] and "Police contacted" in header
    assert dict(zip(header, row, strict=True))["Within the limit"] == "Yes"
    assert wrong.status_code == 422


def test_a_character_shift_jis_cannot_hold_is_escaped_not_dropped() -> None:
    body = legal_record.encode([["𠮷野家", "髙橋"]], "shift_jis")
    assert body.decode("cp932") == "\\U00020bb7野家,髙橋\r\n"  # 髙 is in Windows-31J, 𠮷 is not


async def test_days_outside_the_calendar_of_the_record_are_refused_not_a_server_error(worked) -> None:
    """The fuzzer's find: 0001-01-01 JST is before the first UTC day (a 500)."""
    ancient = await worked.get("/api/records.csv", params={"from": "0001-01-01", "to": "0002-01-01"})
    assert ancient.status_code == 422 and "detail" in ancient.json()
