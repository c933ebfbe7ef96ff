"""At least 3 emergency contacts (seed 002 セコムからのお知らせ (1) 連絡先について), in call order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from control_center.core.errors import Refused
from control_center.subscribers.models import EmergencyContact
from control_center.subscribers.service import register_contacts
from simulators.demo.subscribers import seed

THREE = [
    ("長男 一郎", "090-1111-0001", "長男"),
    ("隣人 花子", "090-1111-0002", None),
    ("会社", "052-111-0003", ""),
]


async def test_fewer_than_three_contacts_are_refused_and_three_replace_the_list(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
        await session.commit()
    async with sessions() as session:
        before = list(
            await session.scalars(select(EmergencyContact.name).where(EmergencyContact.premises_id == 1))
        )
        with pytest.raises(Refused, match="at least 3"):
            await register_contacts(session=session, premises_id=1, contacts=THREE[:2])
        with pytest.raises(Refused, match="name and a phone"):
            await register_contacts(
                session=session, premises_id=1, contacts=[*THREE[:2], ("", "090-0", None)]
            )
        await session.rollback()
        after = list(
            await session.scalars(select(EmergencyContact.name).where(EmergencyContact.premises_id == 1))
        )
        assert after == before  # a refused list changes nothing
        await register_contacts(
            session=session, premises_id=1, contacts=[*THREE, ("叔母", "03-0000-0004", None)]
        )
        await session.commit()
    async with sessions() as session:
        rows = list(
            await session.scalars(
                select(EmergencyContact)
                .where(EmergencyContact.premises_id == 1)
                .order_by(EmergencyContact.position)
            )
        )
        assert [(r.position, r.name) for r in rows] == [
            (1, "長男 一郎"),
            (2, "隣人 花子"),
            (3, "会社"),
            (4, "叔母"),
        ]
