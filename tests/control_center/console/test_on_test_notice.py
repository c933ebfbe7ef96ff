"""An alarm from a zone not under test while the premises is on test: worked as always, and the incident
page tells the operator that the premises is on test, until when and which zones (whose signals are only
recorded), so that a missing signal from those zones is not read as quiet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from control_center.incidents.models import Incident
from control_center.subscribers.models import PanelAccount
from tests.control_center.conftest import System
from tests.helpers import eventually


async def test_the_incident_page_says_the_premises_is_on_test(system: System, sessions) -> None:
    async with sessions() as session:
        premises_id = await session.scalar(
            select(PanelAccount.premises_id).where(PanelAccount.account == "1001")
        )
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    async with system.client() as operator:
        answer = await operator.post(
            f"/api/premises/{premises_id}/test",
            json={
                "ends_at": ends.isoformat(),
                "zones": [5, 7],
                "reason": "感知器交換",
                "technician": "中部設備 佐藤",
            },
        )
        assert answer.status_code in (200, 201), answer.text
        await system.alarm("1001", 130)  # zone 1: not under test

        async def opened() -> int | None:
            async with sessions() as session:
                return await session.scalar(select(Incident.id).where(Incident.account == "1001"))

        incident_id = await eventually(opened)
        await operator.post(f"/console/incidents/{incident_id}/claim")
        page = (await operator.get(f"/console/incidents/{incident_id}")).text
        assert "data-on-test=" in page and "点検中" in page and "ゾーン 5・7" in page

        await operator.post(f"/console/premises/{premises_id}/test/end")  # the technician is done
        page = (await operator.get(f"/console/incidents/{incident_id}")).text
        assert "data-on-test=" not in page
