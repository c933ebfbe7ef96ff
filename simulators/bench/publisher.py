"""The ingest bench's panels in a process of their own (``python -m simulators.bench.publisher``).

In the bench's own process the publishing panels took the CPU the measured gateway needed (one
Python process, one core), so the ratio measured the sharing as much as the gateway; in the field the
panels are other machines. Reads one JSON line (broker, topic root, run, panels, messages and each
panel's password), connects every panel, prints ``ready``, waits for ``go``, publishes (QoS 1, each
panel waiting for its PUBACK, as in the bench before) and prints ``sent`` once every message was
acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from control_center.core.settings import MqttTarget
from simulators.mqtt_clients import connect
from simulators.panel import payload


async def publish(spec: dict[str, Any], go: asyncio.Event, ready: asyncio.Event) -> None:
    target = MqttTarget(spec["broker"])
    root, run, per_panel = spec["root"], spec["run"], spec["per_panel"]
    connected = 0

    async def panel(account: str, password: str | None) -> None:
        nonlocal connected
        async with connect(
            target, f"bench-{run}-{account}", account, password, max_inflight_messages=20
        ) as client:
            connected += 1
            if connected == len(spec["passwords"]):
                ready.set()
            await go.wait()
            for i in range(per_panel):
                await client.publish(f"{root}/{account}/signals", payload(account, f"{run}-{i}", 602), qos=1)

    await asyncio.gather(*(panel(a, p) for a, p in spec["passwords"].items()))


async def main() -> None:
    loop = asyncio.get_running_loop()
    spec = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    go, ready = asyncio.Event(), asyncio.Event()
    publishing = asyncio.create_task(publish(spec, go, ready))
    await asyncio.wait([publishing, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED)
    if publishing.done():  # a connection failed: its error, not a hang
        publishing.result()
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    go.set()
    await publishing
    print("sent", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
