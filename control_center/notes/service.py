"""Notes on the database: adding one (checked, audited), reading them, and the shift handover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.core import audit
from control_center.core.errors import Refused
from control_center.core.i18n import N_
from control_center.incidents.models import Incident
from control_center.notes.models import MAX_NOTE_CHARS, IncidentNote

EMPTY = N_("a note needs some text")
TOO_LONG = N_("a note may be at most %(limit)s characters")


class NoteRefused(Refused):
    """An empty or over-long note; ``params`` fill the message's %(name)s."""

    def __init__(self, message: str, params: dict[str, str | int] | None = None) -> None:
        super().__init__(message)
        self.params = params or {}


def checked_body(text: str) -> str:
    """The note as stored: trimmed, line ends normalised; refused when empty or too long."""
    body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise NoteRefused(EMPTY)
    if len(body) > MAX_NOTE_CHARS:
        raise NoteRefused(TOO_LONG, {"limit": MAX_NOTE_CHARS})
    return body


async def add(
    *, session: AsyncSession, incident_id: int, author: str, body: str, at: dt.datetime
) -> IncidentNote:
    """Any operator or supervisor, at any time, also after closing: notes are never edited or deleted."""
    text = checked_body(body)
    if await session.get(Incident, incident_id) is None:
        raise LookupError(f"incident {incident_id} not found")
    note = IncidentNote(incident_id=incident_id, at=at, author=author, body=text)
    session.add(note)
    await session.flush()
    audit.changed(session, author, f"incident:{incident_id}", f"note {note.id} ({len(text)} chars)", at=at)
    await session.commit()
    return note


async def notes_of(
    *, session: AsyncSession, incident_id: int, limit: int | None = None
) -> list[IncidentNote]:
    """Newest first."""
    query = (
        select(IncidentNote)
        .where(IncidentNote.incident_id == incident_id)
        .order_by(IncidentNote.at.desc(), IncidentNote.id.desc())
    )
    return list(await session.scalars(query.limit(limit) if limit else query))


async def last_notes(
    *, session: AsyncSession, incident_ids: Iterable[int], per_incident: int = 3
) -> dict[int, list[IncidentNote]]:
    """The newest ``per_incident`` notes of each incident, newest first."""
    ids = set(incident_ids)
    if not ids:
        return {}
    rows = await session.scalars(
        select(IncidentNote)
        .where(IncidentNote.incident_id.in_(ids))
        .order_by(IncidentNote.incident_id, IncidentNote.at.desc(), IncidentNote.id.desc())
    )
    found: dict[int, list[IncidentNote]] = {}
    for note in rows:
        kept = found.setdefault(note.incident_id, [])
        if len(kept) < per_incident:
            kept.append(note)
    return found


async def count_by_author(*, session: AsyncSession, since: dt.datetime) -> dict[str, int]:
    rows = await session.execute(
        select(IncidentNote.author, func.count())
        .where(IncidentNote.at >= since)
        .group_by(IncidentNote.author)
    )
    return {author: int(n) for author, n in rows.all()}


@dataclass
class Desk:
    """One operator's open incidents (``operator`` None: nobody has claimed them), with their last notes."""

    operator: str | None
    incidents: list[Incident] = field(default_factory=list)


async def handover(
    *, session: AsyncSession, per_incident: int = 3
) -> tuple[list[Desk], dict[int, list[IncidentNote]]]:
    """Every open incident by who holds it (unclaimed last), most urgent first, and their last notes."""
    open_rows = list(
        await session.scalars(
            select(Incident)
            .where(Incident.closed_at.is_(None))
            .options(selectinload(Incident.premises))
            .order_by(Incident.priority, Incident.opened_at, Incident.id)
        )
    )
    desks: dict[str | None, Desk] = {}
    for incident in open_rows:
        desks.setdefault(incident.claimed_by, Desk(incident.claimed_by)).incidents.append(incident)
    ordered = sorted(desks.values(), key=lambda d: (d.operator is None, d.operator or ""))
    notes = await last_notes(
        session=session, incident_ids=[i.id for i in open_rows], per_incident=per_incident
    )
    return ordered, notes
