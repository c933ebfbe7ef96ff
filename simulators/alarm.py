"""One alarm from a seeded panel, as ``control-center simulate --alarm`` sends it: which panel sends it,
what that panel needs to be let in (its MQTT password, its DC-09 key), and the alarm itself."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.subscribers.models import PanelAccount, PremisesService
from panel_gateway.dc09_keys import PURPOSE
from panel_gateway.protocols.contact_id import Qualifier
from panel_gateway.protocols.dc09 import Answer
from panel_gateway.protocols.errors import ParseError
from simulators.dc09_panel import Dc09Panel
from simulators.demo.settings import DEMO_DC09_PORT
from simulators.panel import ALARM_SERVICE, ALARMS, SimulatedPanel


async def pick_account(session: AsyncSession, alarm: str) -> str | None:
    """A panel whose premises subscribe to the service ``alarm`` raises (None: there is none)."""
    accounts = list(
        await session.scalars(
            select(PanelAccount.account)
            .join(PremisesService, PremisesService.premises_id == PanelAccount.premises_id)
            .where(PremisesService.service_type == ALARM_SERVICE[alarm])
        )
    )
    return random.choice(accounts) if accounts else None


async def dc09_key(session: AsyncSession, settings: Settings, account: str) -> bytes | None:
    """The account's open DC-09 key, for a simulated panel programmed as the real one would be."""
    sealed = await session.scalar(select(PanelAccount.dc09_key_sealed).where(PanelAccount.account == account))
    return SecretBox.from_settings(settings).open(sealed, purpose=PURPOSE) if sealed else None


LINKED_ALARMS = {"burglary", "fire", "emergency"}  # A/B/C, not silent: the contacts get a link by SMS


def links_hint(settings: Settings, alarm: str) -> str | None:
    """One line for after the alarm: where the contacts' verification links can be seen."""
    if alarm not in LINKED_ALARMS or not settings.verification_link_minutes:
        return None
    if settings.telephony != "simulated":
        return "links: texted to the premises' contacts (see the incident's page in the console)"
    return "links: the demo's terminal prints each contact's SMS with its link; open one to answer"


def dc09_port(settings: Settings) -> int:
    """Where the receiver listens: the configured port, or the demo's."""
    return settings.dc09_port or DEMO_DC09_PORT


MAX_ZONE = 999  # Contact ID zones are three digits


def qualifier_of(restore: bool) -> Qualifier:
    """A restore (the detector back to normal, Contact ID qualifier 3) closes a zone's end-to-end test,
    as commissioning needs (subscribers/commissioning.py); otherwise a new event (1)."""
    return Qualifier.RESTORE if restore else Qualifier.NEW


async def send_mqtt(
    settings: Settings, account: str, alarm: str, password: str, *, zone: int = 1, restore: bool = False
) -> str:
    """Publish ``alarm`` (or its restore) on ``zone`` as ``account``; returns its message id (raises
    aiomqtt.MqttError)."""
    # On a broker that enforces identities the client id is the user name: this takes the fleet
    # panel's session over for a moment, and that panel reconnects.
    client_id = f"panel-{account}-cli"
    code, device = ALARMS[alarm]
    async with SimulatedPanel(settings, account, client_id=client_id, password=password) as panel:
        return await panel.send(code, qualifier_of(restore), zone=zone, device=device)


async def send_dc09(
    settings: Settings, account: str, alarm: str, key: bytes | None, *, zone: int = 1, restore: bool = False
) -> Answer | ParseError:
    """Send ``alarm`` (or its restore) on ``zone`` as a Contact ID event over DC-09 (TCP); the receiver's
    answer (raises OSError)."""
    code, _device = ALARMS[alarm]
    panel = Dc09Panel(settings.dc09_host, dc09_port(settings), account, key=key)
    frame = panel.frame(f"#{account}|{qualifier_of(restore).value}{code:03d} 01 {zone:03d}", token="ADM-CID")
    (answer,) = await panel.send_tcp(frame)
    return answer
