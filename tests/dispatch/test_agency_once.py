"""An agency already notified is not asked for again when the responder calls for the authorities."""

from __future__ import annotations

from sqlalchemy import select

from control_center.alarms.action_plans import Outcome
from control_center.incidents import flows
from control_center.incidents.models import IncidentTask
from dispatch import service
from dispatch.agencies import RecordingSwitchboard
from dispatch.status import Action
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import T0, alarms
from tests.dispatch.test_service import SETTINGS, M, act, assign, depots_and_responders


async def test_the_fire_department_notified_once_is_not_a_second_task_after_the_check(sessions) -> None:
    people = await depots_and_responders(sessions)
    await premises(sessions, account="9101")
    (incident_id,) = await alarms(sessions, (110, "9101"))  # fire
    switchboard = RecordingSwitchboard()
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0 + M)
        assignment = await assign(session, incident_id, people["near"], T0 + 2 * M)
        await flows.record_outcome(
            session=session, incident_id=incident_id, operator="op", outcome=Outcome.CONFIRMED, at=T0 + 3 * M
        )
        incident = await flows.load(session=session, incident_id=incident_id)
        (fire,) = [t for t in incident.tasks if t.agency == "fire_dept"]
        reference = await service.notify_agency(
            session=session,
            incident_id=incident_id,
            task_id=fire.id,
            actor="op",
            at=T0 + 4 * M,
            switchboard=switchboard,
            settings=SETTINGS,
        )
    for action, minute, note in [
        (Action.EN_ROUTE, 5, ""),
        (Action.ARRIVED, 12, ""),
        (Action.NEEDS_HELP, 13, "fire_dept"),
    ]:
        await act(sessions, assignment.id, action, minute, note)
    async with sessions() as session:
        tasks = list(
            await session.scalars(select(IncidentTask).where(IncidentTask.incident_id == incident_id))
        )
        await flows.resolve(
            session=session, incident_id=incident_id, operator="op", reason="消防に引き継ぎ", at=T0 + 30 * M
        )
        closed = await flows.load(session=session, incident_id=incident_id)
    assert reference == "FIRE-00001"  # a short word, not the code fire_dept
    assert [t.reference for t in tasks if t.agency == "fire_dept"] == ["FIRE-00001"]  # one 119 call only
    assert closed.closed_at is not None  # nothing left to notify again


async def test_an_agency_not_yet_on_the_incident_is_still_added_by_the_check(sessions) -> None:
    """A fire not yet reported to 119 (no answer yet): the responder's call for help adds the task."""
    people = await depots_and_responders(sessions)
    await premises(sessions, account="9102")
    (incident_id,) = await alarms(sessions, (110, "9102"))
    async with sessions() as session:
        await flows.claim(session=session, incident_id=incident_id, operator="op", at=T0 + M)
        assignment = await assign(session, incident_id, people["near"], T0 + 2 * M)
    for action, minute, note in [
        (Action.EN_ROUTE, 3, ""),
        (Action.ARRIVED, 10, ""),
        (Action.NEEDS_HELP, 11, "fire_dept"),
    ]:
        await act(sessions, assignment.id, action, minute, note)
    async with sessions() as session:
        incident = await flows.load(session=session, incident_id=incident_id)
    assert [t.agency for t in incident.tasks if t.agency] == ["fire_dept"]  # the check asks for it: added
