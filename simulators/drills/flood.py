"""`control-center drill flood`: a fire in the middle of a flood of valid and garbage messages.

Simulated panels in another process publish ``rate`` messages/s for ``seconds`` seconds: periodic
tests (valid) mixed with garbage (poison JSON, random bytes, bad checksums, payloads near the 16 KiB
limit; larger ones Mosquitto refuses itself, by its ``message_size_limit``). In the middle a fire
goes out from a premises of its own; its latency is from just before the publish to
the console's server-sent event naming the new incident, and the same fire is measured once before
the flood (the baseline, in the same run). At the end every message the broker acknowledged to the
panels must be stored or dead-lettered: ``lost`` is what is neither.

The center runs as the latency bench runs it (``simulators/bench/latency.py``): in one process on
SQLite, as ``control-center gateway`` + ``serve`` on PostgreSQL; the broker is a private Mosquitto.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from control_center.core.db import utcnow
from control_center.core.settings import MqttTarget
from control_center.signals.models import DeadLetter, Signal
from simulators.harness.center import ConsoleEvents, bench_center
from simulators.harness.identities import KEY_VARIABLE, panel_password
from simulators.mqtt_clients import connect
from simulators.panel import payload

FLOOD_PANELS = 40
GARBAGE_SHARE = 0.2  # of the flood's messages
FIRE_PATIENCE = 60.0  # seconds
FIRE_SENT: dict[str, tuple[str, float]] = {}  # account → its fire's message id and wall clock of publish

# What a broken or hostile panel sends: each must end as a dead letter, none may block the rest.
GARBAGE: dict[str, Any] = {
    "dict_where_string": lambda rng: b'{"msg_id":"p","device":{"x":1},"sia":{"code":"FA"}}',
    "deep_nesting": lambda rng: b'{"msg_id":' + b"[" * 5000 + b"]" * 5000 + b"}",
    "random_bytes": lambda rng: rng.randbytes(rng.randint(1, 400)),
    "bad_checksum": lambda rng: json.dumps(
        {"msg_id": uuid.uuid4().hex[:12], "contact_id": "1234 18 1130 01 001 0"}
    ).encode(),
    "not_json": lambda rng: b"ALARM! FIRE! " + rng.randbytes(16).hex().encode(),
    "just_under_the_size_limit": lambda rng: b'{"msg_id":"big","pad":"' + b"x" * 16_000 + b'"}',
}


async def _flood(
    target: MqttTarget, root: str, accounts: list[str], rate: float, seconds: float, key: str
) -> None:
    """The flooding panels (their own process), each logged in as itself with the password it derives
    from the run's ``key``: prints one JSON line with what the broker accepted."""
    rng = random.Random(os.getpid())
    per_panel = rate / len(accounts)
    sent: dict[str, float] = {"valid": 0, "garbage": 0}

    async def panel(account: str) -> None:
        identifier, password = f"flood-{uuid.uuid4().hex[:6]}-{account}", panel_password(key, account)
        async with connect(target, identifier, account, password, max_inflight_messages=100) as client:
            start, i = time.perf_counter(), 0
            topic = f"{root}/{account}/signals"
            while time.perf_counter() - start < seconds:
                i += 1
                if rng.random() < GARBAGE_SHARE:
                    body, kind = rng.choice(list(GARBAGE.values()))(rng), "garbage"
                else:
                    body, kind = payload(account, f"fl-{uuid.uuid4().hex[:12]}", 602), "valid"
                await client.publish(topic, body, qos=1)
                sent[kind] += 1  # the broker has it (PUBACK): from here on the center owns it
                delay = start + i / per_panel - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)

    started = time.perf_counter()
    await asyncio.gather(*(panel(a) for a in accounts))
    print(json.dumps(sent | {"seconds": time.perf_counter() - started}), flush=True)


async def _fire(
    target: MqttTarget,
    root: str,
    account: str,
    password: str,
    events: ConsoleEvents,
    seen: set[int],
) -> float | None:
    """Publish a fire and wait for the console's event naming a new incident: milliseconds, or None when
    it has not arrived after ``FIRE_PATIENCE`` seconds (a lost alarm, as far as the operator knows)."""
    while not events.empty():
        seen |= events.get_nowait()[1]
    async with connect(target, None, account, password) as client:
        message_id = f"fire-{uuid.uuid4().hex[:8]}"
        body = payload(account, message_id, 110)
        sent, FIRE_SENT[account] = time.perf_counter(), (message_id, time.time())
        await client.publish(f"{root}/{account}/signals", body, qos=1)
    deadline = sent + FIRE_PATIENCE
    while (left := deadline - time.perf_counter()) > 0:
        try:
            at, ids = await asyncio.wait_for(events.get(), left)
        except TimeoutError:
            break
        if ids - seen:
            seen |= ids
            return (at - sent) * 1000
    return None


