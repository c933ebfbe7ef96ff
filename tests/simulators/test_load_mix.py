"""`control-center bench load` with a mix of MQTT and DC-09 UDP panels, more MQTT panels than its broker
may hold: the excess is refused, the rest stay supervised (no false overdue), and every panel the bench
silences has its line-cut raised (no missed overdue). Figures are reported, not asserted."""

from __future__ import annotations

from tests.helpers import cli_json, require_binaries


def test_bench_load_refuses_the_excess_and_supervises_every_panel_exactly() -> None:
    require_binaries()
    result = cli_json(
        "bench", "load", "--json", "--mqtt", "30", "--udp", "40", "--max-connections", "20",
        "--interval", "5", "--minutes", "0.5", "--silence-every", "5", "--processes", "2", timeout=240,
    )  # fmt: skip
    assert (result["panels"], result["mqtt"], result["udp"]) == (70, 30, 40)
    # Past the panels' limit of 20 (the gateway has a listener of its own) the excess is refused: 10 of 30,
    # one more as Mosquitto 2.0.11 leaks a place per connection closed before its CONNECT (issue 1460; the
    # harness's readiness probe is one), fewer when silenced panels (6 of the MQTT ones) have already
    # checked in and left while later ones connect: their places are free again (CI saw 7, runs here 9–10).
    assert 30 - 20 - 6 <= result["mqtt_refused"] <= 11
    assert (result["false_overdue"], result["missed_overdue"]) == (0, 0)
    # 14 silenced (every fifth: 6 MQTT, 8 UDP); those the broker refused never reported at all.
    assert result["silenced"] == 14
    assert result["silenced_caught"] + result["silenced_never_checked_in"] == 14
    assert result["silenced_caught"] >= 8
    assert result["udp_connected"] == 32  # 40 polling, less the 8 silenced
    assert result["connected"] == result["mqtt_connected"] + 32 and result["mqtt_connected"] <= 21
    assert result["udp_polls_acked"] == result["udp_polls_sent"] > 0
    for name in ("center", "broker", "mqtt_panels", "udp_panels"):
        assert result[name]["rss_max_mb"] > 0
    assert result["cpu_pct"] > 0 and result["rss_mb"] > 0
