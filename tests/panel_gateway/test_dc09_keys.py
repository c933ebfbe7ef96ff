"""DC-09 keys: set from the shell without showing them, re-read at once, at a bounded cost."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import event, select

from control_center.cli import main
from control_center.core.audit import AuditEntry
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.secret_box import SecretBox
from control_center.core.settings import get_settings
from control_center.subscribers.models import PanelAccount
from panel_gateway.dc09_keys import REFRESH_BUDGET, KeyStore, set_key
from simulators.demo.subscribers import seed

KEY_HEX = "000102030405060708090A0B0C0D0E0F"
CENTER_KEY = "11" * 32
BOX = SecretBox(bytes.fromhex(CENTER_KEY))


async def test_made_up_accounts_cost_the_database_a_bounded_number_of_look_ups(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=3, key=bytes(32))
        await session.commit()
    seconds = [0.0]
    keys = KeyStore(sessions, BOX, clock=lambda: seconds[0])
    selects = _count_selects(sessions)

    # An attacker sends frames for a thousand accounts that have no key, within one second.
    changed = await asyncio.gather(*(keys.refresh(f"{n:04X}") for n in range(1000)))
    assert not any(changed)
    assert selects() == REFRESH_BUDGET
    # The same account again within the second costs nothing either.
    await keys.refresh("0000")
    assert selects() == REFRESH_BUDGET

    # A key set meanwhile is seen as soon as its account's second is over.
    async with sessions() as session:
        await set_key(session=session, box=BOX, account="1002", key_hex=KEY_HEX)
        await session.commit()
    seconds[0] += 1.0
    assert await keys.refresh("1002") is True
    assert keys.keys == {"1002": bytes.fromhex(KEY_HEX)}


async def test_frames_arriving_together_share_one_look_up(sessions) -> None:
    async with sessions() as session:
        await seed(session=session, count=3, key=bytes(32))
        await set_key(session=session, box=BOX, account="1002", key_hex=KEY_HEX)
        await session.commit()
    keys = KeyStore(sessions, BOX)
    selects = _count_selects(sessions)
    assert await asyncio.gather(*(keys.refresh("1002") for _ in range(5))) == [True] * 5
    assert selects() == 1


def test_the_shell_sets_a_key_and_a_bounded_plain_window_and_never_shows_the_key(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CC_DATABASE_URL", database_url)
    monkeypatch.setenv("CC_SECRET_KEY", CENTER_KEY)
    monkeypatch.setenv("CC_NEW_DC09_KEY", KEY_HEX)
    get_settings.cache_clear()
    try:
        asyncio.run(_seed(database_url))
        assert main(["panels", "dc09-key", "1002"]) == 0
        assert main(["panels", "dc09-key", "1002", "--keep-key", "--plain-for", "721"]) == 1  # > 30 days
        assert main(["panels", "dc09-key", "1002", "--keep-key", "--plain-for", "48"]) == 0
        assert main(["panels", "dc09-key", "1001", "--keep-key", "--plain-for", "48"]) == 1  # no key
        out = capsys.readouterr()
        assert KEY_HEX not in out.out + out.err
        assert "plain frames accepted (and logged) until" in out.out
        assert "at most 30 days" in out.err
        sealed, until, audit = asyncio.run(_state(database_url))
        assert BOX.open(sealed, purpose="dc09-key") == bytes.fromhex(KEY_HEX)
        assert dt.timedelta(hours=47) < until - utcnow() <= dt.timedelta(hours=48)
        assert audit == ["key set", "plain frames until " + f"{until:%Y-%m-%d %H:%M} UTC"]
    finally:
        get_settings.cache_clear()


def _count_selects(sessions) -> Callable[[], int]:
    counted = [0]

    def count(conn, cursor, statement: str, *args: object) -> None:
        if "panel_accounts" in statement:
            counted[0] += 1

    event.listen(sessions.kw["bind"].sync_engine, "before_cursor_execute", count)
    return lambda: counted[0]


async def _seed(url: str) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        await seed(session=session, count=3, key=bytes(32))
        await session.commit()
    await engine.dispose()


async def _state(url: str) -> tuple[str, dt.datetime, list[str]]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == "1002"))
        audit = list(await session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)))
    await engine.dispose()
    return panel.dc09_key_sealed, panel.dc09_plain_until, audit
