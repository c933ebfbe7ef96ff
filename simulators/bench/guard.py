"""`control-center bench guard`: short benches whose figures CI holds against their own baselines.

Each check compares a figure with a baseline measured in the same run, with a stated margin, so a
slower machine moves both and only a regression of the code fails the run:

- storm: 5,000 troubles queued, then a fire. The fire reaches the console within ``STORM_FIRE_MARGIN_MS``
  of the same fire with an empty inbox (the inbox takes at most one group of lower priority before it),
  and the inbox works the storm at no less than ``STORM_DRAIN_SHARE`` of the rate the gateway's store
  path stored it (set-wise work; one incident at a time managed 0.015 on SQLite and 0.06 on PostgreSQL;
  new incidents assessed from the alarms in hand and storm groups of up to 2,000 on PostgreSQL: 0.45–0.6;
  two storm lanes, records by COPY, first levels with the row: 0.86).
- ingest: 5,000 messages from 50 panels through a private Mosquitto and the gateway, committed before
  each PUBACK, at no less than ``INGEST_SHARE`` of the raw broker ceiling measured in the same run
  (0.52–0.78 in docs/benchmarks.md).
- latency: panel publish → console push, as deployed on PostgreSQL (gateway and serve as two processes),
  30 probe alarms without and 30 with 1,000 periodic tests/s of background: the loaded p50 within
  ``LATENCY_P50_MARGIN_MS`` (or ``LATENCY_P50_SCALE`` times the
  unloaded p50) and the loaded p99 within ``LATENCY_P99_MARGIN_MS`` of the unloaded ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulators.bench import ingest, latency, storm
from simulators.harness.schemas import fresh_schema

STORM_SIGNALS = 5000
STORM_FIRE_MARGIN_MS = 400.0
# Measured 0.86 on a quiet machine with two storm lanes (issue 20); one lane 0.45-0.6, before set-wise
# levels 0.23-0.44, one incident at a time 0.06. Held at 0.45: what a loaded CI machine leaves of 0.86,
# while a return to the work before set-wise levels fails.
STORM_DRAIN_SHARE = 0.45
INGEST_MESSAGES, INGEST_PANELS, INGEST_BATCH = 5000, 50, 500
INGEST_SHARE = 0.35
LATENCY_PROBES, LATENCY_INTERVAL_S, LATENCY_RATE = 30, 0.1, 1000.0
LATENCY_P50_MARGIN_MS = 60.0
# ...or 1.5 times the unloaded p50 when that is more: the load's cost scales with the machine. The code
# before 2026-11-25's changes, on this machine that day: 45 -> 98 ms and 53 -> 114 ms (59 and 61 ms over,
# the absolute margin failing on nothing but the machine); the day before, 34 -> 64 ms.
LATENCY_P50_SCALE = 1.5
LATENCY_P99_MARGIN_MS = 300.0
RUNS = 2  # a bench whose checks fail runs once more; only the last run is judged (``judged``)
LATENCY_RATE_SHARE = 0.8  # below this share of the background asked for, the loaded figure means nothing


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    figure: str
    passed: bool


def storm_checks(r: dict[str, Any]) -> list[Check]:
    fire, baseline = r["fire_latency_ms"], r["baseline_latency_ms"]
    share = r["drain_per_s"] / r["ingest_per_s"]
    return [
        Check("storm: the fire first in the queue", f"position {r['fire_queue_position']}",
              r["fire_queue_position"] == 1),
        Check("storm: the fire on the console behind the storm",
              f"{fire} ms, baseline {baseline} ms, margin {STORM_FIRE_MARGIN_MS:.0f} ms",
              fire <= baseline + STORM_FIRE_MARGIN_MS),
        Check("storm: the inbox's rate against the gateway's",
              f"{r['drain_per_s']:,}/s against {r['ingest_per_s']:,}/s = {share:.2f} "
              f"(at least {STORM_DRAIN_SHARE})",
              share >= STORM_DRAIN_SHARE),
    ]  # fmt: skip


def ingest_checks(r: dict[str, Any]) -> list[Check]:
    return [
        Check("ingest: the gateway's rate against the raw broker ceiling",
              f"{r['ours_per_s']:,}/s against {r['raw_per_s']:,}/s = {r['ratio']} (at least {INGEST_SHARE})",
              r["ratio"] >= INGEST_SHARE),
    ]  # fmt: skip


def latency_checks(r: dict[str, Any]) -> list[Check]:
    p50, p99, base50, base99 = r["p50_ms"], r["p99_ms"], r["baseline_p50_ms"], r["baseline_p99_ms"]
    achieved = r["background_per_s"] / r["background_target_per_s"]
    margin50 = max(LATENCY_P50_MARGIN_MS, base50 * LATENCY_P50_SCALE)
    return [
        Check("latency: the background load reached",
              f"{r['background_per_s']:,}/s of {r['background_target_per_s']:,.0f}/s "
              f"(at least {LATENCY_RATE_SHARE:.0%})",
              achieved >= LATENCY_RATE_SHARE),
        Check("latency: p50 under load against without",
              f"{p50} ms, baseline {base50} ms, margin {margin50:.0f} ms",
              p50 <= base50 + margin50),
        Check("latency: p99 under load against without",
              f"{p99} ms, baseline {base99} ms, margin {LATENCY_P99_MARGIN_MS:.0f} ms",
              p99 <= base99 + LATENCY_P99_MARGIN_MS),
    ]  # fmt: skip


def judged(
    run: Callable[[], dict[str, Any]], checks: Callable[[dict[str, Any]], list[Check]]
) -> tuple[dict[str, Any], list[Check]]:
    """A bench and its checks; a bench whose checks fail is run again, up to ``RUNS`` times, and only the
    last run is judged. A regression fails every run; a moment of contention on a shared machine
    rarely does (a CI run's latency check failed, 171 ms against 124, while the bench alone on the
    same clone and the code before the change both passed minutes later). ``runs`` says how many."""
    for attempt in range(1, RUNS + 1):
        result = run()
        found = checks(result)
        if all(c.passed for c in found) or attempt == RUNS:
            return result | {"runs": attempt}, found
    raise AssertionError("unreachable")


def main(database_url: str | None) -> dict[str, Any]:
    """The three benches one after the other, each in a fresh schema of its own (PostgreSQL)."""

    def in_schema(name: str, bench: Callable[[str | None], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            with fresh_schema(database_url, f"guard_{name}") as url:
                return bench(url)

        return run

    def storm_bench(url: str | None) -> dict[str, Any]:
        return storm.main(STORM_SIGNALS, url)

    def ingest_bench(url: str | None) -> dict[str, Any]:
        return asyncio.run(ingest.run(INGEST_MESSAGES, INGEST_PANELS, url, None, INGEST_BATCH))

    def latency_bench(url: str | None) -> dict[str, Any]:
        return asyncio.run(latency.run(LATENCY_RATE, LATENCY_PROBES, LATENCY_INTERVAL_S, url))

    storm_result, storm_found = judged(in_schema("storm", storm_bench), storm_checks)
    ingest_result, ingest_found = judged(in_schema("ingest", ingest_bench), ingest_checks)
    # The latency bench takes a schema of its own (simulators/harness/schemas.py).
    latency_result, latency_found = judged(lambda: latency_bench(database_url), latency_checks)
    checks = storm_found + ingest_found + latency_found
    return {
        "storm": storm_result,
        "ingest": ingest_result,
        "latency": latency_result,
        "checks": [{"name": c.name, "figure": c.figure, "passed": c.passed} for c in checks],
        "passed": all(c.passed for c in checks),
    }


def report(r: dict[str, Any]) -> str:
    lines = [storm.report(r["storm"]), ingest.report(r["ingest"]), latency.report(r["latency"])]
    lines += [f"{name}: run {r[name]['runs']} of {RUNS} judged (the earlier failed)"
              for name in ("storm", "ingest", "latency") if r[name].get("runs", 1) > 1]  # fmt: skip
    lines += [f"{'ok  ' if c['passed'] else 'FAIL'} {c['name']}: {c['figure']}" for c in r["checks"]]
    return "\n".join(lines)
