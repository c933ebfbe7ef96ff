"""PostgreSQL that fails over, on a private pg_auto_failover cluster (monitor, primary, synchronous
standby, second standby): the primary killed mid-stream loses nothing acknowledged and stores nothing
twice, the gateway carrying on by itself through its multi-host URL; and the weekly standby check
sees each standby streaming and in sync, switches over and back, and records its result.

Skipped where pg_auto_failover is not installed (``scripts/install-cluster``); a failure in CI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from control_center.core.audit import AuditEntry
from control_center.core.db import create_engine, session_factory
from control_center.migrate import upgrade_async
from control_center.watchdog import standby_check
from simulators.drills import db_failover
from simulators.harness import pg_cluster
from tests.conftest import CI
from tests.helpers import eventually, require_binaries

pytestmark = pytest.mark.timeout(400)


def require_cluster() -> None:
    require_binaries(postgres=True)
    if not pg_cluster.installed():
        message = "needs pg_auto_failover (scripts/install-cluster)"
        if CI:
            pytest.fail(message + " (CI=true: a missing package is a failure)")
        pytest.skip(message)


async def test_killing_the_primary_mid_stream_loses_nothing_and_stores_nothing_twice() -> None:
    require_cluster()
    result = await db_failover.run(messages=600, per_second=20.0, standbys=2)  # 900 in the command
    assert (result["sent"], result["stored"], result["duplicates"], result["lost"]) == (600, 600, 0, 0)
    assert result["primary_after"] != result["primary_before"]  # a standby took over, not a restart
    assert result["takeover_s"] is not None  # signals were stored again after the fault
    assert result["passed"]


async def test_the_standby_check_sees_both_standbys_in_sync_switches_over_and_back_and_records_it() -> None:
    require_cluster()
    async with pg_cluster.pg_cluster(standbys=2) as cluster:
        await upgrade_async(cluster.url)
        engine = create_engine(cluster.url)
        try:
            sessions = session_factory(engine)
            verdict = await standby_check.run(sessions, 2, monitor_uri=cluster.monitor_uri)
            assert verdict.passed, verdict.problems
            assert len(verdict.observation.standbys) == 2
            assert all(s.state == "streaming" for s in verdict.observation.standbys)
            switched = verdict.switchover
            assert switched is not None
            assert switched["to"] != switched["from"] and switched["back_to"] == switched["from"]
            async with sessions() as session:
                recorded = await session.scalar(
                    select(AuditEntry).where(AuditEntry.actor == standby_check.ACTOR)
                )
            assert recorded is not None and '"passed": true' in recorded.detail

            # The check fails, and says so in its record, when a standby is gone.
            primary = await cluster.primary()
            await cluster.kill(next(node for node in cluster.nodes if node is not primary))

            async def failing() -> standby_check.Verdict | None:
                verdict = await standby_check.run(sessions, 2)
                return None if verdict.passed else verdict

            failed = await eventually(failing, timeout=30, interval=1)
            assert any("1 standby(s) connected, 2 expected" in p for p in failed.problems)
        finally:
            await engine.dispose()
