"""The map under the places: slippy-map tile numbers (table of known tiles), the tiles that cover a frame,
and the bundled offline basemap, whose labels never cover a place's label."""

from __future__ import annotations

import pytest

from control_center.console.premises_panel import panel_map
from control_center.core.settings import Settings
from dispatch import basemap
from dispatch.map_view import (
    Place,
    _box,
    _overlaps,
    frame,
    label,
    text_width,
    tile_corner,
    tile_of,
    tile_zoom,
    tiles,
)


@pytest.mark.parametrize(
    ("lat", "lon", "zoom", "tile"),
    [
        (0.0, 0.0, 0, (0, 0)),  # one tile for the world
        (0.0, 0.0, 1, (1, 1)),  # the south-east quarter starts at the origin
        (35.681236, 139.767125, 15, (29105, 12903)),  # Tokyo Station
        (51.5074, -0.1278, 10, (511, 340)),  # London, Charing Cross
        (85.0511, -180.0, 3, (0, 0)),  # the north-west corner of the Mercator square
        (-85.0511, 179.9999, 3, (7, 7)),  # and the south-east one
        (89.9, 10.0, 2, (2, 0)),  # beyond Mercator's latitude: clamped, not an error
    ],
    ids=["world", "quarter", "tokyo-station-z15", "london-z10", "north-west", "south-east", "pole"],
)
def test_tile_of(lat: float, lon: float, zoom: int, tile: tuple[int, int]) -> None:
    assert tile_of(lat, lon, zoom) == tile


def test_a_tile_holds_the_point_it_was_computed_for() -> None:
    x, y = tile_of(35.681236, 139.767125, 15)
    north, west = tile_corner(x, y, 15)
    south, east = tile_corner(x + 1, y + 1, 15)
    assert south <= 35.681236 <= north and west <= 139.767125 <= east


@pytest.mark.parametrize(
    ("px_per_km", "zoom"),
    [(300.0, 15), (30.0, 12), (0.0, 0), (1e9, 19)],
    ids=["street", "city", "nothing", "clamped"],
)
def test_tile_zoom_shows_tiles_at_about_their_own_size(px_per_km: float, zoom: int) -> None:
    assert tile_zoom(px_per_km, 35.17) == zoom


NAGOYA = [
    Place("premises", "愛知県名古屋市中区栄3-1", 35.168, 136.908),
    Place("responder", "近藤", 35.175, 136.900),
    Place("depot", "栄待機所", 35.169, 136.908),
]


def test_the_tiles_cover_the_whole_frame_and_name_zoom_x_and_y() -> None:
    drawn = frame(NAGOYA, 360, 240)
    covering = tiles(drawn, "https://tiles.example/{z}/{x}/{y}.png")
    assert 1 <= len(covering) <= 25
    assert min(t.x for t in covering) <= 0 and min(t.y for t in covering) <= 0
    assert max(t.x + t.width for t in covering) >= drawn.width
    assert max(t.y + t.height for t in covering) >= drawn.height
    zoom = tile_zoom(drawn.px_per_km, 35.17)
    x, y = tile_of(35.168, 136.908, zoom)
    assert f"https://tiles.example/{zoom}/{x}/{y}.png" in {t.href for t in covering}


def test_the_frame_projects_and_unprojects_the_same_point() -> None:
    drawn = frame(NAGOYA)
    for place, d in zip(NAGOYA, drawn.places, strict=True):
        assert drawn.project(place.lat, place.lon) == (d.x, d.y)
        lat, lon = drawn.unproject(d.x, d.y)
        assert abs(lat - place.lat) < 1e-4 and abs(lon - place.lon) < 1e-4


def _label_boxes(drawn) -> list[tuple[float, float, float, float]]:
    return [_box(d.text_x, d.text_y, text_width(d.text), d.anchor) for d in drawn.places]


@pytest.mark.parametrize(
    "places",
    [
        NAGOYA,
        [Place("premises", "栄3-1", 35.168, 136.908), Place("responder", "近藤", 35.168, 136.908)],  # on site
        [Place("premises", "名駅1-1", 35.1709, 136.8815), Place("depot", "名駅待機所", 35.17, 136.88)],
    ],
    ids=["city", "on-arrival", "at-a-landmark"],
)
def test_the_basemap_labels_cover_no_place_label_nor_each_other(places) -> None:
    drawn = label(frame(places), {"premises": "現場"}, own=frozenset({"responder", "depot"}))
    layer = basemap.layer(drawn)
    ours = _label_boxes(drawn)
    theirs = [_box(b.x, b.y, text_width(b.text), "middle") for b in layer.labels]
    assert not any(_overlaps(a, b) for i, a in enumerate(ours) for b in ours[i + 1 :])
    assert not any(_overlaps(a, b) for a in ours for b in theirs)
    assert not any(_overlaps(a, b) for i, a in enumerate(theirs) for b in theirs[i + 1 :])


def test_the_demo_basemap_draws_the_demo_area() -> None:
    layer = basemap.layer(label(frame(NAGOYA), {}))
    assert {"road", "grid"} <= {line.kind for line in layer.lines}
    assert any(line.name == "大津通" for line in layer.lines)  # the road through Sakae


def test_responders_and_depots_are_labelled_by_name() -> None:
    drawn = label(
        frame(NAGOYA), {"premises": "現場", "responder": "対処員"}, own=frozenset({"responder", "depot"})
    )
    assert [d.text for d in drawn.places] == ["現場", "近藤", "栄待機所"]


def test_the_panel_map_uses_the_centers_tiles_when_configured_else_the_bundled_basemap() -> None:
    offline = panel_map(NAGOYA, Settings(_env_file=None), "ja")
    online = panel_map(NAGOYA, Settings(_env_file=None, map_tile_url="/tiles/{z}/{x}/{y}.png"), "ja")
    assert offline.tiles == [] and offline.basemap is not None and offline.basemap.lines
    assert online.basemap is None and online.tiles and all(t.href.startswith("/tiles/") for t in online.tiles)
    assert [(p.kind, p.name) for p in offline.places] == [(p.kind, p.label) for p in NAGOYA]
    assert offline.places[0].km == 0 and offline.places[2].km == pytest.approx(0.1, abs=0.05)
