"""An offline map: places projected into a small SVG frame with a scale bar (no tile servers)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatch.geo import EARTH_RADIUS_KM

NICE_KM = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)


@dataclass(frozen=True)
class Place:
    kind: str  # premises | responder | depot
    label: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Drawn:
    kind: str
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    places: list[Drawn]
    scale_px: float  # the scale bar's length
    scale_km: float


def frame(places: list[Place], width: int = 340, height: int = 220, pad: int = 24) -> Frame:
    """Fit the places into the frame, north up, the same scale on both axes."""
    if not places:
        return Frame(width, height, [], 0, 0)
    mean_lat = sum(p.lat for p in places) / len(places)
    kx = math.radians(1) * EARTH_RADIUS_KM * math.cos(math.radians(mean_lat))  # km per degree of longitude
    ky = math.radians(1) * EARTH_RADIUS_KM
    xs, ys = [p.lon * kx for p in places], [p.lat * ky for p in places]
    span_km = max(max(xs) - min(xs), max(ys) - min(ys), 0.2)  # at least 200 m across
    px_per_km = min(width - 2 * pad, height - 2 * pad) / span_km
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    drawn = [
        Drawn(
            p.kind,
            p.label,
            round(width / 2 + (x - cx) * px_per_km, 1),
            round(height / 2 - (y - cy) * px_per_km, 1),
        )
        for p, x, y in zip(places, xs, ys, strict=True)
    ]
    scale_km = max((k for k in NICE_KM if k * px_per_km <= width / 3), default=NICE_KM[0])
    return Frame(width, height, drawn, round(scale_km * px_per_km, 1), scale_km)
