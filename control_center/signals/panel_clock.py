"""A panel's own clock, as far as it can be believed.

Panels stamp what they send; a wrong clock (never set, a flat backup battery, a hostile sender) can say
any date. A time more than ``AHEAD`` after the center received the message, or more than ``BEHIND``
before it, says the clock is wrong, not when the event happened: the center's receipt is used instead.
A panel that buffered its reports through a short outage still has them placed when they happened.
"""

from __future__ import annotations

import datetime as dt

AHEAD = dt.timedelta(seconds=60)
BEHIND = dt.timedelta(hours=6)


def believable(sent: dt.datetime | None, received: dt.datetime) -> bool:
    return sent is not None and -AHEAD <= received - sent <= BEHIND


def event_time(sent: dt.datetime | None, received: dt.datetime) -> dt.datetime:
    """When the event happened: the panel's time if it can be believed, else the center's receipt."""
    return sent if sent is not None and believable(sent, received) else received
