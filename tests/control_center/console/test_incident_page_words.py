"""The incident page as the operator reads it: no premises call offered on a silent alarm, agencies in
words rather than codes."""

from __future__ import annotations

import re

import httpx
import pytest

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents import flows
from dispatch import service
from dispatch.status import Action
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import T0, alarms
from tests.dispatch.test_service import SETTINGS, M, depots_and_responders
from tests.helpers import add_user

PREMISES_CALL = "/call-premises"


@pytest.fixture
async def app(database_url: str, sessions):
    return create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())


def visible(html: str) -> str:
    """The page's text, without markup (codes in attributes are for scripts and tests, not read)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S)))


async def operator(app, sessions) -> httpx.AsyncClient:
    _, headers = await add_user(sessions, "operator")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers)


async def test_a_duress_alarm_offers_no_call_to_the_premises_but_keeps_the_contacts(app, sessions) -> None:
    await premises(sessions, account="8001")
    await premises(sessions, account="8002")
    duress, burglary = await alarms(sessions, (121, "8001"), (130, "8002"))
    async with await operator(app, sessions) as client:
        for incident in (duress, burglary):  # the calls are offered to the operator handling it
            assert (await client.post(f"/console/incidents/{incident}/claim")).status_code == 303
        silent_page = (await client.get(f"/console/incidents/{duress}")).text
        silent_live = (await client.get(f"/console/incidents/{duress}/calls")).text
        usual_page = (await client.get(f"/console/incidents/{burglary}")).text
    for html in (silent_page, silent_live):
        assert PREMISES_CALL not in html and "ご利用先へ電話" not in html
        assert "サイレント対応: ご利用先には電話しない" in html
        assert f"/console/incidents/{duress}/call-list" in html  # the emergency contacts may still be called
    assert f"/console/incidents/{burglary}{PREMISES_CALL}" in usual_page  # other alarms: as before
    assert "サイレント対応" not in usual_page


async def test_the_responders_call_for_the_fire_department_reads_as_words(app, sessions) -> None:
    people = await depots_and_responders(sessions)
    await premises(sessions, account="8003")
    (fire,) = await alarms(sessions, (110, "8003"))
    async with sessions() as session:
        await flows.claim(session=session, incident_id=fire, operator="operator", at=T0 + M)
        assignment = await service.assign(
            session=session, incident_id=fire, responder_id=people["near"], actor="operator", at=T0 + 2 * M,
            settings=SETTINGS,
        )  # fmt: skip
    for action, minute, note in [
        (Action.EN_ROUTE, 3, ""),
        (Action.ARRIVED, 9, ""),
        (Action.NEEDS_HELP, 10, "fire_dept"),
    ]:
        async with sessions() as session:
            await service.act(
                session=session, assignment_id=assignment.id, action=action, actor="近藤", at=T0 + minute * M,
                note=note,
            )  # fmt: skip
    async with await operator(app, sessions) as client:
        text = visible((await client.get(f"/console/incidents/{fire}")).text)
    assert "警察・消防・救急の要請: 消防" in text  # the dispatch panel, in red
    assert "関係機関が必要: 消防" in text  # the record
    assert "fire_dept" not in text and "FIRE_DEPT" not in text
