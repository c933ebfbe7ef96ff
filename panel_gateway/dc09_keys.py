"""DC-09 AES keys per account: sealed in the database, held open in memory for the receivers.

A key set by any process (the console, ``control-center panels dc09-key``, another ``serve``) works
at once, in two ways that need no message between processes that could be lost and work the same on
SQLite and PostgreSQL:

- every receiver looks for accounts whose key or transition changed (``dc09_key_changed_at``, an
  indexed column) every ``CHANGES_SECONDS``: a key set for an account that sent plain frames is in
  force within a second, so its plain frames are refused from then on;
- a frame refused for want of a key, or for the wrong one, makes the receiver re-read that account
  before it answers (:meth:`KeyStore.refresh`; at most once per account a second).

The periodic full reload stays as the backstop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.secret_box import SecretBox
from control_center.core.tasks import stop_if_cancelled
from control_center.subscribers.models import PanelAccount
from panel_gateway.protocols import dc09
from panel_gateway.protocols.errors import ParseError

log = logging.getLogger(__name__)
PURPOSE = "dc09-key"
MAX_PLAIN_TRANSITION = dt.timedelta(days=30)  # the longest a keyed account may still send plain frames
REFRESH_INTERVAL = 1.0  # seconds between two look-ups of one account
REFRESH_BUDGET = 20  # accounts looked up per REFRESH_INTERVAL in all: made-up accounts cost little
CHANGES_SECONDS = 1.0  # how often each receiver looks for keys changed elsewhere
OVERLAP = dt.timedelta(seconds=10)  # changes looked at again, for clocks and commits a little behind


async def set_key(*, session: AsyncSession, box: SecretBox, account: str, key_hex: str) -> None:
    key = dc09.parse_key(key_hex)
    if isinstance(key, ParseError):
        raise ValueError(key.reason)
    panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    if panel is None:
        raise LookupError(f"no panel account {account}")
    panel.dc09_key_sealed = box.seal(key, purpose=PURPOSE)
    panel.dc09_key_changed_at = utcnow()


async def set_plain_until(
    *, session: AsyncSession, account: str, until: dt.datetime | None, now: dt.datetime
) -> None:
    """Let a keyed account send plain frames until ``until`` (None: never again); bounded, in UTC."""
    if until is not None:
        if until.tzinfo is None:
            raise ValueError("the end of the transition needs a time zone")
        if until - now > MAX_PLAIN_TRANSITION:
            raise ValueError(f"a transition lasts at most {MAX_PLAIN_TRANSITION.days} days")
    panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    if panel is None:
        raise LookupError(f"no panel account {account}")
    if until is not None and panel.dc09_key_sealed is None:
        raise ValueError(f"account {account} has no DC-09 key: it sends plain frames anyway")
    panel.dc09_plain_until = until.astimezone(dt.UTC) if until is not None else None
    panel.dc09_key_changed_at = now


class KeyStore:
    """The open keys and plain-frame transitions, by upper-case account."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        refresh_seconds: float = 30,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._refresh = refresh_seconds
        self._clock = clock
        self.keys: dict[str, bytes] = {}
        self.plain_until: dict[str, dt.datetime] = {}
        self._looked_up: dict[str, float] = {}  # account → when, within the last REFRESH_INTERVAL
        self._pending: dict[str, asyncio.Future[bool]] = {}
        self._changes_since: dt.datetime | None = None

    async def load(self) -> None:
        started = utcnow()
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    PanelAccount.account, PanelAccount.dc09_key_sealed, PanelAccount.dc09_plain_until
                ).where(
                    or_(PanelAccount.dc09_key_sealed.is_not(None), PanelAccount.dc09_plain_until.is_not(None))
                )
            )
        keys, plain_until = {}, {}
        for account, sealed, until in rows.all():
            key = self._open(account, sealed)
            if key is not None:
                keys[account.upper()] = key
            if until is not None:
                plain_until[account.upper()] = until
        self.keys, self.plain_until = keys, plain_until
        self._changes_since = started - OVERLAP

    async def apply_changes(self) -> int:
        """Take in the accounts whose key or transition changed since the last look; how many."""
        started = utcnow()
        since = self._changes_since or started - OVERLAP
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        PanelAccount.account, PanelAccount.dc09_key_sealed, PanelAccount.dc09_plain_until
                    ).where(PanelAccount.dc09_key_changed_at >= since)
                )
            ).all()
        changed = 0
        for account, sealed, until in rows:
            changed += self._hold(account.upper(), self._open(account, sealed), until)
        self._changes_since = started - OVERLAP
        if changed:
            log.info("DC-09 keys or transitions of %d account(s) changed elsewhere: in force now", changed)
        return changed

    def _hold(self, account: str, key: bytes | None, until: dt.datetime | None) -> bool:
        """Hold ``key`` and ``until`` for ``account``; True when that changed what was held."""
        held = (self.keys.get(account), self.plain_until.get(account))
        if key is None:
            self.keys.pop(account, None)
        else:
            self.keys[account] = key
        if until is None:
            self.plain_until.pop(account, None)
        else:
            self.plain_until[account] = until
        return held != (key, until)

    async def refresh(self, account: str) -> bool:
        """Re-read one account now, before answering a frame it sent; True when what is held changed.

        At most once per account per REFRESH_INTERVAL and REFRESH_BUDGET accounts per interval in all;
        frames arriving while a look-up is under way wait for it. Never raises: on a database error
        the frame is answered with what is held.
        """
        account = account.upper()
        pending = self._pending.get(account)
        if pending is None:
            if not self._may_look_up(account, self._clock()):
                return False
            pending = asyncio.ensure_future(self._refresh_one(account))
            self._pending[account] = pending
            pending.add_done_callback(lambda _: self._pending.pop(account, None))
        return await asyncio.shield(pending)

    def _may_look_up(self, account: str, now: float) -> bool:
        for seen, at in list(self._looked_up.items()):
            if now - at >= REFRESH_INTERVAL:
                del self._looked_up[seen]
        if account in self._looked_up or len(self._looked_up) >= REFRESH_BUDGET:
            return False
        self._looked_up[account] = now
        return True

    async def _refresh_one(self, account: str) -> bool:
        try:
            async with self._sessions() as session:
                row = (
                    await session.execute(
                        select(PanelAccount.dc09_key_sealed, PanelAccount.dc09_plain_until).where(
                            # Both spellings, so the unique index on account serves the look-up.
                            PanelAccount.account.in_({account, account.lower()})
                        )
                    )
                ).first()
        except Exception:
            stop_if_cancelled()
            log.exception(
                "could not re-read the DC-09 key of account %s; answering with the one held", account
            )
            return False
        sealed, until = row if row is not None else (None, None)
        if self._hold(account, self._open(account, sealed), until):
            log.info("DC-09 key or transition of account %s re-read from the database", account)
            return True
        return False

    def _open(self, account: str, sealed: str | None) -> bytes | None:
        if sealed is None:
            return None
        key = self._box.open(sealed, purpose=PURPOSE)
        if key is None:
            log.error("DC-09 key of account %s cannot be opened with this center's secret key", account)
        return key

    async def run(self) -> None:
        """Changes made elsewhere every second; a full reload now and then as the backstop."""
        last_full = time.monotonic()
        while True:
            await asyncio.sleep(CHANGES_SECONDS)
            try:
                if time.monotonic() - last_full >= self._refresh:
                    await self.load()
                    last_full = time.monotonic()
                else:
                    await self.apply_changes()
            except Exception:
                stop_if_cancelled()
                log.exception("could not reload the DC-09 keys; keeping the ones loaded")
