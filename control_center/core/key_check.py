"""Which secret key this database was sealed with: a start with another key is refused, not silently taken.

Without ``CC_SECRET_KEY`` the key lives in ``CC_SECRET_KEY_FILE`` (default ``./var/secret.key``, relative to
the working directory), and a missing file is made afresh (core/secret_box.py). Started from another
directory, the center would make a new key and go on as if nothing happened: every house code would fail to
match (they are keyed hashes), every sealed DC-09 key would be unreadable (DUH to the encrypted panels), every
digital-verification link and CSRF token signed before would be refused. So the first start records a
fingerprint of the key (a subkey's HMAC: nothing of the key can be learnt from it), and every later start
compares.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings

PURPOSE = "key-check"


class KeyCheck(Base):
    __tablename__ = "key_checks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # "center"
    fingerprint: Mapped[str] = mapped_column(String(64))


class WrongKey(RuntimeError):
    """The configured key is not the one this database was sealed with."""


def configured(settings: Settings) -> str:
    """Where the key comes from, as the message names it (the file's absolute path)."""
    if settings.secret_key:
        return "CC_SECRET_KEY"
    return f"CC_SECRET_KEY_FILE {Path(settings.secret_key_file).resolve()}"


def fingerprint(box: SecretBox) -> str:
    return hmac.new(box.subkey(PURPOSE), b"control-center", hashlib.sha256).hexdigest()


async def check(*, session: AsyncSession, box: SecretBox, where: str) -> None:
    """Record the key's fingerprint on first use; refuse (``WrongKey``) a different key afterwards.
    ``where``: how the key was configured, for the message."""
    seen = await session.scalar(select(KeyCheck.fingerprint).where(KeyCheck.name == "center"))
    mine = fingerprint(box)
    if seen is None:
        session.add(KeyCheck(name="center", fingerprint=mine))
        await session.commit()
    elif not hmac.compare_digest(seen, mine):
        raise WrongKey(
            f"the secret key ({where}) is not the key this database was sealed with: start the center"
            " from the directory holding its key file, or set CC_SECRET_KEY_FILE to the file's absolute"
            " path (or CC_SECRET_KEY). Going on would make every house code, sealed DC-09 key and signed"
            " link unreadable."
        )
