"""`bench ingest` runs end to end, its panels publishing from a process of their own, on the private
Mosquitto and on the embedded broker (whose PUBACK now waits for the gateway's commit)."""

from __future__ import annotations

import pytest

from simulators.bench import ingest


@pytest.mark.parametrize("broker", [None, "embedded"])
async def test_the_ingest_bench_counts_every_message_through_both_paths(broker: str | None) -> None:
    r = await ingest.run(messages=400, panels=4, database_url=None, mqtt_url=broker, batch=50)
    assert r["messages"] == 400 and r["panels"] == 4
    assert r["ours_per_s"] > 0 and r["raw_per_s"] > 0
    assert 0 < r["p50_ms"] <= r["p99_ms"]
