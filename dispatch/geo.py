"""Distances and travel times on the Earth's surface; a local projection to metres for the index."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def haversine_km_many(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def travel_minutes(km: float, road_factor: float, speed_kmh: float) -> float:
    """Estimated driving time: straight-line distance × a road-distance factor at an average speed."""
    return km * road_factor / speed_kmh * 60


class LocalProjection:
    """Equirectangular metres around a reference latitude.

    Good to a few per cent within one region (Japan spans 24°–45° N: at most ±16 % east–west), so it is
    used only to find candidates; they are ranked by great-circle distance.
    """

    #: the widest ratio between projected and true distance within Japan, with room to spare
    DISTORTION = 1.5

    def __init__(self, ref_lat: float) -> None:
        self.kx = math.radians(1) * EARTH_RADIUS_KM * 1000 * math.cos(math.radians(ref_lat))
        self.ky = math.radians(1) * EARTH_RADIUS_KM * 1000

    def xy(self, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return lons * self.kx, lats * self.ky


def step_towards(
    lat: float, lon: float, to_lat: float, to_lon: float, km: float
) -> tuple[float, float, bool]:
    """Move up to ``km`` in a straight line; returns the new position and whether it arrived."""
    left = haversine_km(lat, lon, to_lat, to_lon)
    if left <= km or left == 0:
        return to_lat, to_lon, True
    f = km / left
    return lat + (to_lat - lat) * f, lon + (to_lon - lon) * f, False
