"""The one way into the center's signal inbox: the gateway writes signals, dead letters and check-ins here.

Every function writes in the caller's session and transaction and does not commit: the gateway
commits a whole batch at once (group commit) and acknowledges the panels only after that commit.
What a signal means (kind, service type, priority) comes from ``signals/classification.py``, the pure
table the gateway and the center share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.bulk import insert_new
from control_center.signals import link_supervision
from control_center.signals.models import DeadLetter, Signal


async def store_signals(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Store the signals not stored yet; returns how many were new.

    (account, message id) is the key: a panel's retry after a lost acknowledgement stores nothing.
    """
    return await insert_new(session, Signal, rows)


async def store_dead_letters(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Store messages that could not be read, each with the reason (``DeadLetter``)."""
    return await insert_new(session, DeadLetter, rows)


async def record_check_ins(
    *, session: AsyncSession, seen: Iterable[tuple[str, dt.datetime] | tuple[str, dt.datetime, str]]
) -> list[str]:
    """Every message from a panel is a check-in (``signals/link_supervision.py``): (account, time,
    transport), the transport attributing it to one of the panel's paths; returns the accounts whose
    lost link or path this restores (their restore signals are stored in the same transaction)."""
    return await link_supervision.record_check_ins(session=session, seen=seen)
