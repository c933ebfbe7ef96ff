"""Link supervision: every supervised panel must check in within its interval.

A check-in is any signal, DC-09 NULL poll or MQTT heartbeat; it moves the panel's deadline (epoch
seconds, indexed) forward. The gateway records check-ins through ``signals/intake.py``, in the commit
that stores the messages. The sweeper finds panels past their deadline with one indexed range scan,
raises a line-cut (F) signal for each and marks the link lost; the panel's next check-in records a
restore. The contract's interval for cellular-only premises is 36 hours. A central-station receiver
that falls silent is raised the same way (``receiver_row``, from ``panel_gateway/transports/serial_line.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.bulk import among, insert_new
from control_center.core.db import is_postgresql
from control_center.core.i18n import N_
from control_center.signals.classification import SignalKind
from control_center.signals.models import Signal
from control_center.signals.service_types import PRIORITY, Priority, ServiceType
from control_center.subscribers.models import PanelAccount

CELLULAR_CHECK_IN = dt.timedelta(hours=36)  # 通信状況確認: every 36 hours for cellular-only premises
TRANSPORT = "supervision"


def _row(account: str, message_id: str, at: dt.datetime, kind: SignalKind, priority: int, text: str) -> dict:
    return {
        "account": account, "message_id": message_id, "transport": TRANSPORT, "received_at": at,
        "panel_time": None, "format": "supervision", "event_code": "LINK", "qualifier": None, "partition": 0,
        "zone": 0, "device": None, "kind": kind.value, "service_type": ServiceType.LINE_CUT.value,
        "priority": priority, "description": text, "raw": "", "processed_at": None, "incident_id": None,
    }  # fmt: skip


def lost_row(account: str, deadline: int, at: dt.datetime) -> dict:
    return _row(account, f"link-lost-{deadline}", at, SignalKind.ALARM, PRIORITY[ServiceType.LINE_CUT],
                N_("check-in overdue"))  # fmt: skip


def restored_row(account: str, at: dt.datetime) -> dict:
    return _row(account, f"link-restored-{int(at.timestamp())}", at, SignalKind.RESTORE, Priority.INFO,
                N_("link restored"))  # fmt: skip


def receiver_row(name: str, at: dt.datetime, *, restored: bool) -> dict:
    """A central-station receiver fell silent (or spoke again): the operators must know."""
    if restored:
        return _row(name, f"receiver-restored-{int(at.timestamp())}", at, SignalKind.RESTORE, Priority.INFO,
                    N_("receiver restored"))  # fmt: skip
    return _row(name, f"receiver-failed-{int(at.timestamp())}", at, SignalKind.ALARM, Priority.LIFE_SAFETY,
                N_("receiver failure"))  # fmt: skip


async def record_check_ins(*, session: AsyncSession, seen: Iterable[tuple[str, dt.datetime]]) -> list[str]:
    """Move the deadlines of the panels seen (account, time); returns those whose lost link is restored.

    Deadlines have one-second resolution, so a batch costs one UPDATE per distinct second (usually one).
    """
    latest: dict[str, dt.datetime] = {}
    for account, at in seen:
        if account not in latest or latest[account] < at:
            latest[account] = at
    if not latest:
        return []
    restored = list(
        await session.scalars(
            select(PanelAccount.account).where(
                among(session, PanelAccount.account, sorted(latest)), PanelAccount.link_lost_at.is_not(None)
            )
        )
    )
    by_second: dict[int, list[str]] = {}
    for account, at in latest.items():
        by_second.setdefault(int(at.timestamp()), []).append(account)
    for second, accounts in sorted(by_second.items()):
        at = max(latest[a] for a in accounts)
        await session.execute(
            update(PanelAccount)
            # Sorted: a fixed lock order, so concurrent gateways never deadlock on these rows.
            .where(
                among(session, PanelAccount.account, sorted(accounts)),
                PanelAccount.check_in_seconds.is_not(None),
            )
            .values(
                last_check_in_at=at,
                check_in_deadline=second + PanelAccount.check_in_seconds,
                link_lost_at=None,
            )
        )
    if restored:
        rows = [restored_row(a, latest[a]) for a in restored]
        await insert_new(session, Signal, rows)
    return restored


async def sweep(*, session: AsyncSession, now: dt.datetime, limit: int = 1000) -> list[str]:
    """Raise a line-cut signal for each panel past its deadline; returns their accounts."""
    query = (
        select(PanelAccount)
        .where(PanelAccount.check_in_deadline < int(now.timestamp()), PanelAccount.link_lost_at.is_(None))
        .order_by(PanelAccount.check_in_deadline)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    overdue = list(await session.scalars(query))
    if not overdue:
        return []
    rows = [lost_row(p.account, p.check_in_deadline or 0, now) for p in overdue]
    for panel in overdue:
        panel.link_lost_at = now
    await insert_new(session, Signal, rows)
    await session.commit()
    return [p.account for p in overdue]
