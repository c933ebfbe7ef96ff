"""Notes on the database (SQLite and PostgreSQL): checked, kept newest first, audited, also after closing;
the shift handover and the supervisor's per-operator figures built on them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from control_center.access.models import User
from control_center.core.audit import AuditEntry
from control_center.incidents.models import Incident
from control_center.notes import service
from control_center.notes.models import MAX_NOTE_CHARS
from control_center.supervisor_desk.service import operator_figures

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


async def incident(sessions, account: str = "3001", **fields: object) -> int:
    values: dict[str, object] = {
        "account": account, "service_type": "A", "priority": 2, "description": "burglary",
        "opened_at": NOW - dt.timedelta(minutes=30), "last_signal_at": NOW - dt.timedelta(minutes=30),
    } | fields  # fmt: skip
    async with sessions() as session:
        row = Incident(**values)
        session.add(row)
        await session.commit()
        return row.id


async def test_notes_are_trimmed_kept_newest_first_and_audited(sessions) -> None:
    incident_id = await incident(sessions)
    async with sessions() as session:
        await service.add(
            session=session, incident_id=incident_id, author="sato", body="  first\r\n  ", at=NOW
        )
        later = NOW + dt.timedelta(minutes=1)
        await service.add(session=session, incident_id=incident_id, author="ito", body="second", at=later)
    async with sessions() as session:
        notes = await service.notes_of(session=session, incident_id=incident_id)
        audited = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.subject == f"incident:{incident_id}"))
        )
    assert [(n.author, n.body) for n in notes] == [("ito", "second"), ("sato", "first")]
    assert notes[0].at == NOW + dt.timedelta(minutes=1)
    assert sorted(a.actor for a in audited) == ["ito", "sato"] and {a.action for a in audited} == {"change"}


async def test_a_note_may_be_added_after_closing(sessions) -> None:
    incident_id = await incident(sessions, closed_at=NOW - dt.timedelta(minutes=5), status="resolved")
    async with sessions() as session:
        await service.add(
            session=session, incident_id=incident_id, author="sato", body="後日連絡あり", at=NOW
        )
        assert [n.body for n in await service.notes_of(session=session, incident_id=incident_id)] == [
            "後日連絡あり"
        ]


@pytest.mark.parametrize(
    ("body", "message"),
    [("", service.EMPTY), ("   \n\t ", service.EMPTY), ("x" * (MAX_NOTE_CHARS + 1), service.TOO_LONG)],
    ids=["empty", "blank", "too-long"],
)
async def test_empty_or_over_long_notes_are_refused_and_nothing_is_stored(sessions, body, message) -> None:
    incident_id = await incident(sessions)
    async with sessions() as session:
        with pytest.raises(service.NoteRefused) as refused:
            await service.add(session=session, incident_id=incident_id, author="sato", body=body, at=NOW)
        assert str(refused.value) == message
        assert await service.notes_of(session=session, incident_id=incident_id) == []


async def test_the_longest_note_allowed_is_kept_whole(sessions) -> None:
    incident_id = await incident(sessions)
    body = "長" * MAX_NOTE_CHARS
    async with sessions() as session:
        await service.add(session=session, incident_id=incident_id, author="sato", body=body, at=NOW)
        assert (await service.notes_of(session=session, incident_id=incident_id))[0].body == body


async def test_a_note_on_no_incident_is_a_lookup_error(sessions) -> None:
    async with sessions() as session:
        with pytest.raises(LookupError):
            await service.add(session=session, incident_id=999_999, author="sato", body="x", at=NOW)


async def test_handover_lists_open_incidents_by_operator_with_their_last_notes(sessions) -> None:
    mine = await incident(sessions, "3001", claimed_by="sato", claimed_at=NOW, priority=1)
    other = await incident(sessions, "3002", claimed_by="ito", claimed_at=NOW)
    nobody = await incident(sessions, "3003")
    closed = await incident(sessions, "3004", claimed_by="sato", closed_at=NOW, status="resolved")
    async with sessions() as session:
        for k in range(5):
            at = NOW + dt.timedelta(minutes=k)
            await service.add(session=session, incident_id=mine, author="sato", body=f"n{k}", at=at)
        desks, notes = await service.handover(session=session)
    assert [(d.operator, [i.id for i in d.incidents]) for d in desks] == [
        ("ito", [other]), ("sato", [mine]), (None, [nobody])
    ]  # fmt: skip
    assert closed not in {i.id for d in desks for i in d.incidents}
    assert [n.body for n in notes[mine]] == ["n4", "n3", "n2"]  # the last three, newest first


async def test_operator_figures_count_each_operators_work_by_name(sessions) -> None:
    async with sessions() as session:
        session.add(User(login="sato", name="佐藤 花子", role="operator", password_hash="x"))
        await session.commit()
    opened = NOW - dt.timedelta(hours=1)
    await incident(
        sessions, "3001", opened_at=opened, claimed_by="sato", claimed_at=opened + dt.timedelta(seconds=20)
    )
    await incident(
        sessions, "3002", opened_at=opened, claimed_by="sato", claimed_at=opened + dt.timedelta(seconds=40),
        closed_at=NOW - dt.timedelta(minutes=5), status="resolved",
    )  # fmt: skip
    old = NOW - dt.timedelta(days=3)  # outside the window: not counted
    await incident(
        sessions, "3003", opened_at=old, claimed_by="sato", claimed_at=old, closed_at=old, status="resolved"
    )
    third = await incident(sessions, "3004", opened_at=opened, claimed_by="ito", claimed_at=opened)
    async with sessions() as session:
        await service.add(session=session, incident_id=third, author="sato", body="代わりに確認", at=NOW)
        figures = {o.login: o for o in await operator_figures(session=session, now=NOW)}
    sato, ito = figures["sato"], figures["ito"]
    assert sato.name == "佐藤 花子" and ito.name == "ito"  # no name on file: the login
    assert (sato.claimed, sato.claim_seconds_median, sato.closed, sato.open_now, sato.notes) == (
        2,
        30,
        1,
        1,
        1,
    )
    assert (ito.claimed, ito.closed, ito.open_now, ito.notes) == (1, 0, 1, 0)
