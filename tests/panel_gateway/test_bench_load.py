"""`control-center bench load`: many panels connected and checking in; figures reported, none asserted
beyond what must hold (every panel connected, no supervised link lost, check-ins acknowledged)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulators.bench.private_broker import mosquitto_binary
from tests.conftest import CI


def test_bench_load_connects_every_panel_and_loses_no_link() -> None:
    if mosquitto_binary() is None:
        if CI:
            pytest.fail("the mosquitto binary is needed for the private broker (CI=true)")
        pytest.skip("no mosquitto binary")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "control_center.cli",
            "bench",
            "load",
            "--json",
            "--panels",
            "300",
            "--minutes",
            "0.2",
            "--interval",
            "4",
            "--processes",
            "2",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=170,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert (result["panels"], result["connected"], result["links_lost"]) == (300, 300, 0)
    assert result["acked"] > 0 and result["ack_p50_ms"] > 0
    assert result["center"]["rss_max_mb"] > 0 and result["broker"]["rss_max_mb"] > 0
