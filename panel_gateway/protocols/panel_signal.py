"""What every decoder hands to ingest: one event from one panel, or a bare check-in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from panel_gateway.protocols.contact_id import ContactIdEvent
from panel_gateway.protocols.dc09 import Frame
from panel_gateway.protocols.sia_codes import SiaEvent


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """Data nobody here could read, from a frame whose CRC, length, account, key and timestamp are
    sound: a panel sent it and it may be an alarm, so it is stored and put before the operators."""

    data: str
    reason: str


@dataclass(frozen=True, slots=True)
class PanelSignal:
    account: str
    message_id: str  # the dedup key with the account
    panel_time: dt.datetime | None
    event: ContactIdEvent | SiaEvent | UnknownEvent | None  # None: a check-in (poll, heartbeat) only
    device: str | None = None
    # What else the panel said about the event, JSON-ready: DC-09 extended fields ("extended"), DC-03
    # modifiers other than the area ("modifiers"), its text ("text"), why it is unknown ("unreadable").
    details: dict[str, Any] | None = None


def from_dc09(frame: Frame, received_at: dt.datetime) -> list[PanelSignal]:
    """A frame's events as signals (a NULL poll is a check-in); ids stay stable across retransmissions.

    A frame whose data could not be read is one signal carrying an ``UnknownEvent``."""
    base = frame.message_id(received_at)
    extended = frame.extended_data() if frame.extended else {}
    if frame.unreadable is not None:
        details = _details(extended, None) | {"unreadable": frame.unreadable}
        event = UnknownEvent(frame.data, frame.unreadable)
        return [PanelSignal(frame.panel_account, f"{base}/0", frame.timestamp, event, details=details)]
    if not frame.events:
        return [PanelSignal(frame.panel_account, base, frame.timestamp, None)]
    account, at = frame.panel_account, frame.timestamp
    return [
        PanelSignal(account, f"{base}/{i}", at, event, details=_details(extended, event) or None)
        for i, event in enumerate(frame.events)
    ]


def _details(extended: dict[str, Any], event: ContactIdEvent | SiaEvent | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if extended:
        out["extended"] = extended
    if isinstance(event, SiaEvent):
        if event.modifiers:
            out["modifiers"] = dict(event.modifiers)
        if event.text:
            out["text"] = event.text
    return out


def from_contact_id(event: ContactIdEvent, received_at: dt.datetime) -> PanelSignal:
    """A bare Contact ID carries no message id: the same report within the same minute is one signal."""
    return PanelSignal(event.account, f"cid-{event.encode()}-{received_at:%Y%m%d%H%M}", None, event)
