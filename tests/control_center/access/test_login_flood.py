"""Login floods and guessing, written as the attack (issue 15): the alarm path stays served, guesses
are counted atomically, and nobody can lock the real user out."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from control_center.access import hashing, service
from control_center.access.models import User
from control_center.app import create_app
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.secret_box import SecretBox
from control_center.core.settings import Settings
from control_center.runtime import Runtime
from control_center.signals.models import Signal
from panel_gateway.dc09_keys import KeyStore
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest
from panel_gateway.transports.dc09_ip import Dc09Receiver
from simulators.dc09_panel import Dc09Panel
from tests.conftest import free_port
from tests.helpers import PASSWORD, add_user, background, eventually

ATTACKER, USER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
async def app(database_url: str, sessions):
    await add_user(sessions, "operator", "tanaka")
    return create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())


def from_address(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def form_token(client: httpx.AsyncClient) -> str:
    """The login page's double-submit token (its cookie stays in the client)."""
    page = (await client.get("/login")).text
    return re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)


async def attempt(client: httpx.AsyncClient, token: str, login: str, password: str) -> httpx.Response:
    data = {"login": login, "password": password, "next": "/console", "login_csrf": token}
    return await client.post("/login", data=data)


async def tries(app, address: str, login: str, password: str, n: int) -> list[int]:
    """``n`` sign-ins in a row from ``address``, each from the form the previous answer showed."""
    async with from_address(app, address) as client:
        return [(await again(client, login, password)).status_code for _ in range(n)]


async def again(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await attempt(client, await form_token(client), login, password)


async def test_forty_concurrent_wrong_passwords_run_only_five_password_checks(app) -> None:
    async with from_address(app, ATTACKER) as client:
        token = await form_token(client)
        before = hashing.runs()
        answers = await asyncio.gather(
            *(attempt(client, token, "tanaka", f"guess-{i:04d}-wrong") for i in range(40))
        )
        checks = hashing.runs() - before
    assert checks == 5  # the red team saw 27 before the lock
    statuses = [r.status_code for r in answers]
    # The rest were refused unchecked: throttled (429), or past the hashing queue's bound (503).
    assert statuses.count(401) == 5 and set(statuses) - {401} <= {429, 503} and 429 in statuses
    assert all(int(r.headers["retry-after"]) > 0 for r in answers if r.status_code != 401)


async def test_an_attacker_failing_from_one_address_does_not_stop_the_user_at_another(app) -> None:
    attacked = await tries(app, ATTACKER, "tanaka", "guess-wrong-1", 30)
    assert attacked[:5] == [401] * 5 and set(attacked[5:]) == {429}
    assert await tries(app, ATTACKER, "tanaka", PASSWORD, 1) == [429]  # even the right password, there
    async with from_address(app, USER) as user:
        signed_in = await again(user, "tanaka", PASSWORD)
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"
        assert (await user.get("/api/me")).json()["login"] == "tanaka"


async def test_a_botnet_guessing_one_login_locks_out_only_its_own_addresses(app) -> None:
    bots = [f"10.0.0.{n}" for n in range(1, 26)]
    first = [(await tries(app, bot, "tanaka", "botnet-guess-1", 1))[0] for bot in bots]
    assert first == [401] * 25  # one guess each: no address reached its own limit
    # The login has now seen 25 failures: an address that failed it LOGIN_BLOCK_AFTER times is refused,
    # even the right password…
    assert await tries(app, bots[0], "tanaka", "botnet-guess-2", 3) == [401, 401, 429]
    assert await tries(app, bots[0], "tanaka", PASSWORD, 1) == [429]
    # …a new one gets that many guesses…
    assert await tries(app, "10.0.1.1", "tanaka", "botnet-guess-3", 4) == [401, 401, 401, 429]
    # …and the user, whose address never failed, signs in.
    assert await tries(app, USER, "tanaka", PASSWORD, 1) == [303]


async def test_a_user_who_mistypes_twice_during_an_attack_still_gets_in(app) -> None:
    """The red team's lockout: one typo of the real operator's during an attack refused them the right
    password for an hour."""
    for n in range(1, 22):
        await tries(app, f"10.0.0.{n}", "tanaka", "botnet-guess-1", 1)  # the login is under attack
    assert await tries(app, USER, "tanaka", "a-typo-of-mine", 2) == [401, 401]
    assert await tries(app, USER, "tanaka", PASSWORD, 1) == [303]


async def test_a_user_who_keeps_mistyping_during_an_attack_gets_in_after_a_password_reset(
    app, sessions
) -> None:
    for n in range(1, 22):
        await tries(app, f"10.0.0.{n}", "tanaka", "botnet-guess-1", 1)
    assert await tries(app, USER, "tanaka", "a-typo-of-mine", 4) == [401, 401, 401, 429]
    _, admin = await add_user(sessions, "administrator", "admin")
    async with from_address(app, "192.0.2.200") as client:
        page = (await client.get("/console/admin", headers=admin)).text
        assert re.search(r'data-user="tanaka">.*?data-blocked', page, re.S)
        async with sessions() as session:
            user = await session.scalar(select(User).where(User.login == "tanaka"))
            await service.set_password(
                session=session, user=user, password="a-new-password", actor="admin", at=utcnow()
            )
            await session.commit()
    assert await tries(app, USER, "tanaka", "a-new-password", 1) == [303]


async def test_a_flood_from_one_address_gets_429_whatever_the_logins(app) -> None:
    async with from_address(app, ATTACKER) as client:
        before = hashing.runs()
        answers = [await again(client, f"user{n:03d}", "some-password") for n in range(30)]
        checks = hashing.runs() - before
    assert [r.status_code for r in answers] == [401] * 20 + [429] * 10
    assert checks == 20
    wait = answers[-1]
    assert 0 < int(wait.headers["retry-after"]) <= 3600 and "分後にもう一度" in wait.text


async def test_unknown_logins_are_throttled_exactly_like_known_ones(app) -> None:
    known = await tries(app, "192.0.2.1", "tanaka", "wrong-password", 7)
    unknown = await tries(app, "192.0.2.2", "no-such-user", "wrong-password", 7)
    assert known == unknown == [401] * 5 + [429] * 2


async def test_x_forwarded_for_is_not_trusted_by_default(database_url: str, sessions) -> None:
    """Changing X-Forwarded-For on every request does not make one address look like many."""
    await add_user(sessions, "operator", "tanaka")
    port = free_port()
    runtime = Runtime(Settings(_env_file=None, database_url=database_url, http_port=port))
    server = runtime.web_server()
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: asyncio.sleep(0, server.started))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answers = []
            for n in range(21):
                form = {"login": f"u{n}", "password": "some-password", "login_csrf": await form_token(client)}
                spoofed = {"X-Forwarded-For": f"172.16.{n}.1"}
                answers.append(await client.post("/login", data=form, headers=spoofed))
    finally:
        server.should_exit = True
        await task
        await runtime.engine.dispose()
    assert [r.status_code for r in answers] == [401] * 20 + [429]


