"""Files holding secrets are readable by the center's user only (issue 15: the SQLite file was
world-readable, so any local account could copy every hash and subscriber)."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from control_center.core.db import create_engine
from control_center.core.mail import Message, Outbox
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.migrate import upgrade_async


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_sqlite_database_and_its_folder_are_private(tmp_path: Path) -> None:
    # SQLite only: PostgreSQL keeps its files under its own user.
    path = tmp_path / "var" / "center.sqlite3"  # a folder the center makes, as ./var by default
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:  # written through WAL: the -wal and -shm files exist
            await connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
            assert {mode(p) for p in path.parent.glob("center.sqlite3*")} == {0o600}
    finally:
        await engine.dispose()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


async def test_a_database_file_left_readable_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await engine.dispose()
    assert mode(path) == 0o600


def test_the_center_key_file_is_private(tmp_path: Path) -> None:
    key_file = tmp_path / "var" / "secret.key"
    box = SecretBox.from_settings(Settings(_env_file=None, secret_key=None, secret_key_file=str(key_file)))
    assert mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    assert list(key_file.parent.iterdir()) == [key_file]  # no draft left beside it
    again = SecretBox.from_settings(Settings(_env_file=None, secret_key=None, secret_key_file=str(key_file)))
    assert again.open(box.seal(b"x", purpose="t"), purpose="t") == b"x"  # the same key, read back


async def test_mails_kept_in_the_outbox_are_private(tmp_path: Path) -> None:
    outbox = Outbox(folder=str(tmp_path / "outbox"))
    await outbox.send(Message(to="a@example.jp", subject="ワンタイムコード", body="123456"))
    (kept,) = (tmp_path / "outbox").glob("*.eml")
    assert mode(kept) == 0o600 and mode(tmp_path / "outbox") == 0o700
