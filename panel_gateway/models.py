"""The gateway's own rows: its heartbeat for the watchdog, and the state each beat reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from control_center.core.db import Base, UTCDateTime


@dataclass(frozen=True, slots=True)
class GatewayState:
    """Subscribed, or why not (``problem``), since when: what the MQTT gateway keeps
    (``transports/mqtt.py``) and its heartbeat writes into ``GatewayStatus``."""

    subscribed: bool
    problem: str | None
    since: dt.datetime

    def then(self, *, subscribed: bool, problem: str | None, at: dt.datetime) -> GatewayState:
        """The next state; ``since`` moves only when ``subscribed`` changes."""
        return GatewayState(subscribed, problem, self.since if subscribed == self.subscribed else at)


class GatewayStatus(Base):
    """Each MQTT gateway's own report, rewritten every few seconds (``panel_gateway/heartbeat.py``).

    ``control-center serve`` may run apart from its gateways: this row is how its watchdog knows
    whether MQTT intake is subscribed. A row that stops moving is a gateway that stopped.
    """

    __tablename__ = "gateway_status"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # the gateway's MQTT client id
    host: Mapped[str] = mapped_column(String(200))  # host:pid of the process that wrote last
    subscribed: Mapped[bool] = mapped_column(Boolean)
    problem: Mapped[str | None] = mapped_column(String(300))  # why not subscribed
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # when ``subscribed`` last changed
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Everything the panels sent before this is stored (link_supervision.IntakeProgress): the serve
    # processes judge check-in deadlines no later than this. NULL when stopped or not reported.
    progress_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
