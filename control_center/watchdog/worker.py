"""The watchdog of one web process: judges the alarm path every few seconds and tells its consoles.

Every ``control-center serve`` runs its own, reading the same rows (``evidence``), so each console
sees the same system alarms whichever process serves it. A change is logged (raised at WARNING,
cleared at INFO) and pushed to the consoles as a ``system`` event (``Hub.announce_system``);
``/healthz`` judges afresh on each request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.core.tasks import stop_if_cancelled
from control_center.watchdog import evidence
from control_center.watchdog.rules import Kind, Limits, SystemAlarm, Waiting, judge, quiet_limit

log = logging.getLogger(__name__)

READ_TIMEOUT_SECONDS = 5.0  # a database that does not answer within this is as good as away


class Watchdog:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        hub: Hub,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions, self._settings, self._hub, self._clock = sessions, settings, hub, clock
        self.watching_since = clock()
        self.alarms: list[SystemAlarm] = []
        self._database_away_since: dt.datetime | None = None
        self._first_seen: dict[int, dt.datetime] = {}  # unworked signal id → when this watchdog saw it
        self._limits = Limits(
            alarm=dt.timedelta(seconds=settings.watchdog_unworked_alarm_seconds),
            signal=dt.timedelta(seconds=settings.watchdog_unworked_seconds),
        )
        self._lock = asyncio.Lock()  # the loop and /healthz may judge at once; one at a time

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                stop_if_cancelled()
                log.exception("watchdog check failed; retrying")
            await asyncio.sleep(self._settings.watchdog_every_seconds)

    async def check(self) -> list[SystemAlarm]:
        """Judge now; announce and log what changed. Returns the system alarms in force."""
        async with self._lock:
            now = self._clock()
            try:
                alarms = await asyncio.wait_for(self._judge(now), READ_TIMEOUT_SECONDS)
                self._database_away_since = None
            except Exception as exc:
                stop_if_cancelled()
                self._database_away_since = self._database_away_since or now
                detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
                alarms = [SystemAlarm(Kind.DATABASE, self._database_away_since, detail=detail)]
            self._update(alarms)
            return alarms

    async def _judge(self, now: dt.datetime) -> list[SystemAlarm]:
        s = self._settings
        async with self._sessions() as session:
            quiet = quiet_limit(s.watchdog_quiet_seconds, await evidence.shortest_check_in(session))
            after = now - quiet if quiet is not None else now
            return judge(
                now=now,
                watching_since=self.watching_since,
                grace=dt.timedelta(seconds=s.watchdog_grace_seconds),
                gateways=await evidence.gateways(session),
                last_intake=await evidence.last_intake(session, after=after),
                quiet=quiet,
                waiting=self._waiting(now, *await evidence.unworked(session, now=now)),
                limits=self._limits,
            )

    def _waiting(self, now: dt.datetime, *oldest: evidence.Unworked | None) -> Waiting:
        """How long the oldest unworked signals have waited: since their receipt, or since this watchdog
        first saw them if that is later (a signal stored with an older receipt, as a replay or a test
        does, is not late the moment it is stored)."""
        seen: dict[int, dt.datetime] = {}
        since: list[dt.datetime | None] = []
        for found in oldest:
            if found is None:
                since.append(None)
                continue
            signal, received = found
            seen[signal] = self._first_seen.get(signal, now)
            since.append(max(received, seen[signal]))
        self._first_seen = seen
        return Waiting(alarm=since[0], signal=since[1])

    def _update(self, alarms: list[SystemAlarm]) -> None:
        before = {(a.kind, a.subject): a for a in self.alarms}
        after = {(a.kind, a.subject): a for a in alarms}
        for key, alarm in after.items():
            if key not in before:
                log.warning("SYSTEM ALARM: %s", alarm.reason)
        for key, alarm in before.items():
            if key not in after:
                log.info("system alarm cleared: %s", alarm.reason)
        changed = alarms != self.alarms
        self.alarms = alarms
        if changed:
            self._hub.announce_system()
