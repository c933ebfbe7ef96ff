"""`control-center bench guard`: short benches whose figures CI holds against their own baselines.

Each check compares a figure with a baseline measured in the same run, with a stated margin, so a
slower machine moves both and only a regression of the code fails the run:

- storm: 5,000 troubles queued, then a fire. The fire reaches the console within ``STORM_FIRE_MARGIN_MS``
  of the same fire with an empty inbox (the inbox takes at most one group of lower priority before it),
  and the inbox works the storm at no less than ``STORM_DRAIN_SHARE`` of the rate the gateway's store
  path stored it (set-wise work; one incident at a time managed 0.015 on SQLite and 0.06 on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.bench import storm

STORM_SIGNALS = 5000
STORM_FIRE_MARGIN_MS = 400.0
STORM_DRAIN_SHARE = 0.10


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


def main(database_url: str | None) -> dict[str, Any]:
    result = storm.main(STORM_SIGNALS, database_url)
    checks = storm_checks(result)
    return {
        "storm": result,
        "checks": [{"name": c.name, "figure": c.figure, "passed": c.passed} for c in checks],
        "passed": all(c.passed for c in checks),
    }


def report(r: dict[str, Any]) -> str:
    lines = [storm.report(r["storm"])]
    lines += [f"{'ok  ' if c['passed'] else 'FAIL'} {c['name']}: {c['figure']}" for c in r["checks"]]
    return "\n".join(lines)
