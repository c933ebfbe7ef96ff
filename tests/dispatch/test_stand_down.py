"""A responder on the way when the center closes the incident (a verified resident called it off): the phone
says so and offers only the return, which frees the responder; an open incident cannot be abandoned from
the phone (the walkthrough of issue 17 found the job staying on the phone of a closed incident)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from control_center.incidents.models import Incident, IncidentEvent
from dispatch import service
from dispatch.models import Assignment, KeySet, Responder
from dispatch.service import DispatchError
from simulators.demo.subscribers import plan
from tests.control_center.conftest import System
from tests.dispatch.test_responder_view import burglary, dispatch_ready


async def test_a_closed_incident_stands_the_responder_down(system: System, sessions) -> None:
    responder = await dispatch_ready(sessions)
    incident_id = await burglary(system, sessions)
    phone_client = httpx.AsyncClient(base_url=system.base_url, headers=responder)
    async with system.client() as operator, phone_client as phone:
        sent = await operator.post(f"/api/incidents/{incident_id}/assignments", json={"responder_id": 1})
        assignment_id = sent.json()["id"]
        step = f"/api/responder/assignments/{assignment_id}/steps"
        assert (await phone.post(step, json={"action": "en_route"})).status_code == 200

        # Still open: the phone cannot drop the job on its own.
        refused = await phone.post(step, json={"action": "stand_down"})
        assert refused.status_code in (409, 422), refused.text
        assert (await phone.get("/api/responder/assignment")).json()["actions"] == ["arrived"]

        # The resident calls with the right code and calls it off.
        await operator.post(f"/console/incidents/{incident_id}/claim")
        await operator.post(
            f"/console/incidents/{incident_id}/verify", data={"name": "山田", "digits": plan(5)[0].house_code}
        )
        await operator.post(
            f"/console/incidents/{incident_id}/outcome",
            data={"outcome": "false_alarm", "reason": "家族の誤操作"},
        )
        job = (await phone.get("/api/responder/assignment")).json()
        assert job["incident_closed"] is True and job["actions"] == ["stand_down"]
        page = (await phone.get("/responder/assignment")).text
        assert "data-closed-before-arrival" in page and 'value="stand_down"' in page
        assert 'value="arrived"' not in page
        # Only the notice and the return: no running clock, no call, no route, no key to take out.
        assert 'data-status-word="recalled"' in page and "帰隊指示" in page and 'class="elapsed"' not in page
        for offered in ("data-tel=", "data-navigation=", "/take-out", "出動中"):
            assert offered not in page, offered
        # And the server refuses a take-out posted anyway: the seal stays intact.
        async with sessions() as session:
            premises_id = (await session.get(Incident, incident_id)).premises_id
            sealed = await session.scalar(
                select(KeySet).where(KeySet.premises_id == premises_id, KeySet.state == "sealed")
            )
        assert sealed is not None
        await phone.post(f"/responder/keys/{sealed.id}/take-out")
        async with sessions() as session:
            with pytest.raises(DispatchError, match="closed"):
                await service.take_out_key(
                    session=session, key_set_id=sealed.id, responder_id=1, incident_id=incident_id,
                    actor="takahashi", at=dt.datetime.now(dt.UTC),
                )  # fmt: skip
        async with sessions() as session:
            kept = await session.get(KeySet, sealed.id)
            assert (kept.state, kept.seal_number) == ("sealed", sealed.seal_number)

        assert (await phone.post(step, json={"action": "stand_down"})).status_code == 200
        assert (await phone.get("/api/responder/assignment")).json() is None
        # Once only: the job is over.
        assert (await phone.post(step, json={"action": "stand_down"})).status_code in (403, 404, 409, 422)
    async with sessions() as session:
        assignment = await session.get(Assignment, assignment_id)
        me = await session.get(Responder, 1)
        incident = await session.get(Incident, incident_id)
        kinds = list(
            await session.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id))
        )
    assert incident.closed_at is not None and assignment.ended_at is not None
    assert assignment.arrived_at is None and me.status == "available"  # free for the next job
    assert "responder_stood_down" in kinds
