"""The bus between the center's processes: a gateway's commit wakes another process's worker, and a
change published in one process reaches the consoles of every other one, once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import psycopg
from sqlalchemy.engine import make_url

from control_center.core.bus import CHUNK, INBOX, INCIDENTS, Bus, decode, encode
from control_center.core.hub import Hub
from tests.helpers import background


def test_payloads_stay_under_the_notify_limit_and_round_trip() -> None:
    ids = set(range(1_000_000_000, 1_000_000_000 + 3 * CHUNK + 7))
    payloads = encode("origin", ids)
    assert len(payloads) == 4
    assert all(len(p.encode()) < 8000 for p in payloads)
    heard: set[int] = set()
    for payload in payloads:
        origin, part = decode(payload)
        assert origin == "origin"
        heard |= part
    assert heard == ids
    assert encode("o", set()) == ["o|"]  # "look again at everything" still travels


@contextlib.asynccontextmanager
async def running(bus: Bus) -> AsyncIterator[Bus]:
    async with background(bus.run()):
        if bus.shared:
            await asyncio.wait_for(bus.listening.wait(), 10)
        yield bus


async def next_update(queue: asyncio.Queue[set[int]]) -> set[int]:
    return await asyncio.wait_for(queue.get(), 5)


async def test_one_process_hears_another(postgres_url: str) -> None:
    gateway_side, console_side = Bus(postgres_url, Hub()), Bus(postgres_url, Hub())
    woken = asyncio.Event()
    console_side.on_signals_stored(lambda urgent: woken.set())
    async with running(gateway_side), running(console_side):
        woken.clear()  # connecting wakes everybody once; this test wants the gateway's wake-up
        with gateway_side.hub.subscription() as here, console_side.hub.subscription() as there:
            gateway_side.signals_stored()
            await asyncio.wait_for(woken.wait(), 5)

            gateway_side.hub.publish({41, 42})
            assert await next_update(there) == {41, 42}
            assert await next_update(here) == {41, 42}
            await asyncio.sleep(0.3)
            assert here.empty(), "a process must not hear its own change a second time"


async def test_the_other_process_hears_whether_an_alarm_is_among_the_signals(postgres_url: str) -> None:
    """The workers' alarm lanes look only when an alarm was stored: a fleet's periodic tests must not
    wake them, and an alarm must, even when it was committed in the same burst as routine signals."""
    gateway_side, console_side = Bus(postgres_url, Hub()), Bus(postgres_url, Hub())
    heard: asyncio.Queue[bool] = asyncio.Queue()
    console_side.on_signals_stored(heard.put_nowait)
    async with running(gateway_side), running(console_side):
        while not heard.empty():  # connecting wakes everybody once, urgently
            heard.get_nowait()
        gateway_side.signals_stored(urgent=False)
        assert await asyncio.wait_for(heard.get(), 5) is False
        gateway_side.signals_stored(urgent=False)
        gateway_side.signals_stored(urgent=True)  # coalesced with the routine one or sent after it
        wakes = [await asyncio.wait_for(heard.get(), 5)]
        while not wakes[-1]:
            wakes.append(await asyncio.wait_for(heard.get(), 5))
        assert wakes[-1] is True


async def test_a_wake_up_without_a_marker_is_urgent(postgres_url: str) -> None:
    """A gateway of before the marker (during a rolling upgrade) says only "look again": its alarms must
    not wait for the alarm lane's poll."""
    bus = Bus(postgres_url, Hub())
    heard: asyncio.Queue[bool] = asyncio.Queue()
    bus.on_signals_stored(heard.put_nowait)
    async with running(bus):
        while not heard.empty():
            heard.get_nowait()
        url = make_url(postgres_url)
        schema = str(url.query["options"]).rpartition("=")[2]
        dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as old_gateway:
            await old_gateway.execute("SELECT pg_notify(%s, %s)", (f"{INBOX}:{schema}", "an-old-gateway"))
        assert await asyncio.wait_for(heard.get(), 5) is True


async def test_a_lost_connection_is_followed_by_everybody_looking_again(postgres_url: str) -> None:
    bus = Bus(postgres_url, Hub())
    woken = asyncio.Event()
    bus.on_signals_stored(lambda urgent: woken.set())
    async with running(bus):
        with bus.hub.subscription() as consoles:
            woken.clear()
            url = make_url(postgres_url)
            schema = str(url.query["options"]).rpartition("=")[2]
            dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
            with psycopg.connect(dsn, autocommit=True) as admin:
                ended = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE %s",
                    (f'LISTEN "{INCIDENTS}:{schema}"%',),
                ).fetchall()
            assert ended == [(True,)]
            # Whatever was said while it was away went unheard: consoles refresh, workers look.
            assert await asyncio.wait_for(consoles.get(), 10) == set()
            await asyncio.wait_for(woken.wait(), 10)
            assert bus.listening.is_set()


async def test_on_sqlite_everything_stays_in_the_process(tmp_path) -> None:
    bus = Bus(f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3", Hub())
    woken = asyncio.Event()
    bus.on_signals_stored(lambda urgent: woken.set())
    assert not bus.shared
    with bus.hub.subscription() as consoles:
        bus.signals_stored()
        bus.hub.publish({7})
        assert woken.is_set()
        assert await next_update(consoles) == {7}
