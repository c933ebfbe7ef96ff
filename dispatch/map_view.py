"""A map of places projected into a small SVG frame with a scale bar; under it either the center's own
slippy-map tiles (``tiles``) or, offline, a bundled vector basemap (``dispatch/basemap.py``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

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
    # The projection (equirectangular about the places' mean latitude), to draw more on the same frame.
    km_per_lon: float = 0.0
    center_x_km: float = 0.0
    center_y_km: float = 0.0
    px_per_km: float = 0.0

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        """A point's position in the frame (outside it when the point is off the map)."""
        ky = math.radians(1) * EARTH_RADIUS_KM
        x = self.width / 2 + (lon * self.km_per_lon - self.center_x_km) * self.px_per_km
        y = self.height / 2 - (lat * ky - self.center_y_km) * self.px_per_km
        return round(x, 1), round(y, 1)

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """The (lat, lon) shown at a point of the frame."""
        ky = math.radians(1) * EARTH_RADIUS_KM
        lon = ((x - self.width / 2) / self.px_per_km + self.center_x_km) / self.km_per_lon
        lat = (-(y - self.height / 2) / self.px_per_km + self.center_y_km) / ky
        return lat, lon


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
    return Frame(width, height, drawn, round(scale_km * px_per_km, 1), scale_km, kx, cx, cy, px_per_km)


LINE_PX = 14  # a label's height at the map's 12 px font


def text_width(text: str) -> float:
    """A label's width at 12 px: a wide (CJK) character about 12 px, a narrow one about 7."""
    return sum(12 if ord(c) > 0x2E7F else 7 for c in text)


def _box(x: float, y: float, w: float, anchor: str) -> tuple[float, float, float, float]:
    left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
    return left, y - LINE_PX + 3, left + w, y + 3


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label(drawn: Frame, texts: dict[str, str], own: frozenset[str] = frozenset()) -> Frame:
    """Place each place's label where it overlaps no label placed before it and stays in the frame:
    right, left, above, below, then further down (a responder on site shares the premises' point, and
    their labels were drawn over each other). ``texts``: the label shown for each kind; the kinds in
    ``own`` show each place's own label (a responder's name) instead."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for d in drawn.places:
        text = d.label if d.kind in own else texts.get(d.kind, d.kind)
        w = text_width(text)
        candidates = [(d.x + 9, d.y + 4, "start"), (d.x - 9, d.y + 4, "end"),
                      (d.x, d.y - 10, "middle"), (d.x, d.y + 19, "middle")]  # fmt: skip
        candidates += [(d.x + 9, d.y + 4 + k * LINE_PX, "start") for k in (1, -1, 2, -2, 3, -3)]
        inside = [c for c in candidates if _inside(_box(c[0], c[1], w, c[2]), drawn)]
        free = [c for c in inside if not any(_overlaps(_box(c[0], c[1], w, c[2]), b) for b in placed)]
        x, y, anchor = (free or inside or candidates)[0]
        placed.append(_box(x, y, w, anchor))
        out.append(Drawn(d.kind, d.label, d.x, d.y, text, x, y, anchor))
    return replace(drawn, places=out)


def _inside(box: tuple[float, float, float, float], drawn: Frame) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= drawn.width and box[3] <= drawn.height - 20


# --- slippy-map tiles (the OpenStreetMap scheme: Web Mercator, 256 px tiles, x east, y south) ---------------

TILE_PX = 256
MAX_TILE_ZOOM = 19


def tile_of(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The tile holding a point (OSM wiki "Slippy map tilenames"); latitudes clamp to Mercator's ±85.0511°."""
    n = 2**zoom
    lat = max(min(lat, 85.0511), -85.0511)
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_corner(x: int, y: int, zoom: int) -> tuple[float, float]:
    """The (lat, lon) of a tile's north-west corner (of tile x+1, y+1 for its south-east one)."""
    n = 2**zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lat, lon


def tile_zoom(px_per_km: float, lat: float) -> int:
    """The zoom whose tiles show at about their own size at this scale (a tile spans 40075·cos φ / 2^z km)."""
    if px_per_km <= 0:
        return 0
    km_per_tile_wanted = TILE_PX / px_per_km
    zoom = math.log2(2 * math.pi * EARTH_RADIUS_KM * math.cos(math.radians(lat)) / km_per_tile_wanted)
    return max(0, min(MAX_TILE_ZOOM, round(zoom)))


@dataclass(frozen=True)
class Tile:
    href: str
    x: float  # where the tile is drawn in the frame
    y: float
    width: float
    height: float


def tiles(drawn: Frame, url: str, max_tiles: int = 25) -> list[Tile]:
    """The tiles under the frame, placed on its projection: ``url`` with ``{z}``, ``{x}`` and ``{y}``."""
    if drawn.px_per_km <= 0:
        return []
    north, west = drawn.unproject(0, 0)
    south, east = drawn.unproject(drawn.width, drawn.height)
    zoom = tile_zoom(drawn.px_per_km, (north + south) / 2)
    while True:
        (x0, y0), (x1, y1) = tile_of(north, west, zoom), tile_of(south, east, zoom)
        if (x1 - x0 + 1) * (y1 - y0 + 1) <= max_tiles or zoom == 0:
            break
        zoom -= 1
    out = []
    for ty in range(y0, y1 + 1):
        for tx in range(x0, x1 + 1):
            left, top = drawn.project(*tile_corner(tx, ty, zoom))
            right, bottom = drawn.project(*tile_corner(tx + 1, ty + 1, zoom))
            href = url.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty))
            out.append(Tile(href, left, top, round(right - left, 1), round(bottom - top, 1)))
    return out
