"""`control-center db archive`, as an administrator runs it: refused inside the year, files outside it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from sqlalchemy import func, select

from control_center.core.db import utcnow
from control_center.core.partitions import latest_archivable, manifest_name
from control_center.incidents.archive import verify_manifest
from control_center.signals.models import Signal
from tests.control_center.storage.test_archive import received, store


def archive(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")} | {"CC_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "control_center.cli", "db", "archive", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


async def signals(sessions) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(Signal))


async def test_the_command_refuses_the_last_year_and_archives_what_is_older(
    database_url, sessions, tmp_path
) -> None:
    now = utcnow()
    newest = latest_archivable(now)
    old = newest.next(-2).start + dt.timedelta(days=3)
    await store(
        sessions, received("5001", "old", old), received("5001", "recent", now - dt.timedelta(days=200))
    )
    directory = tmp_path / "archive"

    refused = archive(database_url, "--before", str(newest.next()), "--dir", str(directory))
    assert refused.returncode == 1
    assert "art. 44" in refused.stderr and f"--before {newest}" in refused.stderr
    assert await signals(sessions) == 2 and not directory.exists()

    bad = archive(database_url, "--before", "2025-13", "--dir", str(directory))
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr

    dry = archive(database_url, "--before", str(newest), "--dry-run")
    assert (
        dry.returncode == 0
        and f"{newest.next(-2)}: would archive (signals 1, incident_events 0)" in dry.stdout
    )
    assert await signals(sessions) == 2

    done = archive(database_url, "--before", str(newest), "--dir", str(directory))
    assert done.returncode == 0, done.stderr
    assert f"{newest.next(-2)}: archived to {directory}" in done.stdout
    assert await signals(sessions) == 1  # the recent one stays
    assert verify_manifest(directory, newest.next(-2))["files"][0]["rows"] == 1
    assert (directory / manifest_name(newest.next(-2))).exists()
