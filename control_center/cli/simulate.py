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
    sim.add_argument(
        "--zone",
        type=_zone,
        default=1,
        help="with --alarm: the zone that reports (1-999, default 1), e.g. to commission it",
    )
    sim.add_argument(
        "--restore",
        action="store_true",
        help="with --alarm: send the zone's restore instead (an alarm then a restore tests it)",
    )
    sim.add_argument("--panels", type=int, default=40, help="fleet size (without --alarm)")
    sim.add_argument("--interval", type=float, default=30.0, help="mean seconds between a panel's signals")
    sim.set_defaults(handler=center_command(_simulate))


def _zone(text: str) -> int:
    from simulators.alarm import MAX_ZONE

    try:
        zone = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a zone is a number 1-{MAX_ZONE}, not {text!r}") from None
    if not 1 <= zone <= MAX_ZONE:
        raise argparse.ArgumentTypeError(f"a zone is a number 1-{MAX_ZONE}, not {zone}")
    return zone


async def _simulate(settings: Settings, args: argparse.Namespace) -> int:
    if not args.alarm and (args.restore or args.zone != 1):
        print("--zone and --restore go with --alarm (one signal of one panel)", file=sys.stderr)
        return 2
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
            answer = await alarm.send_dc09(
                settings, account, args.alarm, key, zone=args.zone, restore=args.restore
            )
        except OSError as exc:
            where = f"{settings.dc09_host}:{alarm.dc09_port(settings)}"
            print(f"cannot reach the DC-09 receiver at {where}: {exc}", file=sys.stderr)
            return 1
        token = getattr(answer, "token", None)
        print(f"account {account}: {_what(args)} sent over DC-09, receiver answered {token or answer}")
        if token == "ACK" and not args.restore:
            _hint(settings, args.alarm)
        return 0 if token == "ACK" else 1
    if account not in passwords:
        print(
            f"account {account} is not a simulated MQTT panel (none, another transport, or credentials"
            " issued by `control-center panels credentials`); give another --account",
            file=sys.stderr,
        )
        return 2
    try:
        message_id = await alarm.send_mqtt(
            settings, account, args.alarm, passwords[account], zone=args.zone, restore=args.restore
        )
    except aiomqtt.MqttError as exc:
        target = settings.broker
        print(f"cannot reach the broker at {target.host}:{target.port}: {exc}", file=sys.stderr)
        return 1
    print(f"account {account}: {_what(args)} sent (msg_id {message_id})")
    if not args.restore:
        _hint(settings, args.alarm)
    return 0


def _what(args: argparse.Namespace) -> str:
    return f"{args.alarm} {'restore' if args.restore else 'alarm'} on zone {args.zone}"


def _hint(settings: Settings, alarm_name: str) -> None:
    from simulators import alarm

    hint = alarm.links_hint(settings, alarm_name)
    if hint:
        print(hint)


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
