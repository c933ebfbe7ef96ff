"""Notifying the authorities: police (110), fire and ambulance (119), the gas company's emergency crew.

In Japan these are phone calls on dedicated lines; the real adapter belongs with telephony (issue 5).
``Switchboard`` is the interface; ``RecordingSwitchboard`` is the demo's and the tests' stand-in, which
answers with a reference as a desk officer would give one. Either way the notification is recorded on
the incident's task with its time, channel and reference (``dispatch.service.notify_agency``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Protocol

from control_center.alarms.action_plans import Agency


@dataclass(frozen=True)
class Notice:
    agency: Agency
    address: str
    what: str  # e.g. "burglary (A): confirmed"
    callback: str  # the center's number for their questions


class Switchboard(Protocol):
    channel: str

    async def notify(self, notice: Notice) -> str:
        """Tell the agency; returns their reference (case number)."""
        ...


# The prefix of a recorded reference: a short upper-case word, as a desk officer's case number reads.
REFERENCE_PREFIX: dict[Agency, str] = {
    Agency.POLICE: "POLICE",
    Agency.FIRE_DEPT: "FIRE",
    Agency.AMBULANCE: "AMBULANCE",
    Agency.GAS_COMPANY: "GAS",
    Agency.DOCTOR: "DOCTOR",
}


class RecordingSwitchboard:
    channel = "recorded (demo)"

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self._numbers = itertools.count(1)

    async def notify(self, notice: Notice) -> str:
        self.notices.append(notice)
        return f"{REFERENCE_PREFIX[Agency(notice.agency)]}-{next(self._numbers):05d}"
