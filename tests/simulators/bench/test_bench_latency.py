"""`control-center bench latency` runs the whole path and reports its figures (no timing asserted)."""

from __future__ import annotations

from tests.helpers import cli_json, require_binaries


def test_bench_latency_measures_baseline_and_loaded_probes(database_url: str) -> None:
    """SQLite: the center in one process; PostgreSQL: gateway and serve as separate processes, which
    must also stop on SIGTERM at the end (the bench fails if one does not)."""
    require_binaries()
    result = cli_json(
        "bench", "latency", "--json", "--probes", "5", "--rate", "100", "--interval", "0.3",
        "--database-url", database_url, timeout=150,
    )  # fmt: skip
    assert result["probes"] == 5 and result["background_target_per_s"] == 100
    assert result["processes"] == ("separate" if database_url.startswith("postgresql") else "one")
    assert result["background_per_s"] > 0  # the gateway stored background signals while the probes ran
    assert 0 < result["baseline_p50_ms"] <= result["baseline_p99_ms"]
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    stages = result["stages_under_load"]
    for stage in ("gateway", "worker", "console"):
        assert 0 <= stages[f"{stage}_p50_ms"] <= stages[f"{stage}_p99_ms"]
    # The push's part split at the worker's NOTIFY (PostgreSQL): worker's transaction vs hub and SSE.
    if database_url.startswith("postgresql"):
        for stages in (result["stages_baseline"], result["stages_under_load"]):
            assert 0 <= stages["committed_p50_ms"] <= stages["committed_p99_ms"]
            assert stages["push_p50_ms"] <= stages["push_p99_ms"]
