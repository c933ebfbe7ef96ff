"""Panels' MQTT credentials: issued by the center at commissioning, kept only as a ``$7$`` hash.

The user name is the account (what the topic carries); the password is random (192 bits) and shown
once, to be put into the panel. Issuing again rotates: the old password stops working at the next
login (the embedded broker looks every login up; Mosquitto after its files are written again and
it is sent SIGHUP, see docs/deployment.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core import audit
from control_center.subscribers.models import PanelAccount
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_password import hash_password, new_password
from panel_gateway.protocols.mqtt_payload import ACCOUNT


class CredentialsRefused(Exception):
    """The account cannot get MQTT credentials (unknown, or it does not report over MQTT)."""


@dataclass(frozen=True, slots=True)
class IssuedCredentials:
    account: str
    username: str
    password: str  # in clear only here, on its way to the panel; never stored

    def as_json(self) -> dict[str, str]:
        return {"account": self.account, "username": self.username, "password": self.password}


async def issue(
    *, session: AsyncSession, account: str, actor: str, at: dt.datetime, password: str | None = None
) -> IssuedCredentials:
    """New credentials for ``account``'s panel (rotating any earlier ones), for the caller to commit.
    ``password``: only for a simulated panel that derives its own (simulators/credentials.py); real
    panels get a random one."""
    panel = await session.scalar(select(PanelAccount).where(PanelAccount.account == account))
    if panel is None:
        raise CredentialsRefused(f"no panel with account {account!r}")
    if panel.transport != "mqtt":
        raise CredentialsRefused(f"account {account} reports over {panel.transport}, not MQTT")
    if not ACCOUNT.fullmatch(account):  # the user name goes into topics, ACL lines and files
        raise CredentialsRefused(f"account {account!r} cannot be an MQTT user name")
    password = password or new_password()
    panel.mqtt_username = account
    panel.mqtt_password_hash = hash_password(password)
    panel.mqtt_credentials_issued_at = at
    audit.changed(
        session, actor, f"panel:{account}", "MQTT credentials issued; any earlier password revoked", at=at
    )
    return IssuedCredentials(account, account, password)


def _login(username: str, account: str, password_hash: str) -> Login:
    return Login(username=username, role=Role.PANEL, password_hash=password_hash, account=account)


async def panel_login(*, session: AsyncSession, username: str) -> Login | None:
    row = (
        await session.execute(
            select(PanelAccount.mqtt_username, PanelAccount.account, PanelAccount.mqtt_password_hash).where(
                PanelAccount.mqtt_username == username, PanelAccount.mqtt_password_hash.is_not(None)
            )
        )
    ).first()
    return _login(*row) if row else None


async def panel_logins(*, session: AsyncSession) -> list[Login]:
    """Every panel with credentials, by user name: what a Mosquitto password file and ACL need."""
    rows = await session.execute(
        select(PanelAccount.mqtt_username, PanelAccount.account, PanelAccount.mqtt_password_hash)
        .where(PanelAccount.mqtt_username.is_not(None), PanelAccount.mqtt_password_hash.is_not(None))
        .order_by(PanelAccount.mqtt_username)
    )
    return [_login(*row) for row in rows.all()]


def lookup(
    sessions: async_sessionmaker[AsyncSession], gateways: list[Login] | None = None
) -> Callable[[str], Awaitable[Login | None]]:
    """The embedded broker's lookup: the gateways' logins (held in memory), then the panels' rows."""
    own = {login.username: login for login in gateways or []}

    async def find(username: str) -> Login | None:
        if username in own:
            return own[username]
        async with sessions() as session:
            return await panel_login(session=session, username=username)

    return find
