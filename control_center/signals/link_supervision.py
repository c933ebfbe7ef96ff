"""Link supervision: every supervised panel must check in within its interval.

A check-in is any signal, DC-09 NULL poll or MQTT heartbeat; it moves the panel's deadline (epoch
seconds, indexed) forward. The gateway records check-ins through ``signals/intake.py``, in the commit
that stores the messages. The sweeper finds panels past their deadline with one indexed range scan,
raises a line-cut (F) signal for each and marks the link lost; the panel's next check-in records a
restore. The contract's interval for cellular-only premises is 36 hours.

**Judged against the intake's progress** (issue 20). A deadline passes for the center only once the
intake has read what the panels sent up to it: a gateway with a backlog (a broker queue, a database
slow to commit) or one that lost its subscription has not heard the check-ins waiting for it, and
raising those panels would cut 36,000 lines for the center's own delay. ``IntakeProgress`` keeps the
time the intake has got to (the send time of what it commits now, from the panels' timestamps; the
wall clock when nothing waits) and the sweep compares deadlines with it (``as_of``). The intake
behind or stalled is the watchdog's alarm, not the panels'; a real silence is still raised, as late
as the intake is behind.

A central-station receiver that falls silent is raised the same way (``receiver_row``, from
``panel_gateway/transports/serial_line.py``).

**Paths by grade** (issue 16). A panel account with ``panel_paths`` rows is supervised per path, each
with the deadline its EN 50136-1 category sets (``signals/path_rules.py``). A check-in moves the
deadline of the path its transport belongs to (ip / cellular / serial). Past a path's deadline the
sweep raises, per the contract's services: for a panel of several paths an equipment trouble (G) for
that path, and a line cut (F) once every path is lost; for a single-path panel a line cut (F). Each
failure is a ``path_outages`` row with its signal's message id; the check-in that ends it stores the
restore signal (message id ``…-restored-…`` with the failure's deadline, the same service) in the same
row, so every failure is paired with its restore. A panel with paths keeps no panel-wide deadline
(commissioning clears ``check_in_seconds``); one without paths is supervised as before.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.bulk import among, insert_new
from control_center.core.db import is_postgresql, utcnow
from control_center.core.i18n import N_
from control_center.signals import panel_clock, path_rules
from control_center.signals.classification import SignalKind
from control_center.signals.models import Signal
from control_center.signals.service_types import PRIORITY, Priority, ServiceType
from control_center.subscribers.models import PanelAccount, PanelPath, PathOutage

CELLULAR_CHECK_IN = dt.timedelta(hours=36)  # 通信状況確認: every 36 hours for cellular-only premises
TRANSPORT = "supervision"


def _row(account: str, message_id: str, at: dt.datetime, kind: SignalKind, priority: int, text: str,
         service: ServiceType = ServiceType.LINE_CUT, device: str | None = None) -> dict:  # fmt: skip
    return {
        "account": account, "message_id": message_id, "transport": TRANSPORT, "received_at": at,
        "panel_time": None, "format": "supervision", "event_code": "LINK", "qualifier": None, "partition": 0,
        "zone": 0, "device": device, "kind": kind.value, "service_type": service.value,
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


CheckIn = tuple[str, dt.datetime] | tuple[str, dt.datetime, str]  # account, time[, transport]


async def record_check_ins(*, session: AsyncSession, seen: Iterable[CheckIn]) -> list[str]:
    """Move the deadlines of the panels seen (account, time[, transport]); returns those whose lost
    link (or one of whose lost paths) is restored. The transport attributes the check-in to a path.

    Deadlines have one-second resolution, so a batch costs one UPDATE per distinct second (usually one).
    """
    latest: dict[str, dt.datetime] = {}
    by_path: dict[tuple[str, str], dt.datetime] = {}
    for item in seen:
        account, at = item[0], item[1]
        if account not in latest or latest[account] < at:
            latest[account] = at
        if len(item) > 2 and (channel := path_rules.channel_of(item[2])) is not None:
            key = (account, channel.value)
            if key not in by_path or by_path[key] < at:
                by_path[key] = at
    if not latest:
        return []
    restored_paths = await _path_check_ins(session, by_path) if by_path else []
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
    return restored + [a for a in restored_paths if a not in restored]


class IntakeProgress:
    """How far the intake has got through what the panels sent: the time supervision judges against.

    The intake reports each committed batch (``committed``: when each message was received and, where
    the panel stamped it, sent); ``as_of`` is the wall clock while nothing waits to be recorded, else
    the send time of the last batch committed (its median: one panel's wrong clock moves nothing).
    ``waiting`` says whether the intake holds messages it has not recorded yet, or cannot receive (a
    lost subscription): then the supervision clock stops where the intake stands.
    """

    def __init__(
        self, waiting: Callable[[], bool] = lambda: False, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self.waiting = waiting
        self._clock = clock
        self._reached = clock()  # the intake has recorded everything sent before this

    def committed(self, items: Iterable[tuple[dt.datetime, dt.datetime | None]]) -> None:
        """A batch is recorded: (received at, sent at by the panel's clock or None) for each message."""
        now = self._clock()
        seen = list(items)
        # A lag outside the panel clock's bounds says the clock is wrong, not the intake's progress.
        lags = [(now - sent).total_seconds() for _, sent in seen
                if sent is not None and panel_clock.believable(sent, now)]  # fmt: skip
        if not lags:  # no credible panel time: what the gateway itself saw
            lags = [(now - received).total_seconds() for received, _ in seen]
        if lags:
            sent = now - dt.timedelta(seconds=max(0.0, statistics.median(lags)))
            self._reached = max(self._reached, sent)
        self.as_of()

    def as_of(self) -> dt.datetime:
        now = self._clock()
        if not self.waiting():
            self._reached = now  # caught up: every check-in that reached the center is recorded
        return min(now, self._reached)

    def behind_seconds(self) -> float:
        """How far supervision is held behind the wall clock (0 when the intake keeps up)."""
        return max(0.0, (self._clock() - self.as_of()).total_seconds())


# The longest supervision waits for a stalled intake: past it, deadlines are judged by the clock again.
# By then the watchdog has long raised its system alarm (CC_WATCHDOG_GRACE_SECONDS); a real silence must
# not go unreported for good because a gateway is stuck.
HOLD_MAX = dt.timedelta(minutes=15)


def judged_at(now: dt.datetime, reached: Iterable[dt.datetime]) -> dt.datetime:
    """The time check-in deadlines are judged at: the slowest intake's progress (this process's and each
    live gateway's), never later than the clock, never more than ``HOLD_MAX`` behind it."""
    return max(now - HOLD_MAX, min([now, *reached]))


async def sweep(
    *, session: AsyncSession, now: dt.datetime, limit: int = 1000, as_of: dt.datetime | None = None
) -> list[str]:
    """Raise a line-cut signal for each panel past its deadline, and a G or F signal for each path past
    its deadline (``sweep_paths``); returns their accounts. Deadlines are judged at ``as_of`` (the
    intake's progress, ``IntakeProgress``; ``now`` by default); the signals are stamped ``now``."""
    judged = min(now, as_of) if as_of is not None else now
    raised = await _sweep_panels(session, now, judged, limit)
    raised += [a for a in await sweep_paths(session=session, now=judged, limit=limit) if a not in raised]
    if raised:
        await session.commit()
    return raised


async def _sweep_panels(
    session: AsyncSession, now: dt.datetime, judged: dt.datetime, limit: int
) -> list[str]:
    second = int(judged.timestamp())
    query = (
        select(PanelAccount.account)
        .where(PanelAccount.check_in_deadline < second, PanelAccount.link_lost_at.is_(None))
        .order_by(PanelAccount.check_in_deadline)
        .limit(limit)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    due = sorted(await session.scalars(query))
    if not due:
        return []
    # Marked in one statement that judges again: a check-in committed since the SELECT (SQLite holds
    # no row locks) moved the deadline, and that panel is not marked.
    overdue = (
        await session.execute(
            update(PanelAccount)
            .where(
                among(session, PanelAccount.account, due),
                PanelAccount.check_in_deadline < second,
                PanelAccount.link_lost_at.is_(None),
            )
            .values(link_lost_at=now)
            .returning(PanelAccount.account, PanelAccount.check_in_deadline)
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not overdue:
        return []
    await insert_new(
        session, Signal, [lost_row(account, deadline or 0, now) for account, deadline in overdue]
    )
    return [account for account, _ in overdue]


# ── Paths by grade ────────────────────────────────────────────────────────────────────────────


def path_lost_row(path: PanelPath, service: ServiceType, at: dt.datetime) -> dict:
    return _row(path.account, f"path-lost-{path.id}-{path.deadline}", at, SignalKind.ALARM, PRIORITY[service],
                N_("path lost"), service, path.channel)  # fmt: skip


def path_restored_row(outage: PathOutage, at: dt.datetime) -> dict:
    """The restore of ``outage``: its message id is the failure's with ``restored`` (paired by name too)."""
    message_id = outage.lost_message_id.replace("-lost-", "-restored-", 1)
    text = N_("path restored") if outage.path_id is not None else N_("paths restored")
    return _row(outage.account, message_id, at, SignalKind.RESTORE, Priority.INFO, text,
                ServiceType(outage.service_type), outage.channel)  # fmt: skip


def all_lost_row(account: str, deadline: int, at: dt.datetime) -> dict:
    return _row(account, f"paths-lost-{deadline}", at, SignalKind.ALARM, PRIORITY[ServiceType.LINE_CUT],
                N_("all paths lost"))  # fmt: skip


async def _path_check_ins(session: AsyncSession, by_path: dict[tuple[str, str], dt.datetime]) -> list[str]:
    """Move the deadlines of the paths seen; restore those that were lost. Returns their accounts."""
    groups: dict[tuple[int, str], list[str]] = {}
    for (account, channel), at in by_path.items():
        groups.setdefault((int(at.timestamp()), channel), []).append(account)
    for (second, channel), accounts in sorted(groups.items()):
        await session.execute(
            update(PanelPath)
            # Sorted: a fixed lock order, so concurrent gateways never deadlock on these rows.
            .where(among(session, PanelPath.account, sorted(accounts)), PanelPath.channel == channel)
            .values(
                last_check_in_at=max(by_path[(a, channel)] for a in accounts),
                deadline=second + PanelPath.overdue_seconds,
            )
        )
    # Read after the UPDATE holds the rows: a sweep that marked one lost has committed by now, and
    # none can mark it lost until this transaction ends, so no failure goes without its restore.
    accounts = sorted({account for account, _ in by_path})
    lost = [
        p
        for p in await session.scalars(
            select(PanelPath).where(
                among(session, PanelPath.account, accounts), PanelPath.lost_at.is_not(None)
            )
        )
        if (p.account, p.channel) in by_path
    ]
    if not lost:
        return []
    back = {p.id: by_path[(p.account, p.channel)] for p in lost}
    affected = sorted({p.account for p in lost})
    open_outages = list(
        await session.scalars(
            select(PathOutage)
            .where(among(session, PathOutage.account, affected), PathOutage.restored_at.is_(None))
            .order_by(PathOutage.id)
        )
    )
    rows = []
    for outage in open_outages:
        if outage.path_id is not None and outage.path_id in back:
            at = back[outage.path_id]
        elif outage.path_id is None:  # every path was lost: the first one back ends it
            at = min(back[p.id] for p in lost if p.account == outage.account)
        else:
            continue
        outage.restored_at = at
        row = path_restored_row(outage, at)
        outage.restore_message_id = row["message_id"]
        rows.append(row)
    for path in lost:
        path.lost_at = None
    if rows:
        await insert_new(session, Signal, rows)
    await session.flush()
    return affected


async def sweep_paths(*, session: AsyncSession, now: dt.datetime, limit: int = 1000) -> list[str]:
    """Raise the signals of the paths past their deadline (G or F, ``path_rules``) and open their
    outages; returns the accounts. The caller commits.

    On PostgreSQL every path of a panel is locked before its state is judged (whether all are lost);
    a panel one of whose paths a gateway is updating right now is left for the next sweep.
    """
    second = int(now.timestamp())
    due = list(
        await session.scalars(
            select(PanelPath.account)
            .where(PanelPath.deadline < second, PanelPath.lost_at.is_(None))
            .order_by(PanelPath.deadline)
            .limit(limit)
        )
    )
    if not due:
        return []
    accounts = sorted(set(due))
    counts: dict[str, int] = {}
    for account in await session.scalars(
        select(PanelPath.account).where(among(session, PanelPath.account, accounts))
    ):
        counts[account] = counts.get(account, 0) + 1
    query = (
        select(PanelPath)
        .where(among(session, PanelPath.account, accounts))
        .order_by(PanelPath.account, PanelPath.id)
        .execution_options(populate_existing=True)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    panels: dict[str, list[PanelPath]] = {}
    for path in await session.scalars(query):
        panels.setdefault(path.account, []).append(path)
    signals: list[dict] = []
    raised: list[str] = []
    for account, paths in panels.items():
        if len(paths) != counts.get(account):
            continue  # a check-in holds one of its paths: judged on the next sweep
        overdue = sorted(
            (p for p in paths if p.lost_at is None and p.deadline < second), key=lambda p: p.deadline
        )
        if not overdue:
            continue
        service = path_rules.path_loss_service(len(paths))
        for path in overdue:
            row = path_lost_row(path, service, now)
            signals.append(row)
            session.add(_outage(path, service, row["message_id"], now))
            path.lost_at = now
        if path_rules.all_lost(len(paths), (p.lost_at is not None for p in paths)):
            row = all_lost_row(account, overdue[-1].deadline, now)
            signals.append(row)
            since = max((p.last_check_in_at or p.commissioned_at for p in paths), default=now)
            session.add(PathOutage(account=account, path_id=None, role=None, channel=None,
                                   service_type=ServiceType.LINE_CUT.value, since=since, detected_at=now,
                                   lost_message_id=row["message_id"]))  # fmt: skip
        raised.append(account)
    if signals:
        await insert_new(session, Signal, signals)
    return raised


def _outage(path: PanelPath, service: ServiceType, message_id: str, now: dt.datetime) -> PathOutage:
    return PathOutage(
        account=path.account,
        path_id=path.id,
        role=path.role,
        channel=path.channel,
        service_type=service.value,
        since=path.last_check_in_at or path.commissioned_at,
        detected_at=now,
        lost_message_id=message_id,
    )