async def _fire_stages(sessions: Any, account: str) -> dict[str, float | None]:
    """Where the fire's time went: publish → read by the gateway, → taken by the inbox worker."""
    message_id, sent = FIRE_SENT[account]
    async with sessions() as session:
        row = (
            await session.execute(
                select(Signal.received_at, Signal.processed_at).where(
                    Signal.account == account, Signal.message_id == message_id
                )
            )
        ).first()
    if row is None:
        return {"gateway_ms": None, "worker_ms": None}
    received, processed = row
    return {
        "gateway_ms": round((received.timestamp() - sent) * 1000, 1),
        "worker_ms": round((processed.timestamp() - received.timestamp()) * 1000, 1) if processed else None,
    }


async def _counts(sessions: Any, accounts: list[str], root: str, since: dt.datetime) -> tuple[int, int]:
    """Stored and dead-lettered of this run (a database may be kept from earlier runs)."""
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Signal)
            .where(Signal.account.in_(accounts), Signal.received_at >= since)
        )
        dead = await session.scalar(
            select(func.count()).select_from(DeadLetter).where(DeadLetter.source.like(f"{root}/%"))
        )
    return int(stored or 0), int(dead or 0)


async def run(rate: float, seconds: float, database_url: str | None) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = database_url or f"sqlite+aiosqlite:///{tmp / 'flood.sqlite3'}"
        processes = "separate" if url.startswith("postgresql") else "one"
        center = await stack.enter_async_context(bench_center("flood", url, FLOOD_PANELS + 2, processes, tmp))
        sessions, ids, events = center.sessions, center.ids, center.events
        target, root = MqttTarget(center.broker_url), center.settings.mqtt_topic_root
        accounts = [f"{1001 + n:04d}" for n in range(FLOOD_PANELS + 2)]
        flood_accounts, (baseline_account, fire_account) = accounts[:FLOOD_PANELS], accounts[FLOOD_PANELS:]
        seen: set[int] = set()
        since = utcnow()
        baseline_ms = await _fire(
            target, root, baseline_account, ids.password(baseline_account), events, seen
        )
        flood = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "simulators.drills.flood", center.broker_url, root,
            ",".join(flood_accounts), str(rate), str(seconds),
            stdout=asyncio.subprocess.PIPE,
            env=os.environ | {KEY_VARIABLE: ids.key},  # not in argv: ps shows argv to everyone
        )  # fmt: skip
        started = time.perf_counter()
        await asyncio.sleep(seconds / 2)
        fire_ms = await _fire(target, root, fire_account, ids.password(fire_account), events, seen)
        out, _ = await flood.communicate()
        sent = json.loads(out.decode().strip().splitlines()[-1])
        total = int(sent["valid"] + sent["garbage"])
        # Drain: wait until everything the broker accepted is stored or dead-lettered, or nothing moves.
        last, still = (-1, -1), time.perf_counter()
        while True:
            stored, dead = await _counts(sessions, flood_accounts, root, since)
            if stored + dead >= total or time.perf_counter() - still > 15:
                break
            if (stored, dead) != last:
                last, still = (stored, dead), time.perf_counter()
            await asyncio.sleep(0.25)
        drained_s = time.perf_counter() - started
        stages = await _fire_stages(sessions, fire_account)
    return {
        "rate_target_per_s": rate,
        "sent": total,
        "sent_valid": int(sent["valid"]),
        "sent_garbage": int(sent["garbage"]),
        "sent_per_s": round(total / sent["seconds"]),
        "stored": stored,
        "dead_lettered": dead,
        "lost": max(0, total - stored - dead),
        "fire_latency_ms": None if fire_ms is None else round(fire_ms, 1),
        "baseline_fire_latency_ms": None if baseline_ms is None else round(baseline_ms, 1),
        "drained_after_s": round(drained_s, 1),
        "fire_stages_ms": stages,
        "processes": processes,
        "database": url.split(":", 1)[0],
        "broker": "private mosquitto",
    }


def report(result: dict[str, Any]) -> str:
    fire = result["fire_latency_ms"]
    seen = f"on the console {fire} ms" if fire is not None else f"NOT on the console {FIRE_PATIENCE:.0f} s"
    return (
        f"flood drill on {result['database']}: {result['sent']:,} messages accepted by the broker "
        f"({result['sent_per_s']:,}/s, {result['sent_garbage']:,} garbage); stored {result['stored']:,}, "
        f"dead-lettered {result['dead_lettered']:,}, lost {result['lost']}\n"
        f"fire {seen} after its publish "
        f"(baseline without the flood: {result['baseline_fire_latency_ms']} ms); "
        f"all drained {result['drained_after_s']} s after the flood began"
    )


def passed(result: dict[str, Any]) -> bool:
    """Nothing lost, and the fire on the console within a second of its publish."""
    fire_ms = result["fire_latency_ms"]
    return result["lost"] == 0 and fire_ms is not None and fire_ms <= 1000


if (
    __name__ == "__main__"
):  # the flooding panels' own process: broker URL, topic root, accounts, rate, seconds
    url, root, accounts, rate, seconds = sys.argv[1:6]
    key = os.environ[KEY_VARIABLE]
    asyncio.run(_flood(MqttTarget(url), root, accounts.split(","), float(rate), float(seconds), key))