@contextlib.asynccontextmanager
async def dc09_receiver(sessions) -> AsyncIterator[int]:
    """The DC-09 receiver on this event loop, as `control-center serve` runs it beside the web app."""
    keys = KeyStore(sessions, SecretBox(bytes(32)))
    await keys.load()
    committer = GroupCommitter(Ingest(sessions))
    port = free_port()
    server = await Dc09Receiver(committer, keys).serve_tcp("127.0.0.1", port)
    async with background(committer.run()):
        try:
            yield port
        finally:
            server.close()


async def test_a_panel_is_answered_while_password_checks_are_under_way(app, sessions) -> None:
    """Password checks wait for (and run in) the hashing threads, not on the event loop: with every
    hashing thread taken, a burst of logins stays pending while a DC-09 alarm is stored and ACKed."""
    gate = threading.Event()
    holders = [asyncio.ensure_future(hashing.off_loop(gate.wait, 60)) for _ in range(hashing.WORKERS)]
    room = hashing.MAX_WAITING - hashing.WORKERS
    try:
        async with dc09_receiver(sessions) as port:
            clients = [from_address(app, f"10.9.{n // 250}.{n % 250 + 1}") for n in range(room + 1)]
            tokens = [await form_token(c) for c in clients]
            logins = [
                asyncio.ensure_future(attempt(c, t, "tanaka", "wrong-password"))
                for c, t in zip(clients[:room], tokens, strict=False)
            ]
            await eventually(lambda: asyncio.sleep(0, hashing.busy()))  # every login is queued
            one_more = await attempt(clients[room], tokens[room], "tanaka", PASSWORD)

            panel = Dc09Panel("127.0.0.1", port, "1001")
            (answer,) = await panel.send_tcp(panel.event("FA", 1))

            assert answer.token == "ACK" and not any(login.done() for login in logins)
            async with sessions() as session:
                assert (await session.scalar(select(Signal.event_code))) == "FA"
            assert one_more.status_code == 503 and int(one_more.headers["retry-after"]) > 0
            gate.set()
            answered = await asyncio.gather(*logins)
            assert [r.status_code for r in answered] == [401] * room
            for client in clients:
                await client.aclose()
    finally:
        gate.set()
        await asyncio.gather(*holders)
