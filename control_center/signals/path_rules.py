"""Path supervision by grade: EN 50136-1 category → poll interval, reporting time, overdue margin.

A panel account reports over one alarm transmission path (ATP, categories SP1–SP6) or two (primary
and alternative ATP, DP1–DP4; EN 50136-1:2012 §6.2 Table 1: DP requires an alternative network
interface at the panel and at the receiver). The category sets the *reporting time*: the time within
which the loss of a path must be reported at the center (EN 50136-1:2012 §6.7, the reporting-time
classes T1–T6 of Annex D: 32 d, 25 h, 60 min, 180 s, 90 s, 20 s). For a dual-path category the primary
and the alternative (backup) path have different reporting times.

Sources, and what is doubtful: the standard's Table 1 was read (dnaop.com/html/62154_2.html, the
text of EN 50136-1:2012); its reporting-time tables were not legible in the material this project
could search, so the figures below are the T1–T6 classes as vendors and inspectorates quote them:
Ajax (support.ajax.systems/en/configure-according-en-requirements: grade 3 loss of communication
reported in < 180 s = 3 × polling interval + delay), Vanderbilt SPC (doc.vanderbiltindustries.com,
"Configuring an EN50136-1 ATS": CAT 2 polling timeout 24 h 10 min, inside the 25 h class),
webwayworld.com/faq/48236 (24 h paths at grade 2), the Hikvision AX PRO manual (a DP2 panel:
primary ATP failure within 60 min). Doubtful: SP3 and the DP2 primary (60 min) and the DP4
alternative path (180 s); check them against the purchased standard and change ``REPORTING`` if it
says otherwise (``shared/standards.md``: figures not confirmed stay a table).

The center, not the standard, chooses the poll interval (webwayworld.com/faq/48236: "poll the
available circuits frequently enough to determine that the circuit has failed whilst minimising the
number of false activations"). Here it is derived from the reporting time ``R``:

- ``detect`` = min(R / 10, 60 s): what the sweep and its commit may take after a deadline passes;
  the sweep must run more often than that (``CC_SUPERVISION_SWEEP_SECONDS``; SP6 needs 1 s).
- ``overdue`` = R − detect: the silence after the last check-in that declares the path lost. A path
  that fails right after a check-in is therefore reported within R.
- ``poll`` = (overdue − jitter) / (TOLERATED_LOSSES + 1), jitter = max(2 s, 5 % of R): the panel
  must check in this often, so that two lost polls in a row plus the network's delay, retries and
  the panel's clock drift (the jitter) still arrive before the deadline. The margin is overdue − poll.

A 60 s poll at grade 3 with a 180 s reporting time (the issue's example) tolerates one lost poll;
``bench supervision`` measures that baseline against this rule on a simulated fleet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from control_center.signals.service_types import ServiceType

MINUTE, HOUR, DAY = 60, 3600, 86400
TOLERATED_LOSSES = 2  # consecutive lost polls that never raise an overdue on their own
DETECT_MAX = 60  # seconds: the sweep's share of a reporting time is at most this


class Category(StrEnum):
    SP1 = "SP1"
    SP2 = "SP2"
    SP3 = "SP3"
    SP4 = "SP4"
    SP5 = "SP5"
    SP6 = "SP6"
    DP1 = "DP1"
    DP2 = "DP2"
    DP3 = "DP3"
    DP4 = "DP4"

    @property
    def dual(self) -> bool:
        return self.value.startswith("DP")


class Role(StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"  # the standard's alternative ATP


class Channel(StrEnum):
    """How a check-in is attributed to a path: by the transport it arrived on (``Received.transport``).

    ``ip``: SIA DC-09 over TCP or UDP (the panel's IP interface); ``cellular``: the MQTT link of the
    panel's wireless adapter; ``serial``: a central-station receiver's automation line (PSTN). One
    path per channel and panel, so a panel whose two paths both speak DC-09 cannot be told apart yet
    (that would need the DC-09 receiver/line number, which the gateway does not pass on).
    """

    IP = "ip"
    CELLULAR = "cellular"
    SERIAL = "serial"


TRANSPORT_CHANNEL: dict[str, Channel] = {
    "dc09_tcp": Channel.IP,
    "dc09_udp": Channel.IP,
    "mqtt": Channel.CELLULAR,
    "serial": Channel.SERIAL,
}

# Reporting time in seconds per category: (primary path, alternative path or None for single path).
REPORTING: dict[Category, tuple[int, int | None]] = {
    Category.SP1: (32 * DAY, None),  # T1
    Category.SP2: (25 * HOUR, None),  # T2
    Category.SP3: (60 * MINUTE, None),  # T3
    Category.SP4: (180, None),  # T4
    Category.SP5: (90, None),  # T5
    Category.SP6: (20, None),  # T6
    Category.DP1: (25 * HOUR, 25 * HOUR),  # T2 / T2
    Category.DP2: (60 * MINUTE, 25 * HOUR),  # T3 / T2
    Category.DP3: (180, 25 * HOUR),  # T4 / T2
    Category.DP4: (90, 180),  # T5 / T4
}


@dataclass(frozen=True, slots=True)
class PathRule:
    reporting_seconds: int  # the loss must be reported within this (EN 50136-1)
    poll_seconds: int  # the panel checks in at least this often on this path
    overdue_seconds: int  # silence after the last check-in that declares the path lost
    detect_seconds: int  # left for the sweep after the deadline

    @property
    def margin_seconds(self) -> int:
        """Slack beyond one poll interval before a path is overdue: lost polls, delay, drift."""
        return self.overdue_seconds - self.poll_seconds


def rule_for_reporting(reporting: int) -> PathRule:
    detect = max(1, min(reporting // 10, DETECT_MAX))
    overdue = reporting - detect
    jitter = max(2, reporting // 20)
    poll = max(1, (overdue - jitter) // (TOLERATED_LOSSES + 1))
    return PathRule(reporting, poll, overdue, detect)


def rule(category: Category, role: Role) -> PathRule:
    primary, backup = REPORTING[category]
    if role is Role.BACKUP:
        if backup is None:
            raise ValueError(f"{category} is a single-path category: it has no backup path")
        return rule_for_reporting(backup)
    return rule_for_reporting(primary)


def channel_of(transport: str) -> Channel | None:
    return TRANSPORT_CHANNEL.get(transport)


def check_layout(category: Category, primary: Channel, backup: Channel | None) -> str | None:
    """Why this set of paths does not fit the category (None: it fits). EN 50136-1 Table 1: a DP
    category has an alternative path, an SP category only one."""
    if category.dual and backup is None:
        return f"{category} is a dual-path category: give a backup path"
    if not category.dual and backup is not None:
        return f"{category} is a single-path category: no backup path (use a DP category)"
    if backup is not None and backup == primary:
        return "the two paths must use different channels (a check-in is attributed by its channel)"
    return None


def path_loss_service(path_count: int) -> ServiceType:
    """One path of several lost is an equipment trouble (G); the only path lost is a line cut (F)."""
    return ServiceType.EQUIPMENT if path_count > 1 else ServiceType.LINE_CUT


def all_lost(path_count: int, lost: Iterable[bool]) -> bool:
    """Whether a multi-path panel has lost every path: a line cut (F) for the whole panel, raised
    beside each path's trouble. (A single path's loss already is the line cut.)"""
    states = list(lost)
    return path_count > 1 and len(states) == path_count and all(states)


def sweep_fast_enough(rule_: PathRule, sweep_seconds: float) -> bool:
    """Whether a sweep every ``sweep_seconds`` reports a lost path within its reporting time (the
    deadline has one-second resolution, so a second more)."""
    return sweep_seconds + 1 <= rule_.detect_seconds
