"""`control-center bench dispatch`: time to rank the nearest responders for one premises.

10,000 responders spread over Japan's main islands (dense around the big cities, as depots are);
100,000 premises likewise. For every premises the index (STRtree + exact ranking) gives the k nearest;
the baseline, measured in the same run, computes every responder's distance (vectorised NumPy) and
takes the k smallest. Both must agree on a sample, or the bench fails.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from dispatch.nearest import ResponderIndex, brute_force

# (lat, lon, weight): Tokyo, Osaka, Nagoya, Fukuoka, Sapporo, Sendai, Hiroshima, and the rest of Honshu.
CITIES = [(35.68, 139.76, 0.30), (34.69, 135.50, 0.15), (35.17, 136.90, 0.10), (33.59, 130.40, 0.07),
          (43.06, 141.35, 0.05), (38.27, 140.87, 0.04), (34.39, 132.46, 0.04)]  # fmt: skip
ROAD_FACTOR, SPEED_KMH = 1.4, 30.0


def places(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    weights = np.array([w for *_, w in CITIES] + [1 - sum(w for *_, w in CITIES)])
    which = rng.choice(len(weights), size=n, p=weights)
    lats, lons = np.empty(n), np.empty(n)
    for i, (lat, lon, _) in enumerate(CITIES):
        mask = which == i
        lats[mask] = rng.normal(lat, 0.25, mask.sum())
        lons[mask] = rng.normal(lon, 0.30, mask.sum())
    rest = which == len(CITIES)
    lats[rest] = rng.uniform(33.0, 41.0, rest.sum())
    lons[rest] = rng.uniform(130.5, 141.5, rest.sum())
    return lats, lons


def _percentiles(samples_s: list[float]) -> tuple[float, float]:
    us = np.array(samples_s) * 1e6
    return round(float(np.percentile(us, 50)), 1), round(float(np.percentile(us, 99)), 1)


def run(
    responders: int = 10_000, premises: int = 100_000, k: int = 5, baseline_sample: int = 2_000, seed: int = 1
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    r_lat, r_lon = places(responders, rng)
    ids = np.arange(1, responders + 1)
    p_lat, p_lon = places(premises, rng)

    started = time.perf_counter()
    index = ResponderIndex(ids, r_lat, r_lon)
    build_ms = (time.perf_counter() - started) * 1000

    ours: list[float] = []
    for lat, lon in zip(p_lat.tolist(), p_lon.tolist(), strict=True):
        t0 = time.perf_counter()
        index.nearest(lat, lon, k, ROAD_FACTOR, SPEED_KMH)
        ours.append(time.perf_counter() - t0)

    baseline: list[float] = []
    for i in range(min(baseline_sample, premises)):
        t0 = time.perf_counter()
        want = brute_force(ids, r_lat, r_lon, float(p_lat[i]), float(p_lon[i]), k, ROAD_FACTOR, SPEED_KMH)
        baseline.append(time.perf_counter() - t0)
        got = index.nearest(float(p_lat[i]), float(p_lon[i]), k, ROAD_FACTOR, SPEED_KMH)
        if [c.responder_id for c in got] != [c.responder_id for c in want]:
            raise AssertionError(f"index and brute force disagree for premises {i}")

    p50, p99 = _percentiles(ours)
    b50, b99 = _percentiles(baseline)
    return {
        "responders": responders,
        "premises": premises,
        "k": k,
        "index_build_ms": round(build_ms, 1),
        "p50_us": p50,
        "p99_us": p99,
        "baseline": "every responder's distance (NumPy), k smallest",
        "baseline_premises": len(baseline),
        "baseline_p50_us": b50,
        "baseline_p99_us": b99,
        "speedup_p50": round(b50 / p50, 1) if p50 else None,
        "agreement_checked": len(baseline),
    }


def report(r: dict[str, Any]) -> str:
    return (
        f"dispatch bench: the {r['k']} nearest of {r['responders']:,} responders for each "
        f"of {r['premises']:,} premises (index built in {r['index_build_ms']} ms)\n"
        f"index (STRtree + exact ranking): p50 {r['p50_us']} µs, p99 {r['p99_us']} µs\n"
        f"baseline ({r['baseline']}, {r['baseline_premises']:,} premises): "
        f"p50 {r['baseline_p50_us']} µs, p99 {r['baseline_p99_us']} µs "
        f"→ {r['speedup_p50']}× at p50; answers agree"
    )
