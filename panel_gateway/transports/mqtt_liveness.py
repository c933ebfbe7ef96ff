"""Is the gateway's MQTT session still delivering? The rules, apart from the transport's I/O.

A session can stop delivering while its connection stays up: the broker refused the subscription
(SUBACK 0x80), or another client with the gateway's id took the session over and the broker did not
close the old connection (amqtt 0.12 did not; see ``panel_gateway/embedded_broker.py``). So besides
the signals the gateway subscribes to a probe topic and publishes to it every ``mqtt_probe_seconds``;
a session on which nothing at all arrived for ``SILENT_PERIODS`` of those, not even its own probe, is
ended and opened again. ``GatewayState`` is what the gateway's heartbeat row reports to the watchdog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from paho.mqtt.reasoncodes import ReasonCode

SILENT_PERIODS = 3
STABLE_SECONDS = 10.0  # a session that ended sooner did not recover: the reconnects keep backing off
SUBACK_FAILURE = 0x80


def probe_topic(topic_root: str) -> str:
    """Where the gateways of a topic root hear themselves; no panel may publish or read there."""
    return f"{topic_root}/_gateway/probe"


def refused(topics: Sequence[str], granted: Sequence[int | ReasonCode]) -> str | None:
    """Why the SUBACK refuses one of ``topics`` (a failure code, or no answer for it); None if not."""
    if len(granted) != len(topics):
        return f"broker answered {len(granted)} of {len(topics)} subscriptions"
    for topic, code in zip(topics, granted, strict=True):
        value = code.value if isinstance(code, ReasonCode) else int(code)
        if value >= SUBACK_FAILURE:
            return f"broker refused the subscription to {topic} (0x{value:02X})"
    return None


def silent(now: float, heard_at: float, every: float) -> bool:
    """Nothing delivered (signal or probe) for ``SILENT_PERIODS`` probe periods (monotonic seconds)."""
    return now - heard_at > every * SILENT_PERIODS


@dataclass(frozen=True, slots=True)
class GatewayState:
    """Subscribed, or why not (``problem``), since when."""

    subscribed: bool
    problem: str | None
    since: dt.datetime

    def then(self, *, subscribed: bool, problem: str | None, at: dt.datetime) -> GatewayState:
        """The next state; ``since`` moves only when ``subscribed`` changes."""
        return GatewayState(subscribed, problem, self.since if subscribed == self.subscribed else at)
