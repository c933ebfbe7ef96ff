"""The relay's admission (panel_gateway/broker_relay.py): the bound, alarms first, and places given back
by panels that leave while waiting or while on the way."""

from __future__ import annotations

import asyncio

import pytest

from panel_gateway.broker_relay import URGENT_RESERVE, Handover, Line, Overflowing, Relay


async def hold(
    relay: Relay,
    urgent: bool,
    admitted: list[str],
    name: str,
    release: asyncio.Event,
    line: Line | None = None,
) -> None:
    async with relay.admitted(urgent, line):
        admitted.append(name)
        await release.wait()


async def test_alarms_pass_the_routine_messages_waiting_and_use_the_reserve() -> None:
    relay = Relay(bound=2)
    admitted: list[str] = []
    release = asyncio.Event()
    tasks = [asyncio.create_task(hold(relay, False, admitted, f"r{n}", release)) for n in range(4)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(hold(relay, True, admitted, "fire", release)))
    await asyncio.sleep(0)
    assert admitted == ["r0", "r1", "fire"]  # the routine ones wait for the bound; the fire does not
    assert relay.on_the_way == 3 <= 2 + URGENT_RESERVE
    release.set()
    await asyncio.gather(*tasks)
    assert admitted == ["r0", "r1", "fire", "r2", "r3"] and relay.on_the_way == 0


async def test_a_panel_gone_while_waiting_or_on_the_way_gives_its_place_back() -> None:
    relay = Relay(bound=1)
    admitted: list[str] = []
    release = asyncio.Event()
    first = asyncio.create_task(hold(relay, False, admitted, "first", release))
    waiting = asyncio.create_task(hold(relay, False, admitted, "gone", release))
    await asyncio.sleep(0)
    waiting.cancel()  # its connection closed before it had a place
    first.cancel()  # and this one's while on the way
    await asyncio.gather(first, waiting, return_exceptions=True)
    assert relay.on_the_way == 0
    release.set()
    await hold(relay, False, admitted, "next", release)  # the place is free again
    assert admitted == ["first", "next"]


async def test_a_handover_settles_when_every_subscriber_acknowledged_and_never_without_one() -> None:
    two = Handover()
    two.expect()
    two.expect()
    two.routed()
    two.delivered()
    assert not two.settled.done()
    two.delivered()
    assert two.settled.done()

    nobody = Handover()  # no gateway subscribed: nobody stores it, so the panel is not acknowledged
    nobody.routed()
    assert not nobody.settled.done()
    assert not await Relay(timeout=0.05).settled(nobody)


async def test_one_connection_cannot_take_every_place() -> None:
    relay = Relay(bound=10)
    admitted: list[str] = []
    release = asyncio.Event()
    flooding, quiet = Line(per_connection=2), Line(per_connection=2)
    tasks = [asyncio.create_task(hold(relay, False, admitted, f"f{n}", release, flooding)) for n in range(6)]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(hold(relay, False, admitted, "q", release, quiet)))
    await asyncio.sleep(0)
    assert admitted == ["f0", "f1", "q"] and relay.on_the_way == 3  # the rest wait in their own line
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(admitted) == ["f0", "f1", "f2", "f3", "f4", "f5", "q"] and flooding.unacknowledged == 0


async def test_a_connection_past_its_unacknowledged_limit_is_refused_at_once() -> None:
    relay = Relay(bound=1, max_unacknowledged=3)
    line = Line()
    release = asyncio.Event()
    admitted: list[str] = []
    tasks = [asyncio.create_task(hold(relay, False, admitted, f"m{n}", release, line)) for n in range(3)]
    await asyncio.sleep(0)
    with pytest.raises(Overflowing):
        async with relay.admitted(False, line):
            pass
    release.set()
    await asyncio.gather(*tasks)
    assert line.unacknowledged == 0 and relay.on_the_way == 0
