from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.bulk import among
from control_center.core.i18n import N_
from control_center.subscribers.models import PanelAccount, Premises

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
