"""Prometheus metrics of one process: the gateway's counters (``panel_gateway/metrics.py``, in the default
registry with prometheus_client's process figures), the process's role, the database node it writes to,
and, for the web/worker processes, gauges read from the database at scrape time: the inbox backlog and
the age of its oldest signal, open incidents by priority, panels and paths past their check-in deadline.

The database is read with a few indexed queries at most once per ``CACHE_SECONDS``; scrapes that come
meanwhile, or at the same moment, share one reading, so a scrape storm cannot load the database.
Who may scrape is ``may_scrape``: Prometheus has no session, so loopback (not through a proxy) or the
bearer token ``CC_METRICS_TOKEN``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.incidents.models import Incident
from control_center.signals.models import Signal
from control_center.signals.service_types import Priority
from control_center.subscribers.models import PanelAccount, PanelPath

log = logging.getLogger(__name__)

CACHE_SECONDS = 2.0  # a reading of the database serves every scrape within this
READ_TIMEOUT_SECONDS = 3.0
FORWARDED = ("x-forwarded-for", "forwarded", "x-real-ip")


def may_scrape(peer: str | None, headers: Mapping[str, str], token: str | None) -> bool:
    """Loopback asking directly, or anyone with the bearer token. A request that came through a proxy
    (a forwarding header) is an outsider even from loopback: HAProxy on this machine is loopback too."""
    if token:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if any(name in headers for name in FORWARDED):
        return False
    try:
        return peer is not None and ipaddress.ip_address(peer).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ClusterRole:
    """The database node this process writes to and whether it is the primary."""

    node: str
    role: str  # "primary" or "standby"


@dataclass(frozen=True)
class Reading:
    """What the database said at one scrape (``up`` False: it did not answer; the rest is then empty)."""

    up: bool
    backlog: int = 0
    oldest_age_seconds: float = 0.0
    open_by_priority: dict[int, int] = field(default_factory=dict)
    panels_overdue: int = 0
    paths_overdue: int = 0
    cluster: ClusterRole | None = None


async def cluster_role(session: AsyncSession) -> ClusterRole | None:
    """PostgreSQL's node (address:port as the server sees itself) and role; None on SQLite."""
    if session.bind.dialect.name != "postgresql":
        return None
    row = (
        await session.execute(
            text(
                "SELECT pg_is_in_recovery(), coalesce(host(inet_server_addr()), 'local'), inet_server_port()"
            )
        )
    ).one()
    return ClusterRole(node=f"{row[1]}:{row[2] or ''}".rstrip(":"), role="standby" if row[0] else "primary")


async def read(session: AsyncSession, now: dt.datetime) -> Reading:
    """The gauges, each one indexed query: the inbox's partial index, the open incidents' unique key,
    the panels' and paths' deadline indexes."""
    backlog, oldest = (
        await session.execute(
            select(func.count(), func.min(Signal.received_at)).where(Signal.processed_at.is_(None))
        )
    ).one()
    open_rows = await session.execute(
        select(Incident.priority, func.count())
        .where(Incident.open_key.is_not(None))
        .group_by(Incident.priority)
    )
    second = int(now.timestamp())
    panels = await session.scalar(
        select(func.count()).select_from(PanelAccount).where(PanelAccount.check_in_deadline < second)
    )
    paths = await session.scalar(
        select(func.count()).select_from(PanelPath).where(PanelPath.deadline < second)
    )
    return Reading(
        up=True,
        backlog=int(backlog or 0),
        oldest_age_seconds=max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0,
        open_by_priority={int(p): int(n) for p, n in open_rows.all()},
        panels_overdue=int(panels or 0),
        paths_overdue=int(paths or 0),
        cluster=await cluster_role(session),
    )


async def read_role(session: AsyncSession, _now: dt.datetime) -> Reading:
    """Only the database node and role (what a gateway process shows besides its counters)."""
    return Reading(up=True, cluster=await cluster_role(session))


class DatabaseGauges:
    """The database's part of a scrape, read at most once per ``ttl`` seconds."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        reader: Callable[[AsyncSession, dt.datetime], Awaitable[Reading]] = read,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions, self._reader, self._ttl, self._clock, self._now = sessions, reader, ttl, clock, now
        self._lock = asyncio.Lock()  # scrapes at the same moment wait for one reading
        self._last: tuple[float, Reading] | None = None
        self.readings = 0  # how many times the database was asked

    async def reading(self) -> Reading:
        async with self._lock:
            if self._last is not None and self._clock() - self._last[0] < self._ttl:
                return self._last[1]
            self.readings += 1
            try:
                result = await asyncio.wait_for(self._read(), READ_TIMEOUT_SECONDS)
            except Exception as exc:
                log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
                result = Reading(up=False)
            self._last = (self._clock(), result)
            return result

    async def _read(self) -> Reading:
        async with self._sessions() as session:
            return await self._reader(session, self._now())


class _Snapshot:
    """A collector of one scrape's reading and the process's role (a fresh registry per scrape)."""

    def __init__(self, role: str, reading: Reading | None) -> None:
        self._role, self._reading = role, reading

    def collect(self) -> Iterator[Metric]:
        role = GaugeMetricFamily(
            "cc_process_role", "This process's role (1 for the one it has)", labels=["role"]
        )
        role.add_metric([self._role], 1)
        yield role
        r = self._reading
        if r is None:
            return
        yield GaugeMetricFamily(
            "cc_database_up", "Whether the database answered this scrape", value=int(r.up)
        )
        if r.cluster is not None:
            cluster = GaugeMetricFamily(
                "cc_cluster_role",
                "The database node this process writes to, and its role",
                labels=["node", "role"],
            )
            cluster.add_metric([r.cluster.node, r.cluster.role], 1)
            yield cluster
        if not r.up or self._role != "serve":
            return
        yield GaugeMetricFamily("cc_inbox_backlog", "Signals stored and not yet processed", value=r.backlog)
        yield GaugeMetricFamily(
            "cc_inbox_oldest_age_seconds",
            "Age of the oldest unprocessed signal (0: none)",
            value=r.oldest_age_seconds,
        )
        incidents = GaugeMetricFamily(
            "cc_incidents_open", "Open incidents by priority (1 most urgent)", labels=["priority"]
        )
        # Every priority, 0 included: an alert rule on a series that vanishes would never fire.
        for priority, n in sorted((dict.fromkeys(map(int, Priority), 0) | r.open_by_priority).items()):
            incidents.add_metric([str(priority)], n)
        yield incidents
        yield GaugeMetricFamily(
            "cc_panels_overdue", "Panels past their check-in deadline", value=r.panels_overdue
        )
        yield GaugeMetricFamily(
            "cc_panel_paths_overdue", "Paths past their check-in deadline", value=r.paths_overdue
        )


def exposition(role: str, reading: Reading | None) -> bytes:
    """The text format: this process's counters and figures, then the role and the database's gauges."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Snapshot(role, reading))  # type: ignore[arg-type]
    return generate_latest(REGISTRY) + generate_latest(scrape)
