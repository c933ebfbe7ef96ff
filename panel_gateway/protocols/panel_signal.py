"""What every decoder hands to ingest: one event from one panel, or a bare check-in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.dc09 import Frame
from panel_gateway.protocols.sia_codes import SiaEvent


@dataclass(frozen=True, slots=True)
class PanelSignal:
    account: str
    message_id: str  # the dedup key with the account
    panel_time: dt.datetime | None
    event: ContactIdEvent | SiaEvent | None  # None: a check-in (poll, heartbeat) and nothing else
    device: str | None = None


def from_dc09(frame: Frame, received_at: dt.datetime) -> list[PanelSignal]:
    """A frame's events as signals (a NULL poll is a check-in); ids stay stable across retransmissions."""
    base = frame.message_id(received_at)
    if not frame.events:
        return [PanelSignal(frame.panel_account, base, frame.timestamp, None)]
    return [
        PanelSignal(frame.panel_account, f"{base}/{i}", frame.timestamp, event)
        for i, event in enumerate(frame.events)
    ]


def from_contact_id(event: ContactIdEvent, received_at: dt.datetime) -> PanelSignal:
    """A bare Contact ID carries no message id: the same report within the same minute is one signal."""
    return PanelSignal(event.account, f"cid-{event.encode()}-{received_at:%Y%m%d%H%M}", None, event)
