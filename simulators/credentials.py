"""The simulated panels' MQTT passwords, commissioned through the center like any panel's.

A real panel keeps the password it was given at commissioning; the simulated fleet (in the demo)
and ``control-center simulate`` (another process, later) must agree on theirs without writing them
down anywhere. So a simulated panel's password is derived from the center's key and the account
(HMAC under a subkey of its own), and the center stores only its hash, as for any panel. Whoever
can read the center's key can already issue credentials to any panel; real panels get random ones
(``control-center panels credentials``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.db import utcnow
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.subscribers.models import PanelAccount
from panel_gateway import mqtt_credentials
from panel_gateway.broker_password import verify_password

log = logging.getLogger(__name__)

PURPOSE = "simulated-panel-mqtt"
ACTOR = "simulator"


def password_for(box: SecretBox, account: str) -> str:
    digest = hmac.new(box.subkey(PURPOSE), account.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def commission(*, session: AsyncSession, settings: Settings, accounts: list[str]) -> dict[str, str]:
    """Each account's password for the simulator: credentials issued to those without any. An account
    whose credentials someone else issued (rotated by an operator) is left alone and left out; so is
    one that is not an MQTT panel."""
    box = SecretBox.from_settings(settings)
    stored = dict(
        (
            await session.execute(
                select(PanelAccount.account, PanelAccount.mqtt_password_hash).where(
                    PanelAccount.account.in_(accounts), PanelAccount.transport == "mqtt"
                )
            )
        ).all()
    )
    passwords: dict[str, str] = {}
    for account in accounts:
        if account not in stored:
            continue
        password = password_for(box, account)
        current = stored[account]
        if current is None:
            await mqtt_credentials.issue(
                session=session, account=account, actor=ACTOR, at=utcnow(), password=password
            )
        elif not verify_password(password, current):
            log.warning("panel %s has credentials the simulator does not know; not simulating it", account)
            continue
        passwords[account] = password
    await session.commit()
    return passwords
