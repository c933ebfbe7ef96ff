"""The broker-node-kill drill, short: one node of a three-node NATS cluster is killed (SIGKILL) while
panels stream; every signal the cluster confirmed is stored exactly once and signals are stored again
after the fault. Skips where nats-server is missing; fails instead under CI=true."""

from __future__ import annotations

import pytest

from simulators.drills import broker_node_kill
from simulators.harness.nats_cluster import nats_binary
from tests.conftest import CI


def require_nats() -> None:
    if nats_binary() is None:
        if CI:
            pytest.fail("needs nats-server (CI=true: a missing server is a failure)")
        pytest.skip("needs nats-server")


async def test_killing_a_broker_node_mid_stream_loses_nothing_and_repeats_nothing(database_url: str) -> None:
    require_nats()
    result = await broker_node_kill.run(135, 15.0, database_url)
    assert (result.sent, result.stored, result.duplicates, result.lost) == (135, 135, 0, 0)
    assert result.takeover_s is not None  # signals were stored again after the node died
