"""When the alarm path is broken, as pure rules: the system alarms for what the watchdog found.

- **No gateway**: no MQTT gateway has ever reported (past the grace period after start-up), or every
  report is older than ``FORGOTTEN`` (a gateway renamed or retired long ago no longer counts).
- **A gateway silent**: its heartbeat has not moved for the grace period (process stopped or hung).
- **A gateway not subscribed**: it says so, for longer than the grace period (broker gone, login or
  subscription refused, session lost, or stopped on purpose).
- **Intake quiet**: no signal from any panel stored for longer than the fleet's check-ins allow. The
  panel with the shortest supervised interval must be heard within it, or its own line-cut is raised;
  twice that, at least ``QUIET_FLOOR``, with nothing from anyone means the path is broken. Signals the
  center raises itself (line cut, receiver failure) do not count: they are what silence produces.
- **Inbox behind**: a signal stored and not worked — an alarm for longer than ``Limits.alarm`` (15 s by
  default), anything else for longer than ``Limits.signal`` (3 min); a runaway device's held signals
  aside. The gateway may be storing every message while the inbox worker of ``control-center serve``
  has stopped, is not running, or fails on every group: the alarms are safe in the table and nobody
  sees them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

QUIET_MARGIN = 2
QUIET_FLOOR = dt.timedelta(minutes=5)
FORGOTTEN = dt.timedelta(days=7)


class Kind(enum.StrEnum):
    NO_GATEWAY = "no_gateway"
    GATEWAY_SILENT = "gateway_silent"
    GATEWAY_NOT_SUBSCRIBED = "gateway_not_subscribed"
    INTAKE_QUIET = "intake_quiet"
    INBOX_BEHIND = "inbox_behind"
    DATABASE = "database_unreachable"


@dataclass(frozen=True, slots=True)
class GatewayReport:
    """A ``gateway_status`` row."""

    name: str
    host: str
    subscribed: bool
    problem: str | None
    since: dt.datetime
    beat_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Waiting:
    """Since when the oldest signals the inbox has not worked wait: of the alarms, and of all."""

    alarm: dt.datetime | None = None
    signal: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """How long a stored signal may wait unworked. An alarm is worked within milliseconds, before any
    storm (its own lane); a storm of 100,000 within a minute on the 2-core machine (docs/benchmarks.md)."""

    alarm: dt.timedelta = dt.timedelta(seconds=15)
    signal: dt.timedelta = dt.timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class SystemAlarm:
    kind: Kind
    since: dt.datetime
    subject: str = ""  # the gateway concerned
    detail: str = ""  # what it said; inbox behind: "alarm" or "signal"
    expected: dt.timedelta | None = None  # intake quiet, inbox behind: the limit that was passed

    @property
    def reason(self) -> str:
        """In English, for logs and ``/healthz``; the consoles show it translated."""
        at = self.since.isoformat(timespec="seconds")
        match self.kind:
            case Kind.NO_GATEWAY:
                return f"no MQTT gateway is reporting (since {at}): MQTT alarms are not received"
            case Kind.GATEWAY_SILENT:
                return (
                    f"MQTT gateway {self.subject} has not reported since {at}: it, or the database it "
                    "writes to, may have stopped"
                )
            case Kind.GATEWAY_NOT_SUBSCRIBED:
                return f"MQTT gateway {self.subject} is not subscribed since {at}: {self.detail}"
            case Kind.INTAKE_QUIET:
                seconds = (self.expected or dt.timedelta()).total_seconds()
                return f"no signal from any panel stored since {at} (expected within {seconds:.0f} s)"
            case Kind.INBOX_BEHIND:
                seconds = (self.expected or dt.timedelta()).total_seconds()
                return (
                    f"an {self.detail} waits unworked since {at} (limit {seconds:.0f} s): the inbox "
                    "worker (control-center serve) may have stopped or be failing"
                )
            case Kind.DATABASE:
                return f"the database cannot be reached since {at}: {self.detail}"


def quiet_limit(configured_seconds: float | None, shortest_check_in: int | None) -> dt.timedelta | None:
    """How long intake may be quiet: the setting, else from the fleet; None when nothing is expected."""
    if configured_seconds is not None:
        return dt.timedelta(seconds=configured_seconds)
    if shortest_check_in is None:
        return None  # no supervised panel: nobody promised to be heard
    return max(QUIET_FLOOR, dt.timedelta(seconds=shortest_check_in * QUIET_MARGIN))


def judge(
    *,
    now: dt.datetime,
    watching_since: dt.datetime,
    grace: dt.timedelta,
    gateways: Sequence[GatewayReport],
    last_intake: dt.datetime | None,
    quiet: dt.timedelta | None,
    waiting: Waiting = Waiting(),
    limits: Limits = Limits(),
) -> list[SystemAlarm]:
    alarms: list[SystemAlarm] = []
    known = [g for g in gateways if now - g.beat_at <= FORGOTTEN]
    if not known and now - watching_since > grace:
        last = max((g.beat_at for g in gateways), default=watching_since)
        alarms.append(SystemAlarm(Kind.NO_GATEWAY, last))
    for g in sorted(known, key=lambda g: g.name):
        # What it said last comes first: "stopped", or why it could not subscribe before it fell silent.
        if not g.subscribed and now - g.since > grace:
            alarms.append(SystemAlarm(Kind.GATEWAY_NOT_SUBSCRIBED, g.since, g.name, g.problem or ""))
        elif now - g.beat_at > grace:
            alarms.append(SystemAlarm(Kind.GATEWAY_SILENT, g.beat_at, g.name))
    if quiet is not None:
        # Nothing stored yet (a new installation): quiet since the watchdog started looking.
        heard = last_intake or watching_since
        if now - heard > quiet:
            alarms.append(SystemAlarm(Kind.INTAKE_QUIET, heard, expected=quiet))
    if waiting.alarm is not None and now - waiting.alarm > limits.alarm:
        alarms.append(SystemAlarm(Kind.INBOX_BEHIND, waiting.alarm, detail="alarm", expected=limits.alarm))
    elif waiting.signal is not None and now - waiting.signal > limits.signal:
        alarms.append(SystemAlarm(Kind.INBOX_BEHIND, waiting.signal, detail="signal", expected=limits.signal))
    return alarms
