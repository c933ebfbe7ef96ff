"""DC-09 AES keys per account: sealed in the database, held open in memory for the receivers."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.cancellation import stop_if_cancelled
from control_center.secret_box import SecretBox
from control_center.subscribers.models import PanelAccount
from panel_gateway.protocols import dc09
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)
PURPOSE = "dc09-key"


async def set_key(*, session: AsyncSession, box: SecretBox, account: str, key_hex: str) -> None:
    key = dc09.parse_key(key_hex)
    if isinstance(key, ParseError):
        raise ValueError(key.reason)
    panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    if panel is None:
        raise LookupError(f"no panel account {account}")
    panel.dc09_key_sealed = box.seal(key, purpose=PURPOSE)


class KeyStore:
    """The open keys; refreshed from the database so a new or changed key takes effect within a minute."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], box: SecretBox, refresh_seconds: float = 30
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._refresh = refresh_seconds
        self.keys: dict[str, bytes] = {}

    async def load(self) -> None:
        async with self._sessions() as session:
            rows = await session.execute(
                select(PanelAccount.account, PanelAccount.dc09_key_sealed).where(
                    PanelAccount.dc09_key_sealed.is_not(None)
                )
            )
        keys = {}
        for account, sealed in rows.all():
            key = self._box.open(sealed, purpose=PURPOSE)
            if key is None:
                log.error("DC-09 key of account %s cannot be opened with this center's secret key", account)
                continue
            keys[account] = key
        self.keys = keys

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._refresh)
            try:
                await self.load()
            except Exception:
                stop_if_cancelled()
                log.exception("could not reload the DC-09 keys; keeping the ones loaded")
