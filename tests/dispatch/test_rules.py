"""Pure dispatch rules: the nearest-responder index, the status machine, key seals, coverage limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch import coverage, key_custody, status
from dispatch.geo import haversine_km, step_towards, travel_minutes
from dispatch.models import ResponderStatus as S
from dispatch.nearest import ResponderIndex, brute_force
from dispatch.status import Action


def test_haversine_and_travel_time() -> None:
    # Nagoya station → Sakae, about 2.6 km; Tokyo station → Shin-Osaka about 403 km.
    assert haversine_km(35.1709, 136.8815, 35.1700, 136.9080) == pytest.approx(2.41, abs=0.05)
    assert haversine_km(35.6812, 139.7671, 34.7335, 135.5003) == pytest.approx(403, abs=3)
    assert travel_minutes(10, 1.4, 30) == pytest.approx(28.0)


def test_step_towards_arrives_and_never_overshoots() -> None:
    lat, lon, arrived = step_towards(35.0, 136.0, 35.0, 136.1, 1.0)
    assert not arrived and 0.9 < haversine_km(35.0, 136.0, lat, lon) < 1.1
    assert step_towards(lat, lon, 35.0, 136.1, 100.0) == (35.0, 136.1, True)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 3000), k=st.integers(1, 8))
def test_the_index_finds_exactly_the_brute_force_nearest(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    # Responders spread over Japan's latitudes, some clustered, as real depots are.
    lats = np.concatenate([rng.uniform(24, 45, n // 2), rng.normal(35.17, 0.05, n - n // 2)])
    lons = np.concatenate([rng.uniform(123, 146, n // 2), rng.normal(136.9, 0.05, n - n // 2)])
    ids = np.arange(1, n + 1)
    index = ResponderIndex(ids, lats, lons)
    for lat, lon in zip(rng.uniform(24, 45, 10), rng.uniform(123, 146, 10), strict=True):
        got = index.nearest(lat, lon, k, 1.4, 30)
        want = brute_force(ids, lats, lons, lat, lon, k, 1.4, 30)
        assert [c.responder_id for c in got] == [c.responder_id for c in want]
        assert [c.minutes for c in got] == sorted(c.minutes for c in got)


def test_an_empty_index_has_no_candidates() -> None:
    assert ResponderIndex([], [], []).nearest(35, 136, 5, 1.4, 30) == []


def test_the_status_machine() -> None:
    path = [
        Action.ASSIGN,
        Action.ACCEPT,
        Action.EN_ROUTE,
        Action.ARRIVED,
        Action.NEEDS_HELP,
        Action.ALL_CLEAR,
    ]
    state = S.AVAILABLE
    for action in path:
        state = status.after(state, action)
    assert state == S.REPORTING and status.after(state, Action.REPORT) == S.AVAILABLE
    for bad in [(S.AVAILABLE, Action.ARRIVED), (S.ON_SITE, Action.RELEASE), (S.OFF_DUTY, Action.ASSIGN),
                (S.ASSIGNED, Action.OFF_DUTY), (S.EN_ROUTE, Action.REPORT)]:  # fmt: skip
        with pytest.raises(status.StatusError):
            status.after(*bad)
    assert status.allowed_actions(S.ASSIGNED) == [Action.ACCEPT, Action.EN_ROUTE]


def test_seals_are_broken_once_and_never_reused() -> None:
    key_custody.check_take_out("sealed")
    with pytest.raises(key_custody.KeyRuleError):
        key_custody.check_take_out("out")
    assert key_custody.check_reseal("out", " S-2 ", {"S-1"}) == "S-2"
    for state, seal in [("out", "S-1"), ("out", " "), ("sealed", "S-9")]:
        with pytest.raises(key_custody.KeyRuleError):
            key_custody.check_reseal(state, seal, {"S-1"})


def test_prefecture_area_and_the_most_specific_limit() -> None:
    assert coverage.prefecture_of("愛知県名古屋市中区栄1-1-1") == "愛知県"
    assert coverage.prefecture_of("神奈川県横浜市西区") == "神奈川県"
    assert coverage.prefecture_of("東京都千代田区丸の内1") == "東京都"
    assert coverage.municipality_of("愛知県豊田市元城町1") == "豊田市"
    assert coverage.municipality_of("東京都千代田区丸の内1") == "千代田区"
    limits = [coverage.Limit("愛知県", None, 25), coverage.Limit("愛知県", "豊田市", 30)]
    assert coverage.limit_for(limits, "愛知県豊田市元城町1", 20) == 30
    assert coverage.limit_for(limits, "愛知県名古屋市中区栄1", 20) == 25
    assert coverage.limit_for(limits, "岐阜県岐阜市", 20) == 20


def test_bench_dispatch_prints_its_figures_and_checks_agreement() -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "control_center.cli", "bench", "dispatch", "--json", "--responders", "500",
         "--premises", "300", "--k", "3"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    result = json.loads(out)
    assert (result["responders"], result["premises"], result["k"]) == (500, 300, 3)
    assert result["agreement_checked"] == 300
    assert {"p50_us", "p99_us", "baseline_p50_us", "baseline_p99_us", "speedup_p50"} <= set(result)
    assert 0 < result["p50_us"] <= result["p99_us"]


def test_once_accepted_the_accept_button_goes_and_the_status_says_so() -> None:
    """受諾する pressed 8 times made 8 records (issue 17): after the first, only 出動 remains."""
    assert status.allowed_actions(S.ASSIGNED, accepted=True) == [Action.EN_ROUTE]
    assert (status.shown(S.ASSIGNED), status.shown(S.ASSIGNED, accepted=True)) == ("assigned", "accepted")
    assert status.shown(S.EN_ROUTE, accepted=True) == "en_route"


def test_keys_still_out_are_named() -> None:
    from types import SimpleNamespace

    sets = [SimpleNamespace(set_no=1, state="out"), SimpleNamespace(set_no=2, state="sealed")]
    assert [k.set_no for k in key_custody.keys_out(sets)] == [1]
    assert key_custody.keys_out([sets[1]]) == []


def test_map_labels_never_overlap_even_when_the_responder_is_on_site() -> None:
    """On arrival the responder's point is the premises' point: their labels were drawn over each other."""
    from dispatch.map_view import Place, _box, _overlaps, frame, label, text_width

    places = [
        Place("premises", "愛知県名古屋市中区栄3-1", 35.168, 136.908),
        Place("responder", "近藤", 35.168, 136.908),  # arrived
        Place("depot", "栄待機所", 35.1681, 136.9081),  # and the depot next door
    ]
    texts = {"premises": "現場", "responder": "緊急対処員", "depot": "待機所"}
    drawn = label(frame(places), texts)
    boxes = [_box(d.text_x, d.text_y, text_width(d.text), d.anchor) for d in drawn.places]
    assert [d.text for d in drawn.places] == ["現場", "緊急対処員", "待機所"]
    assert not any(_overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(b[0] >= 0 and b[2] <= drawn.width and b[1] >= 0 and b[3] <= drawn.height for b in boxes)
