"""What the fault drills share: panels streaming numbered messages, each kept until the broker confirms
it, and the drill's stored message ids counted at the end."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from control_center.core.settings import MqttTarget
from control_center.signals.models import Signal
from simulators.harness.identities import BenchIdentities
from simulators.panel import payload, send_until_confirmed

Targets = MqttTarget | list[MqttTarget]


def numbered(run: str, accounts: list[str], messages: int) -> dict[str, list[str]]:
    """Each panel's message ids, ``<run>-<account>-<n>``: the drill finds its own rows by the prefix."""
    each = messages // len(accounts)
    return {a: [f"{run}-{a}-{i}" for i in range(each)] for a in accounts}


def test_reports(account: str, msg_ids: list[str]) -> list[bytes]:
    return [payload(account, msg_id, 602) for msg_id in msg_ids]


def stream(
    bodies: dict[str, list[str]],
    *,
    targets: Callable[[int], Targets],
    root: str,
    ids: BenchIdentities,
    per_second: float,
    confirmed: Callable[[str], None],
    payloads: Callable[[str, list[str]], list[bytes]] = test_reports,
) -> asyncio.Future[list[int]]:
    """Every panel sending its messages at ``per_second`` in all; ``targets(n)`` is the broker (or the
    cluster's nodes in order) panel ``n`` uses; ``confirmed`` hears each message id the broker took."""
    return asyncio.gather(
        *(
            send_until_confirmed(
                targets(n),
                f"{root}/{account}/signals",
                account,
                payloads(account, msg_ids),
                interval=len(bodies) / per_second,
                on_confirmed=lambda i, msg_ids=msg_ids: confirmed(msg_ids[i]),
                password=ids.password(account),
            )
            for n, (account, msg_ids) in enumerate(bodies.items())
        )
    )


async def stored_ids(sessions: Any, run: str, expected: int, within: float = 120) -> list[str]:
    """This drill's stored message ids, once all are there or ``within`` seconds have passed."""
    ours = Signal.message_id.like(f"{run}-%")
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        with contextlib.suppress(Exception):  # the pool may still hold connections from before an outage
            async with sessions() as session:
                if (
                    await session.scalar(select(func.count()).select_from(Signal).where(ours)) or 0
                ) >= expected:
                    break
        await asyncio.sleep(0.5)
    async with sessions() as session:
        return list(await session.scalars(select(Signal.message_id).where(ours)))
