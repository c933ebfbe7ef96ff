"""Panels for a bench or a drill, commissioned as real ones are: an account each, credentials issued by
the center (hashes in the database), a private Mosquitto that enforces them, and a gateway login.

The simulated panels' passwords derive from a key made for the run (simulators/credentials.py), so
load generators in other processes get one key instead of a list of passwords.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.secret_box import SecretBox
from control_center.core.settings import MqttTarget
from control_center.subscribers.models import PanelAccount, Premises, Subscriber
from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_password import hash_password, new_password
from simulators.credentials import password_for
from simulators.harness.private_broker import Access

KEY_VARIABLE = "CC_BENCH_PANEL_KEY"  # the run's panel key, for load generators in processes of their own


@dataclass(frozen=True)
class BenchIdentities:
    key: str  # hex: the panels of this run derive their passwords from it
    gateway: MqttTarget  # the gateway's login on the broker
    logins: list[Login]  # panels and gateway, for the broker's password file and ACL

    @property
    def gateway_logins(self) -> list[Login]:
        return [login for login in self.logins if login.role is Role.GATEWAY]

    def password(self, account: str) -> str:
        return panel_password(self.key, account)

    def access(self, topic_root: str) -> Access:
        return Access(self.logins, topic_root)

    def gateway_url(self, broker_url: str) -> str:
        """``broker_url`` with the gateway's user name and password, for CC_MQTT_URL."""
        return broker_url.replace("mqtt://", f"mqtt://{self.gateway.username}:{self.gateway.password}@", 1)


def panel_password(key: str, account: str) -> str:
    return password_for(SecretBox(bytes.fromhex(key)), account)


async def commission(
    sessions: async_sessionmaker[AsyncSession],
    accounts: list[str],
    gateway_user: str,
    check_in_seconds: int | None = None,
) -> BenchIdentities:
    """Accounts that do not exist yet are installed at one bench premises (supervised every
    ``check_in_seconds`` if given); all get credentials."""
    key = secrets.token_hex(32)
    now = utcnow()
    async with sessions() as session:
        known = dict((await session.execute(select(PanelAccount.account, PanelAccount.id))).all())
        missing = [a for a in accounts if a not in known]
        if missing:
            place = Premises(
                subscriber=Subscriber(name="bench", phone="0"),
                address="bench",
                lat=35.0,
                lon=137.0,
                phone="0",
                house_code_hash="-",
            )
            session.add(place)
            await session.flush()
            await session.execute(
                insert(PanelAccount),
                [
                    {
                        "account": a,
                        "premises_id": place.id,
                        "transport": "mqtt",
                        "check_in_seconds": check_in_seconds,
                    }
                    for a in missing
                ],
            )
            known = dict((await session.execute(select(PanelAccount.account, PanelAccount.id))).all())
        hashes = {a: hash_password(panel_password(key, a)) for a in accounts}
        await session.execute(
            update(PanelAccount),
            [
                {
                    "id": known[a],
                    "mqtt_username": a,
                    "mqtt_password_hash": hashes[a],
                    "mqtt_credentials_issued_at": now,
                }
                for a in accounts
            ],
        )
        await session.commit()
    gateway_password = new_password()
    logins = [Login(gateway_user, Role.GATEWAY, hash_password(gateway_password))]
    logins += [Login(a, Role.PANEL, hashes[a], a) for a in accounts]
    gateway = MqttTarget("mqtt://127.0.0.1").as_user(gateway_user, gateway_password)
    return BenchIdentities(key, gateway, logins)
