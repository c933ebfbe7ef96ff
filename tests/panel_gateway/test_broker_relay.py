"""The relay's admission (panel_gateway/broker_relay.py): the bound, alarms first, and places given back
by panels that leave while waiting or while on the way."""

from __future__ import annotations

import asyncio

from panel_gateway.broker_relay import URGENT_RESERVE, Handover, Relay


async def hold(relay: Relay, urgent: bool, admitted: list[str], name: str, release: asyncio.Event) -> None:
    async with relay.admitted(urgent):
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
