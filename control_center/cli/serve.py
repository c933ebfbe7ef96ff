"""``control-center serve`` and ``control-center gateway``: the center as deployed."""

from __future__ import annotations

import argparse

from control_center.cli.process import center_command
from control_center.core.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser(
        "serve",
        help="console, API and inbox worker (and the embedded broker + gateway if no CC_MQTT_URL is set)",
    )
    serve.set_defaults(handler=center_command(_serve))
    gateway = sub.add_parser("gateway", help="MQTT gateway only: store signals, then acknowledge them")
    gateway.set_defaults(handler=center_command(_gateway))


async def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    from control_center.runtime import serve

    await serve(settings)
    return 0


async def _gateway(settings: Settings, _args: argparse.Namespace) -> int:
    from control_center.runtime import run_gateway

    await run_gateway(settings)
    return 0
