"""`control-center panels paths` commissions a panel's paths by category; `panels availability` writes
the month's minutes down per path as a CSV that opens in a Japanese Excel."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from sqlalchemy import select

from control_center.cli import main
from control_center.core.audit import AuditEntry
from control_center.core.db import create_engine, session_factory
from control_center.core.settings import get_settings
from control_center.subscribers.models import PanelPath
from simulators.demo.subscribers import seed


async def _seed(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        await seed(session=session, count=2)
    await engine.dispose()


async def _state(database_url: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        paths = [(p.role, p.channel, p.category) for p in await session.scalars(select(PanelPath))]
        audit = list(
            await session.scalars(select(AuditEntry.detail).where(AuditEntry.subject == "panel:1001"))
        )
    await engine.dispose()
    return paths, audit


def test_paths_are_commissioned_checked_and_reported(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    monkeypatch.setenv("CC_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        asyncio.run(_seed(database_url))
        assert main(["panels", "paths", "1001", "--primary", "ip:DP3", "--backup", "cellular"]) == 0
        out = capsys.readouterr().out
        assert "primary  ip        DP3" in out and "backup   cellular  DP3" in out
        # Refused with the reason: a DP category without its backup path, an unknown category or account.
        assert main(["panels", "paths", "1002", "--primary", "ip:DP3"]) == 2
        assert main(["panels", "paths", "1002", "--primary", "ip", "--category", "XP9"]) == 2
        assert main(["panels", "paths", "9999", "--primary", "cellular:SP2"]) == 2
        err = capsys.readouterr().err
        assert "give a backup path" in err and "unknown category" in err and "no panel account" in err
        paths, audit = asyncio.run(_state(database_url))
        assert sorted(paths) == [("backup", "cellular", "DP3"), ("primary", "ip", "DP3")]
        assert audit == ["paths DP3 primary=ip backup=cellular"]

        target = tmp_path / "availability.csv"
        assert main(["panels", "availability", "--month", "2026-11", "--out", str(target)]) == 0
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert [r[1:5] for r in rows[1:]] == [
            ["1001", "primary", "ip", "DP3"],
            ["1001", "backup", "cellular", "DP3"],
        ]
        assert main(["panels", "availability", "--month", "November"]) == 2
        assert main(["panels", "availability", "--month", "2026-1"]) == 2  # YYYY-MM exactly
        assert main(["panels", "availability", "--month", "2999-01"]) == 2  # not begun: no figure to give
        err = capsys.readouterr().err
        assert "not a month (YYYY-MM" in err and "2999-01 has not begun" in err
        # Never heard since commissioning: not "up".
        assert main(["panels", "paths", "1001"]) == 0
        assert capsys.readouterr().out.count("not heard yet") == 2
    finally:
        get_settings.cache_clear()
