"""The weekly test of the backup (UL 1981's hot standby): is each PostgreSQL standby streaming, is
commit synchronous, how far behind is each replay; optionally a switchover to a standby and back,
through pg_auto_failover's monitor. The result is recorded in the audit log (on the primary, so it is
replicated with everything else) and printed.

``judge`` is the rule, a pure function of what the primary reports; the rest is I/O.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core import audit
from control_center.core.db import utcnow

ACTOR = "standby-check"
SUBJECT = "database:standbys"
MAX_REPLAY_LAG_S = 5.0  # a standby further behind than this would lose its lead on a failover


@dataclass(frozen=True)
class Standby:
    name: str  # its application_name (pg_auto_failover: pgautofailover_standby_<node id>)
    state: str  # streaming | catchup | startup | backup | stopping
    sync_state: str  # sync | quorum | potential | async
    replay_lag_s: float  # 0 when idle (PostgreSQL reports NULL once the standby has caught up)
    replay_lag_bytes: int


@dataclass(frozen=True)
class Observation:
    primary: str  # host:port that answered as the primary
    synchronous_commit: str
    synchronous_standby_names: str
    standbys: list[Standby]


@dataclass
class Verdict:
    passed: bool
    problems: list[str]
    observation: Observation
    switchover: dict[str, Any] | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def judge(seen: Observation, expected: int, max_lag_s: float = MAX_REPLAY_LAG_S) -> Verdict:
    """Every expected standby streams, at least one is synchronous and commits wait for it, none is
    more than ``max_lag_s`` behind."""
    problems = []
    if len(seen.standbys) < expected:
        problems.append(f"{len(seen.standbys)} standby(s) connected, {expected} expected")
    for each in seen.standbys:
        if each.state != "streaming":
            problems.append(f"{each.name} is {each.state}, not streaming")
        if each.replay_lag_s > max_lag_s:
            problems.append(f"{each.name} replays {each.replay_lag_s:.1f} s behind (limit {max_lag_s:g} s)")
    if not any(s.sync_state in ("sync", "quorum") and s.state == "streaming" for s in seen.standbys):
        problems.append("no synchronous standby: an acknowledged signal could be lost with the primary")
    if seen.synchronous_commit in ("off", "local") or not seen.synchronous_standby_names.strip():
        problems.append(
            f"commits do not wait for a standby (synchronous_commit={seen.synchronous_commit}, "
            f"synchronous_standby_names='{seen.synchronous_standby_names}')"
        )
    return Verdict(not problems, problems, seen)


_REPLICATION = text(
    "select application_name, state, coalesce(sync_state, ''),"
    " coalesce(extract(epoch from replay_lag), 0)::float,"
    " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint"
    " from pg_stat_replication order by application_name"
)


async def observe(session: AsyncSession) -> Observation:
    """What the primary (the session's server) reports of its standbys."""
    where = await session.scalar(
        text("select coalesce(host(inet_server_addr()), 'local') || ':' || current_setting('port')")
    )
    commit = await session.scalar(text("select current_setting('synchronous_commit')"))
    names = await session.scalar(text("select current_setting('synchronous_standby_names')"))
    rows = (await session.execute(_REPLICATION)).all()
    standbys = [Standby(r[0], r[1], r[2], round(float(r[3]), 3), int(r[4])) for r in rows]
    return Observation(str(where), str(commit), str(names), standbys)


async def _monitor(monitor_uri: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async with await psycopg.AsyncConnection.connect(monitor_uri, autocommit=True, connect_timeout=5) as conn:
        cursor = await conn.execute(sql, args)  # type: ignore[arg-type]
        return await cursor.fetchall() if cursor.description else []


async def _primary_name(monitor_uri: str, formation: str) -> str | None:
    rows = await _monitor(
        monitor_uri,
        "select nodename from pgautofailover.node where formationid = %s"
        " and reportedstate = 'primary' and goalstate = 'primary'",
        formation,
    )
    return rows[0][0] if len(rows) == 1 else None


async def _settled(monitor_uri: str, formation: str, within: float) -> str:
    """The primary's name once every node has reached its goal (primary + secondaries)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        rows = await _monitor(
            monitor_uri,
            "select reportedstate::text, goalstate::text from pgautofailover.node where formationid = %s",
            formation,
        )
        if all(r == g and r in ("primary", "secondary") for r, g in rows):
            primary = await _primary_name(monitor_uri, formation)
            if primary:
                return primary
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the formation {formation} did not settle within {within:g} s")


async def switch_over_and_back(
    monitor_uri: str, formation: str = "default", within: float = 120
) -> dict[str, Any]:
    """A controlled switchover to a synchronous standby (the monitor's perform_failover with a healthy
    primary), then a promotion of the old primary again;
    the seconds each took until the formation was stable."""
    first = await _settled(monitor_uri, formation, within)
    started = time.monotonic()
    await _monitor(monitor_uri, "select pgautofailover.perform_failover(%s, 0)", formation)
    second = await _wait_new_primary(monitor_uri, formation, first, within)
    over = round(time.monotonic() - started, 1)
    started = time.monotonic()
    await _monitor(monitor_uri, "select pgautofailover.perform_promotion(%s, %s)", formation, first)
    back = await _wait_new_primary(monitor_uri, formation, second, within)
    return {"from": first, "to": second, "over_s": over, "back_to": back,
            "back_s": round(time.monotonic() - started, 1)}  # fmt: skip


async def _wait_new_primary(monitor_uri: str, formation: str, old: str, within: float) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        primary = await _settled(monitor_uri, formation, max(1.0, deadline - time.monotonic()))
        if primary != old:
            return primary
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{old} is still the primary after {within:g} s")


async def run(
    sessions: async_sessionmaker[AsyncSession],
    expected: int,
    *,
    monitor_uri: str | None = None,
    formation: str = "default",
    max_lag_s: float = MAX_REPLAY_LAG_S,
) -> Verdict:
    """Observe and judge; with ``monitor_uri``, switch over and back and judge again after; record the
    result in the audit log."""
    async with sessions() as session:
        verdict = judge(await observe(session), expected, max_lag_s)
    if monitor_uri is not None and verdict.passed:
        try:
            switched = await switch_over_and_back(monitor_uri, formation)
        except (TimeoutError, psycopg.Error) as exc:
            verdict.passed = False
            verdict.problems.append(f"switchover failed: {exc}")
        else:
            await sessions.kw["bind"].dispose()  # connections to the node that was a standby meanwhile
            async with sessions() as session:
                again = judge(await observe(session), expected, max_lag_s)
            verdict = Verdict(again.passed, again.problems, again.observation, switched)
    async with sessions() as session, session.begin():
        audit.record(session=session, actor=ACTOR, action="check", subject=SUBJECT, at=utcnow(),
                     detail=json.dumps(summary(verdict), ensure_ascii=False))  # fmt: skip
    return verdict


def summary(verdict: Verdict) -> dict[str, Any]:
    """The short form kept in the audit log (its detail holds 500 characters)."""
    short: dict[str, Any] = {
        "passed": verdict.passed,
        "standbys": [
            f"{s.name} {s.state}/{s.sync_state} {s.replay_lag_s:g}s" for s in verdict.observation.standbys
        ],
        "problems": verdict.problems[:3],
    }
    if verdict.switchover:
        short["switchover"] = verdict.switchover
    return short


def report(verdict: Verdict) -> str:
    seen = verdict.observation
    lines = [
        f"standby-check: {'passed' if verdict.passed else 'FAILED'} (primary {seen.primary}, "
        f"synchronous_commit={seen.synchronous_commit}, "
        f"synchronous_standby_names='{seen.synchronous_standby_names}')"
    ]
    lines += [
        f"  {s.name}: {s.state}, {s.sync_state}, replay lag {s.replay_lag_s:g} s / {s.replay_lag_bytes} bytes"
        for s in seen.standbys
    ]
    if verdict.switchover:
        sw = verdict.switchover
        lines.append(
            f"  switchover {sw['from']} → {sw['to']} in {sw['over_s']} s, "
            f"back to {sw['back_to']} in {sw['back_s']} s"
        )
    lines += [f"  problem: {p}" for p in verdict.problems]
    return "\n".join(lines)
