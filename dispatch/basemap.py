"""The offline basemap: a bundled GeoJSON layer (``basemap_demo.geojson``: rivers, major roads, wards and
landmarks of the demo area, schematic) drawn on a map frame, with a graticule. Used when the center has
no tile server of its own (``Settings.map_tile_url`` unset): honest about what it is, enough to orient."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from dispatch.map_view import LINE_PX, Frame, _box, _overlaps, text_width

DEMO_BASEMAP = Path(__file__).with_name("basemap_demo.geojson")
GRID_DEGREES = 0.01  # about 1.1 km north-south, 0.9 km east-west here
SAMPLES = 20  # points looked at along each segment of a line


@dataclass(frozen=True)
class Line:
    kind: str  # road | river | grid
    name: str
    points: str  # an SVG polyline's points


@dataclass(frozen=True)
class Label:
    kind: str
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Layer:
    lines: list[Line]
    labels: list[Label]
    source: str  # what the layer is, for the map's description


@cache
def demo_features() -> tuple[dict[str, Any], ...]:
    """The bundled layer, read once."""
    return tuple(json.loads(DEMO_BASEMAP.read_text(encoding="utf-8"))["features"])


def _grid(drawn: Frame) -> list[Line]:
    north, west = drawn.unproject(0, 0)
    south, east = drawn.unproject(drawn.width, drawn.height)
    if (north - south) / GRID_DEGREES > 40:  # zoomed far out: a grid would be noise
        return []
    out = []
    lat = (south // GRID_DEGREES + 1) * GRID_DEGREES
    while lat < north:
        (x0, y), (x1, _) = drawn.project(lat, west), drawn.project(lat, east)
        out.append(Line("grid", f"{lat:.2f}", f"{x0},{y} {x1},{y}"))
        lat += GRID_DEGREES
    lon = (west // GRID_DEGREES + 1) * GRID_DEGREES
    while lon < east:
        (x, y0), (_, y1) = drawn.project(north, lon), drawn.project(south, lon)
        out.append(Line("grid", f"{lon:.2f}", f"{x},{y0} {x},{y1}"))
        lon += GRID_DEGREES
    return out


def _on_frame(x: float, y: float, drawn: Frame) -> bool:
    return 0 <= x <= drawn.width and 0 <= y <= drawn.height - 20  # above the scale bar


def layer(drawn: Frame, features: tuple[dict[str, Any], ...] | None = None) -> Layer:
    """The basemap's lines and the labels that fit: a label never covers a place's label (placed first,
    by ``map_view.label``) or another basemap label."""
    features = demo_features() if features is None else features
    if drawn.px_per_km <= 0:
        return Layer([], [], "demo")
    lines = _grid(drawn)
    taken = [_box(p.text_x, p.text_y, text_width(p.text), p.anchor) for p in drawn.places if p.text]
    taken += [(p.x - 7, p.y - 7, p.x + 7, p.y + 7) for p in drawn.places]  # the markers themselves
    labels: list[Label] = []

    def try_label(kind: str, text: str, x: float, y: float) -> None:
        box = _box(x, y, text_width(text), "middle")
        inside = box[0] >= 0 and box[2] <= drawn.width and box[1] >= 0 and box[3] <= drawn.height - 20
        if inside and not any(_overlaps(box, t) for t in taken):
            taken.append(box)
            labels.append(Label(kind, text, x, y))

    for feature in features:
        kind, name = feature["properties"]["kind"], feature["properties"]["name"]
        geometry = feature["geometry"]
        if geometry["type"] == "LineString":
            projected = [drawn.project(lat, lon) for lon, lat in geometry["coordinates"]]
            # A line crossing the frame may have no vertex inside it: look along its segments.
            along = [
                (ax + (bx - ax) * k / SAMPLES, ay + (by - ay) * k / SAMPLES)
                for (ax, ay), (bx, by) in pairwise(projected)
                for k in range(SAMPLES + 1)
            ]
            visible = [(x, y) for x, y in along if _on_frame(x, y, drawn)]
            if not visible:
                continue
            lines.append(Line(kind, name, " ".join(f"{x},{y}" for x, y in projected)))
            x, y = visible[len(visible) // 2]
            try_label(kind, name, round(x, 1), round(y - 3, 1))
        elif geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            x, y = drawn.project(lat, lon)
            try_label(kind, name, x, y + LINE_PX // 3)
    return Layer(lines, labels, "demo")
