"""What the signer reads before signing: the contract and the explanation of important matters.

Seed 001/003 (電子契約): the explanation of important matters must be given, and read, before the
contract is concluded; here the signer sees the same PDF that will be signed (``document.render`` of
``contract_text``; the signing service renders the same ``contract_text``), and the page asks them to
confirm they have read it before the signature.

After the password has been checked the page gets a reading ticket: the signer's login and the
contract, sealed under the center's key with an expiry (``TICKET_LIFETIME``), so the PDF can be opened
in the browser's own viewer without the password travelling again; nothing is stored. The ticket lets
its holder read that one contract for a few minutes and nothing else: signing still needs the
password, the e-mailed code and the PIN.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from billing import terms
from billing.esign import document
from billing.models import Contract
from control_center.core.secret_box import SecretBox
from control_center.subscribers.models import Premises, Subscriber

TICKET_LIFETIME = dt.timedelta(minutes=30)
PURPOSE = "esign-reading"


async def contract_text(*, session: AsyncSession, contract_id: int) -> document.ContractText:
    """The contract's terms as the document states them (the one rendered for reading and for signing)."""
    contract = await session.get(Contract, contract_id)
    if contract is None:
        raise LookupError(f"contract {contract_id} not found")
    subscriber = await session.get(Subscriber, contract.subscriber_id)
    place = await session.scalar(
        select(Premises).where(Premises.id == contract.premises_id).options(selectinload(Premises.services))
    )
    assert subscriber is not None and place is not None  # foreign keys
    return document.ContractText(
        contract.id,
        subscriber.name,
        place.address,
        contract.plan,
        contract.service_start,
        terms.initial_expiry(contract.service_start),
        contract.monthly_fee,
        contract.deposit,
        tuple(sorted(s.service_type for s in place.services)),
    )


def ticket(box: SecretBox, *, login: str, contract_id: int, at: dt.datetime) -> str:
    body = {"login": login, "contract": contract_id, "until": (at + TICKET_LIFETIME).timestamp()}
    return box.seal(json.dumps(body).encode(), purpose=PURPOSE)


def reader_of(box: SecretBox, sealed: str, *, contract_id: int, at: dt.datetime) -> str | None:
    """The login a valid, unexpired ticket for ``contract_id`` was given to; None for anything else."""
    if not sealed or len(sealed) > 1024:
        return None
    opened = box.open(sealed, purpose=PURPOSE)
    try:
        body = json.loads(opened) if opened else None
        if not body or body["contract"] != contract_id or body["until"] < at.timestamp():
            return None
        return str(body["login"])
    except (ValueError, KeyError, TypeError):
        return None
