"""Is the gateway's MQTT session still delivering? The rules, apart from the transport's I/O.

A session can stop delivering while its connection stays up: the broker refused the subscription
(SUBACK 0x80), or another client with the gateway's id took the session over and the broker did not
close the old connection (amqtt 0.12 did not; see ``panel_gateway/embedded_broker.py``). So besides
the signals the gateway subscribes to a probe topic and publishes to it every ``mqtt_probe_seconds``;
a session on which nothing at all arrived for ``SILENT_PERIODS`` of those, not even its own probe, is
ended and opened again. What the gateway's heartbeat reports to the watchdog is ``GatewayState``
(``panel_gateway/models.py``); the probe topic is part of the broker's access rule (``broker_access``).
"""

from __future__ import annotations

from collections.abc import Sequence

from paho.mqtt.reasoncodes import ReasonCode

SILENT_PERIODS = 3
STABLE_SECONDS = 10.0  # a session that ended sooner did not recover: the reconnects keep backing off
SUBACK_FAILURE = 0x80


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
