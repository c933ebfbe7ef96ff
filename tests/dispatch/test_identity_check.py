"""The responder checks the identity of anyone met on site (seed 002 セコムからのお知らせ (5)③): a step of
the responder's flow, written to the incident's record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from control_center.incidents.models import IncidentEvent
from dispatch import identity_check, service
from dispatch.service import DispatchError
from dispatch.status import Action
from tests.control_center.supervisor_desk.test_supervisor import T0
from tests.dispatch.test_service import M, act, assign, depots_and_responders, incident_with_premises


@pytest.mark.parametrize(
    ("finding", "may_identify_self", "call_contacts", "authorities"),
    [("confirmed", True, False, False), ("confirm_by_contacts", False, True, False),
     ("confirmed_by_contacts", True, False, False), ("not_confirmed", False, False, True)],
)  # fmt: skip
def test_the_responder_shows_their_own_identity_only_after_the_others(
    finding: str, may_identify_self: bool, call_contacts: bool, authorities: bool
) -> None:
    outcome = identity_check.judge(finding)
    assert (outcome.may_identify_self, outcome.call_contacts, outcome.authorities) == (
        may_identify_self, call_contacts, authorities)  # fmt: skip


async def test_the_check_is_recorded_and_only_on_site(sessions) -> None:
    ids = await depots_and_responders(sessions)
    incident_id = await incident_with_premises(sessions)
    async with sessions() as session:
        assignment = await assign(session, incident_id, ids["near"], T0 + 2 * M)
    check = dict(assignment_id=assignment.id, person="山田 花子（長女と名乗る）", actor="近藤")
    async with sessions() as session:
        with pytest.raises(DispatchError, match="on site"):
            await service.check_identity(session=session, finding="confirmed", at=T0 + 3 * M, **check)
    await act(sessions, assignment.id, Action.ACCEPT, 3)
    await act(sessions, assignment.id, Action.EN_ROUTE, 4)
    await act(sessions, assignment.id, Action.ARRIVED, 12)
    async with sessions() as session:
        with pytest.raises(DispatchError, match="finding is one of"):
            await service.check_identity(session=session, finding="looks fine", at=T0 + 13 * M, **check)
        first = await service.check_identity(
            session=session, finding="confirm_by_contacts", at=T0 + 13 * M, **check
        )
        assert first.call_contacts and not first.may_identify_self
    async with sessions() as session:
        later = await service.check_identity(
            session=session,
            finding="confirmed_by_contacts",
            at=T0 + 16 * M,
            note="緊急連絡先1 長男が確認",
            **check,
        )
        assert later.may_identify_self
        events = list(
            await session.scalars(
                select(IncidentEvent)
                .where(IncidentEvent.incident_id == incident_id, IncidentEvent.kind == "identity_check")
                .order_by(IncidentEvent.id)
            )
        )
    assert [(e.actor, e.detail) for e in events] == [
        ("近藤", "山田 花子（長女と名乗る）: confirm_by_contacts"),
        ("近藤", "山田 花子（長女と名乗る）: confirmed_by_contacts — 緊急連絡先1 長男が確認"),
    ]
