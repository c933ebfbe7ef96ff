"""Outdoor camera (I): the operator sees a person threatened in the images → a ``camera_threat`` event,
police and a responder at once, and the alarm level 4 (threat to life), through the console's form."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents import flows
from control_center.incidents.inbox import process_pending
from control_center.incidents.models import Incident, IncidentEvent, IncidentTask
from control_center.signals.models import Signal
from tests.control_center.factories import Panel, premises
from tests.helpers import add_user

T0 = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)


async def camera_incident(sessions) -> int:
    await premises(sessions)
    await Panel(sessions).send(130, T0)  # the camera's intrusion detection
    async with sessions() as session:
        await session.execute(Signal.__table__.update().values(device="outdoor_camera", service_type="I"))
        await session.commit()
        await process_pending(session=session, now=T0)
        incident_id = await session.scalar(select(Incident.id))
        assert incident_id is not None
        return incident_id


async def test_a_person_threatened_on_the_camera_form_means_police_and_level_4(
    database_url, sessions
) -> None:
    incident_id = await camera_incident(sessions)
    _, operator = await add_user(sessions, "operator")
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="operator", at=T0)
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=operator) as client:
        page = await client.get(f"/console/incidents/{incident_id}")
        assert 'name="person_threatened"' in page.text
        # hostile input: a risk level out of range is refused before anything is recorded
        bad = await client.post(
            f"/console/incidents/{incident_id}/camera", data={"risk_level": "9", "person_threatened": "true"}
        )
        assert bad.status_code == 422
        ok = await client.post(
            f"/console/incidents/{incident_id}/camera", data={"risk_level": "3", "person_threatened": "true"}
        )
        assert ok.status_code == 303
        api = (await client.get(f"/api/incidents/{incident_id}")).json()
    assert api["alarm_level"] == 4
    assert "camera_threat" in [r["code"] for r in api["alarm_level_reasons"]]
    async with sessions() as session:
        kinds = list(
            await session.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id))
        )
        agencies = list(
            await session.scalars(select(IncidentTask.agency).where(IncidentTask.incident_id == incident_id))
        )
        steps = list(
            await session.scalars(select(IncidentTask.step).where(IncidentTask.incident_id == incident_id))
        )
    assert "camera_threat" in kinds and "illegal_act" not in kinds
    assert "police" in agencies and "dispatch" in steps


async def test_an_illegal_act_alone_stays_level_3(sessions) -> None:
    incident_id = await camera_incident(sessions)
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0)
        await flows.camera_assessment(
            session=session, incident_id=incident_id, operator="op", risk_level=2, illegal_act=True, at=T0
        )
        incident = await session.get(Incident, incident_id)
        assert incident is not None and incident.alarm_level == 3
