"""Stopping the center the way systemd does (SIGTERM) shuts it down cleanly: exit 0, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import free_port


def test_sigterm_stops_the_demo_with_status_0_and_no_traceback(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        CC_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/center.sqlite3",
        CC_EMBEDDED_BROKER_PORT=str(free_port()),
        CC_DC09_PORT=str(free_port()),
    )
    command = [
        sys.executable,
        "-m",
        "control_center.cli",
        "demo",
        "--port",
        str(free_port()),
        "--panels",
        "2",
    ]
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while "API token" not in log.read_text() and demo.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "API token" in log.read_text(), log.read_text()
            demo.send_signal(signal.SIGTERM)
            status = demo.wait(timeout=30)
        finally:
            if demo.poll() is None:
                demo.kill()
    text = log.read_text()
    assert status == 0, text
    assert "Traceback" not in text and "never retrieved" not in text, text
