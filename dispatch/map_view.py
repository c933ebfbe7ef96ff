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
    text: str = ""  # the label as shown (translated), placed at (text_x, text_y)
    text_x: float = 0
    text_y: float = 0
    anchor: str = "start"  # SVG text-anchor


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


LINE_PX = 14  # a label's height at the map's 12 px font


def text_width(text: str) -> float:
    """A label's width at 12 px: a wide (CJK) character about 12 px, a narrow one about 7."""
    return sum(12 if ord(c) > 0x2E7F else 7 for c in text)


def _box(x: float, y: float, w: float, anchor: str) -> tuple[float, float, float, float]:
    left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
    return left, y - LINE_PX + 3, left + w, y + 3


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label(drawn: Frame, texts: dict[str, str]) -> Frame:
    """Place each place's label where it overlaps no label placed before it and stays in the frame:
    right, left, above, below, then further down (a responder on site shares the premises' point, and
    their labels were drawn over each other). ``texts``: the label shown for each kind."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for d in drawn.places:
        text = texts.get(d.kind, d.kind)
        w = text_width(text)
        candidates = [(d.x + 9, d.y + 4, "start"), (d.x - 9, d.y + 4, "end"),
                      (d.x, d.y - 10, "middle"), (d.x, d.y + 19, "middle")]  # fmt: skip
        candidates += [(d.x + 9, d.y + 4 + k * LINE_PX, "start") for k in (1, -1, 2, -2, 3, -3)]
        inside = [c for c in candidates if _inside(_box(c[0], c[1], w, c[2]), drawn)]
        free = [c for c in inside if not any(_overlaps(_box(c[0], c[1], w, c[2]), b) for b in placed)]
        x, y, anchor = (free or inside or candidates)[0]
        placed.append(_box(x, y, w, anchor))
        out.append(Drawn(d.kind, d.label, d.x, d.y, text, x, y, anchor))
    return Frame(drawn.width, drawn.height, out, drawn.scale_px, drawn.scale_km)


def _inside(box: tuple[float, float, float, float], drawn: Frame) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= drawn.width and box[3] <= drawn.height - 20
