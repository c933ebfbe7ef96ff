"""``control-center simulate``: a fleet of simulated panels, or one alarm with ``--alarm``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from control_center.cli.process import center_command, database_session
from control_center.core.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from simulators.panel import ALARMS

    sim = sub.add_parser("simulate", help="simulated panels: a fleet, or one alarm with --alarm")
    sim.add_argument("--alarm", choices=sorted(ALARMS), help="send one alarm and print the account used")
    sim.add_argument("--account", help="panel account to use (default: a seeded one with that service)")
    sim.add_argument("--transport", choices=["mqtt", "dc09"], default="mqtt",
                     help="how the alarm travels: MQTT, or SIA DC-09 over TCP to the receiver")  # fmt: skip
    sim.add_argument("--panels", type=int, default=40, help="fleet size (without --alarm)")
    sim.add_argument("--interval", type=float, default=30.0, help="mean seconds between a panel's signals")
    sim.set_defaults(handler=center_command(_simulate))


async def _simulate(settings: Settings, args: argparse.Namespace) -> int:
    return await (_alarm(settings, args) if args.alarm else _fleet(settings, args))


async def _alarm(settings: Settings, args: argparse.Namespace) -> int:
    import aiomqtt

    from simulators import alarm, credentials

    async with database_session(settings) as session:
        account = args.account or await alarm.pick_account(session, args.alarm)
        if account is None:
            print(f"no seeded panel subscribes to {args.alarm}; give --account", file=sys.stderr)
            return 2
        if args.transport == "dc09":
            key = await alarm.dc09_key(session, settings, account)
        else:
            passwords = await credentials.commission(session=session, settings=settings, accounts=[account])
    if args.transport == "dc09":
        try:
            answer = await alarm.send_dc09(settings, account, args.alarm, key)
        except OSError as exc:
            where = f"{settings.dc09_host}:{alarm.dc09_port(settings)}"
            print(f"cannot reach the DC-09 receiver at {where}: {exc}", file=sys.stderr)
            return 1
        token = getattr(answer, "token", None)
        print(f"account {account}: {args.alarm} alarm sent over DC-09, receiver answered {token or answer}")
        return 0 if token == "ACK" else 1
    if account not in passwords:
        print(
            f"account {account} is not a simulated MQTT panel (none, another transport, or credentials"
            " issued by `control-center panels credentials`); give another --account",
            file=sys.stderr,
        )
        return 2
    try:
        message_id = await alarm.send_mqtt(settings, account, args.alarm, passwords[account])
    except aiomqtt.MqttError as exc:
        target = settings.broker
        print(f"cannot reach the broker at {target.host}:{target.port}: {exc}", file=sys.stderr)
        return 1
    print(f"account {account}: {args.alarm} alarm sent (msg_id {message_id})")
    return 0


async def _fleet(settings: Settings, args: argparse.Namespace) -> int:
    from simulators import credentials
    from simulators.demo.subscribers import plan
    from simulators.fleet import run_fleet

    accounts = [args.account] if args.account else [p.account for p in plan(args.panels)]
    async with database_session(settings) as session:
        fleet = await credentials.commission(session=session, settings=settings, accounts=accounts)
    if not fleet:
        print(
            "none of these accounts is a simulated MQTT panel (seed them: control-center db seed)",
            file=sys.stderr,
        )
        return 2
    with contextlib.suppress(asyncio.CancelledError):
        await run_fleet(settings, fleet, args.interval)
    return 0
