from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from control_center.core.bulk import among
from control_center.core.errors import Refused
from control_center.core.i18n import N_
from control_center.subscribers import search as folding
from control_center.subscribers.models import EmergencyContact, PanelAccount, Premises, Subscriber

ARMING_STATES = {"opening": N_("disarmed"), "closing": N_("armed")}
UNKNOWN_ARMING = N_("unknown")


async def premises_by_account(*, session: AsyncSession, accounts: Iterable[str]) -> dict[str, int]:
    accounts = set(accounts)
    if not accounts:
        return {}
    rows = await session.execute(
        select(PanelAccount.account, PanelAccount.premises_id).where(
            among(session, PanelAccount.account, accounts)
        )
    )
    return {account: premises_id for account, premises_id in rows.all()}


async def record_arming(*, session: AsyncSession, premises_id: int, kind: str, at: dt.datetime) -> None:
    """Keep the center's view of armed/disarmed; an older report never overwrites a newer one."""
    premises = await session.get(Premises, premises_id)
    if premises is None:
        return
    if premises.arming_changed_at is None or premises.arming_changed_at <= at:
        premises.arming_state = ARMING_STATES[kind]
        premises.arming_changed_at = at


SEARCH_LIMIT = 100


async def search(*, session: AsyncSession, text: str, limit: int = SEARCH_LIMIT) -> list[Subscriber]:
    """Subscribers whose name or reading contains the query (hiragana and katakana alike, spaces
    ignored), or whose phone or a premises' phone contains its digits (hyphens ignored); all when the
    query is empty. Folding is in ``search.py``; the rows carry their folded forms (``models.py``)."""
    query = select(Subscriber).order_by(Subscriber.id).limit(limit)
    wanted = folding.parse_query(text)
    if wanted.phone:
        # Premises phones are not folded columns: their hyphens and spaces are dropped in SQL.
        premises_digits = func.replace(func.replace(Premises.phone, "-", ""), " ", "")
        at_premises = (
            select(Premises.id)
            .where(Premises.subscriber_id == Subscriber.id, premises_digits.contains(wanted.phone))
            .exists()
        )
        query = query.where(Subscriber.search_phone.contains(wanted.phone) | at_premises)
    elif wanted.name:
        query = query.where(Subscriber.search_names.contains(wanted.name, autoescape=True))
    return list(await session.scalars(query))


async def with_premises(*, session: AsyncSession, subscriber_id: int) -> Subscriber | None:
    """A subscriber with each premises' services and contacts in call order (the page shows them)."""
    return await session.scalar(
        select(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .options(
            selectinload(Subscriber.premises).selectinload(Premises.services),
            selectinload(Subscriber.premises).selectinload(Premises.contacts),
        )
    )


# Seed 002 セコムからのお知らせ (1) 連絡先について: at least 3 emergency contacts (name and phone), besides
# the premises' own number, each with its place in the call order.
MIN_EMERGENCY_CONTACTS = 3


async def register_contacts(
    *, session: AsyncSession, premises_id: int, contacts: Sequence[tuple[str, str, str | None]]
) -> list[EmergencyContact]:
    """Replace the premises' emergency contacts with ``contacts`` — (name, phone, relation) in call order.
    Refused with fewer than 3 complete ones, or a contact's phone that is the premises' own number."""
    premises = await session.get(Premises, premises_id)
    if premises is None:
        raise LookupError(f"premises {premises_id} not found")
    cleaned = [(n.strip(), p.strip(), (r or "").strip() or None) for n, p, r in contacts]
    if any(not name or not phone for name, phone, _ in cleaned):
        raise Refused("each emergency contact needs a name and a phone number")
    if len(cleaned) < MIN_EMERGENCY_CONTACTS:
        raise Refused("at least 3 emergency contacts are required (seed 002 セコムからのお知らせ (1))")
    digits = ["".join(ch for ch in phone if ch.isdigit()) for _, phone, _ in cleaned]
    own = "".join(ch for ch in premises.phone or "" if ch.isdigit())
    if own and own in digits:
        raise Refused("an emergency contact is a number other than the premises' own")
    await session.execute(delete(EmergencyContact).where(EmergencyContact.premises_id == premises_id))
    rows = [
        EmergencyContact(premises_id=premises_id, position=i, name=name, phone=phone, relation=relation)
        for i, (name, phone, relation) in enumerate(cleaned, 1)
    ]
    session.add_all(rows)
    await session.flush()
    return rows
