"""`control-center bench load`: many panels connected and checking in; figures reported, none asserted
beyond what must hold (every panel connected, no supervised link lost, check-ins acknowledged)."""

from __future__ import annotations

from tests.helpers import cli_json, require_binaries


def test_bench_load_connects_every_panel_and_loses_no_link() -> None:
    require_binaries()
    result = cli_json(
        "bench", "load", "--json", "--panels", "300", "--minutes", "0.2", "--interval", "4",
        "--processes", "2", "--silence-every", "0", timeout=170,
    )  # fmt: skip
    assert (result["panels"], result["connected"], result["links_lost"]) == (300, 300, 0)
    assert result["acked"] > 0 and result["ack_p50_ms"] > 0
    assert result["center"]["rss_max_mb"] > 0 and result["broker"]["rss_max_mb"] > 0
