"""The nearest available responders to a premises, by estimated travel time.

An STRtree over responder positions projected to metres finds candidates within a radius that grows
until there are enough; they are then ranked by great-circle distance (× road factor ÷ speed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from dispatch.geo import LocalProjection, haversine_km_many

FIRST_RADIUS_M = 2_000.0


@dataclass(frozen=True)
class Candidate:
    responder_id: int
    km: float  # straight line
    minutes: float  # estimated travel time


class ResponderIndex:
    def __init__(
        self, ids: list[int] | np.ndarray, lats: list[float] | np.ndarray, lons: list[float] | np.ndarray
    ):
        self.ids = np.asarray(ids, dtype=np.int64)
        self.lats = np.asarray(lats, dtype=np.float64)
        self.lons = np.asarray(lons, dtype=np.float64)
        self.projection = LocalProjection(float(self.lats.mean()) if len(self.lats) else 35.0)
        x, y = self.projection.xy(self.lats, self.lons)
        self.tree = STRtree(shapely.points(x, y)) if len(self.ids) else None

    def __len__(self) -> int:
        return len(self.ids)

    def _within(self, lat: float, lon: float, k: int) -> np.ndarray:
        x, y = self.projection.xy(np.array(lat), np.array(lon))
        here = shapely.points(float(x), float(y))
        radius = FIRST_RADIUS_M
        while radius < 4_000_000:  # beyond that, everyone is a candidate
            found = self.tree.query(here, predicate="dwithin", distance=radius)
            if len(found) >= k:
                # The true k nearest lie within the projection's distortion of this radius.
                return self.tree.query(
                    here, predicate="dwithin", distance=radius * LocalProjection.DISTORTION
                )
            radius *= 2
        return np.arange(len(self.ids))

    def nearest(
        self, lat: float, lon: float, k: int, road_factor: float, speed_kmh: float
    ) -> list[Candidate]:
        if self.tree is None or k <= 0:
            return []
        k = min(k, len(self.ids))
        idx = self._within(lat, lon, k)
        return _ranked(
            idx,
            haversine_km_many(lat, lon, self.lats[idx], self.lons[idx]),
            self.ids,
            k,
            road_factor,
            speed_kmh,
        )


def brute_force(
    ids: np.ndarray,
    lats: np.ndarray,
    lons: np.ndarray,
    lat: float,
    lon: float,
    k: int,
    road_factor: float,
    speed_kmh: float,
) -> list[Candidate]:
    """Every responder's distance, then the k smallest: the baseline the index is measured against."""
    k = min(k, len(ids))
    return _ranked(
        np.arange(len(ids)), haversine_km_many(lat, lon, lats, lons), ids, k, road_factor, speed_kmh
    )


def _ranked(
    idx: np.ndarray, km: np.ndarray, ids: np.ndarray, k: int, road_factor: float, speed_kmh: float
) -> list[Candidate]:
    order = np.lexsort((ids[idx], km))[:k]  # ties broken by id, so the answer is repeatable
    return [
        Candidate(int(ids[idx[i]]), float(km[i]), float(km[i]) * road_factor / speed_kmh * 60) for i in order
    ]
