"""The center started with another secret key than the one its database was sealed with (e.g. `serve` run
from another directory, where a missing ./var/secret.key would be made afresh) refuses to start, with a
message naming the key file, instead of silently failing every house code, sealed DC-09 key and link."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from control_center.core.key_check import WrongKey, check
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.runtime import Runtime


async def test_the_first_key_is_recorded_and_another_is_refused(database_url: str, tmp_path: Path) -> None:
    first = Settings(_env_file=None, database_url=database_url, secret_key_file=str(tmp_path / "a" / "k"))
    runtime = Runtime(first)
    try:
        await runtime.prepare()  # records the fingerprint
    finally:
        await runtime.close()
    again = Runtime(first)
    try:
        await again.prepare()  # the same key: fine
    finally:
        await again.close()
    other = Settings(_env_file=None, database_url=database_url, secret_key_file=str(tmp_path / "b" / "k"))
    moved = Runtime(other)
    try:
        with pytest.raises(WrongKey, match=str(tmp_path / "b" / "k")):
            await moved.prepare()
    finally:
        await moved.close()


async def test_the_fingerprint_tells_nothing_of_the_key(sessions) -> None:
    key = bytes(range(32))
    async with sessions() as session:
        await check(session=session, box=SecretBox(key), where="test")
        from control_center.core.key_check import KeyCheck

        row = await session.get(KeyCheck, "center")
    assert row is not None and key.hex() not in row.fingerprint and len(row.fingerprint) == 64


def test_serve_started_elsewhere_says_why_and_exits(database_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")} | {
        "CC_DATABASE_URL": database_url,
        "CC_HTTP_PORT": "0",
    }
    for cwd, expect in ((tmp_path / "one", None), (tmp_path / "two", 2)):
        cwd.mkdir()
        if expect is None:  # the first start records its key; stopped right after preparing
            code = subprocess.run(
                [sys.executable, "-c", PREPARE], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
            )
            assert code.returncode == 0, code.stderr
            continue
        run = subprocess.run(
            [sys.executable, "-m", "control_center.cli", "serve"],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == expect, run.stderr[-2000:]
        assert "not the key this database was sealed with" in run.stderr
        assert str(cwd / "var" / "secret.key") in run.stderr
        assert "Traceback" not in run.stderr


PREPARE = """
import asyncio
from control_center.core.settings import get_settings
from control_center.runtime import Runtime

async def main():
    runtime = Runtime(get_settings())
    try:
        await runtime.prepare()
    finally:
        await runtime.close()

asyncio.run(main())
"""
