"""`control-center bench guard` fails a run whose figure falls beyond its stated margin from the
baseline measured in the same run, and passes one within it (the benches themselves run in CI)."""

from __future__ import annotations

from simulators.bench import guard


def _storm(**changes: float) -> dict:
    return {"fire_queue_position": 1, "fire_latency_ms": 60.0, "baseline_latency_ms": 20.0,
            "drain_per_s": 7000, "ingest_per_s": 10000} | changes  # fmt: skip


def _latency(**changes: float) -> dict:
    return {"p50_ms": 40.0, "p99_ms": 120.0, "baseline_p50_ms": 30.0, "baseline_p99_ms": 60.0,
            "background_per_s": 990, "background_target_per_s": 1000.0} | changes  # fmt: skip


def _failed(checks: list[guard.Check]) -> list[str]:
    return [c.name for c in checks if not c.passed]


def test_a_storm_within_its_margins_passes_and_a_slow_inbox_fails() -> None:
    assert _failed(guard.storm_checks(_storm())) == []
    slow = _storm(drain_per_s=10000 * guard.STORM_DRAIN_SHARE - 1)  # back towards one incident at a time
    assert _failed(guard.storm_checks(slow)) == ["storm: the inbox's rate against the gateway's"]
    late = _storm(fire_latency_ms=20.0 + guard.STORM_FIRE_MARGIN_MS + 1)
    assert _failed(guard.storm_checks(late)) == ["storm: the fire on the console behind the storm"]


def test_ingest_below_its_share_of_the_raw_ceiling_fails() -> None:
    ok = {"ours_per_s": 3000, "raw_per_s": 5000, "ratio": 0.6}
    assert _failed(guard.ingest_checks(ok)) == []
    slow = ok | {"ours_per_s": 1000, "ratio": round(guard.INGEST_SHARE - 0.01, 3)}
    assert _failed(guard.ingest_checks(slow)) == ["ingest: the gateway's rate against the raw broker ceiling"]


def test_latency_under_load_beyond_its_margins_fails_and_a_weak_background_proves_nothing() -> None:
    assert _failed(guard.latency_checks(_latency())) == []
    slow = _latency(
        p50_ms=30.0 + guard.LATENCY_P50_MARGIN_MS + 1, p99_ms=60.0 + guard.LATENCY_P99_MARGIN_MS + 1
    )
    assert _failed(guard.latency_checks(slow)) == [
        "latency: p50 under load against without",
        "latency: p99 under load against without",
    ]
    weak = _latency(background_per_s=500)
    assert _failed(guard.latency_checks(weak)) == ["latency: the background load reached"]


def test_a_bench_that_fails_once_runs_again_and_a_regression_fails_every_run() -> None:
    noisy = iter([_latency(p50_ms=400.0), _latency()])  # a moment of contention, then the usual figure
    result, checks = guard.judged(lambda: next(noisy), guard.latency_checks)
    assert _failed(checks) == [] and result["runs"] == 2

    runs: list[int] = []

    def regressed() -> dict:
        runs.append(1)
        return _latency(p50_ms=400.0)

    result, checks = guard.judged(regressed, guard.latency_checks)
    assert _failed(checks) == ["latency: p50 under load against without"]
    assert len(runs) == guard.RUNS and result["runs"] == guard.RUNS

    steady = iter([_latency()])
    assert guard.judged(lambda: next(steady), guard.latency_checks)[0]["runs"] == 1  # no second run needed


def test_on_a_slower_machine_the_p50_margin_grows_with_the_unloaded_p50() -> None:
    slower = _latency(baseline_p50_ms=60.0, p50_ms=60.0 + 60.0 * guard.LATENCY_P50_SCALE)  # 1.5x: held
    assert _failed(guard.latency_checks(slower)) == []
    regressed = _latency(baseline_p50_ms=60.0, p50_ms=60.0 + 60.0 * guard.LATENCY_P50_SCALE + 1)
    assert _failed(guard.latency_checks(regressed)) == ["latency: p50 under load against without"]
