"""``control-center drill …``: fault drills (``simulators/drills/``); each prints what was sent,
stored, duplicated and lost (or one JSON object with ``--json``) and exits 1 when it failed."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Callable

DATABASE_URL = "default: a temporary SQLite file"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    drill = sub.add_parser("drill", help="fault drills: sent / stored / duplicates / lost")
    drills = drill.add_subparsers(dest="drill_command", required=True)
    pg_stop = drills.add_parser("postgres-stop", help="a private PostgreSQL stops mid-stream, then returns")
    pg_stop.add_argument("--seconds", type=float, default=10.0, help="how long the database is down")
    gw_kill = drills.add_parser("gateway-kill", help="the gateway process is killed (SIGKILL) mid-stream")
    restart = drills.add_parser("broker-restart", help="the broker stops mid-stream and starts again")
    for each in (gw_kill, restart):
        each.add_argument("--database-url", help=DATABASE_URL)
    for each in (pg_stop, gw_kill, restart):
        each.add_argument("--messages", type=int, default=300)
        each.add_argument("--rate", type=float, default=20.0, help="signals per second")
        each.add_argument("--json", action="store_true", help="print one JSON object")
        each.set_defaults(handler=_quietly(_fault))
    node_kill = drills.add_parser(
        "broker-node-kill",
        help="one node of a private 3-node NATS cluster (JetStream, MQTT) is killed (SIGKILL) mid-stream",
    )
    node_kill.add_argument("--messages", type=int, default=600)
    node_kill.add_argument("--rate", type=float, default=20.0, help="signals per second")
    node_kill.add_argument("--database-url", help=DATABASE_URL)
    node_kill.add_argument("--json", action="store_true", help="print one JSON object")
    node_kill.set_defaults(handler=_quietly(_broker_node_kill))
    failover = drills.add_parser(
        "db-failover",
        help="kill -9 the PostgreSQL primary (pg_auto_failover) mid-stream: takeover, nothing lost",
    )
    failover.add_argument("--messages", type=int, default=900)
    failover.add_argument("--rate", type=float, default=20.0, help="signals per second")
    failover.add_argument("--standbys", type=int, default=2, choices=(1, 2), help="standbys of the primary")
    failover.add_argument("--json", action="store_true", help="print one JSON object")
    failover.set_defaults(handler=_quietly(_db_failover))
    standby = drills.add_parser(
        "standby-check",
        help="the weekly backup test: each standby streaming, in sync, its lag; recorded (audit log)",
    )
    standby.add_argument("--database-url", help="default: CC_DATABASE_URL (the cluster's multi-host URL)")
    standby.add_argument("--standbys", type=int, default=2, help="standbys expected (default 2)")
    standby.add_argument("--max-lag", type=float, default=5.0, help="seconds of replay lag allowed")
    standby.add_argument(
        "--switchover", metavar="MONITOR_URI", help="also switch over to a standby and back (this monitor)"
    )
    standby.add_argument("--formation", default="default", help="the pg_auto_failover formation")
    standby.add_argument("--json", action="store_true", help="print one JSON object")
    standby.set_defaults(handler=_quietly(_standby_check))
    flood = drills.add_parser(
        "flood",
        help="a fire in the middle of a flood of valid and garbage messages: its latency, nothing lost",
    )
    flood.add_argument("--rate", type=float, default=10_000.0, help="flood messages per second")
    flood.add_argument("--seconds", type=float, default=10.0, help="how long the flood lasts")
    flood.add_argument("--database-url", help=DATABASE_URL)
    flood.add_argument("--json", action="store_true", help="print one JSON object")
    flood.set_defaults(handler=_quietly(_flood))
    login_flood = drills.add_parser(
        "login-flood", help="DC-09 ACK latency while wrong passwords flood the console, vs without"
    )
    login_flood.add_argument("--rate", type=float, default=100.0, help="login attempts per second in all")
    login_flood.add_argument("--addresses", type=int, default=64, help="client addresses (127.0.x.y)")
    login_flood.add_argument("--probes", type=int, default=200, help="DC-09 events, with and without flood")
    login_flood.add_argument("--interval", type=float, default=0.05, help="seconds between DC-09 events")
    login_flood.add_argument("--database-url", help=DATABASE_URL)
    login_flood.add_argument("--json", action="store_true", help="print one JSON object")
    login_flood.set_defaults(handler=_quietly(_login_flood))
    serve_kill = drills.add_parser(
        "serve-kill", help="one of two serve processes behind HAProxy is killed (SIGKILL) under a console"
    )
    serve_kill.add_argument("--database-url", help="PostgreSQL (default: a private PostgreSQL made for it)")
    serve_kill.add_argument("--messages", type=int, default=300)
    serve_kill.add_argument("--rate", type=float, default=20.0, help="signals per second")
    serve_kill.add_argument("--json", action="store_true", help="print one JSON object")
    serve_kill.set_defaults(handler=_quietly(_serve_kill))


def _quietly(drill: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Warnings and errors only, without the simulated panels' broker losses, which are on purpose."""

    def handler(args: argparse.Namespace) -> int:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        for expected in ("mqtt", "asyncio"):
            logging.getLogger(expected).setLevel(logging.CRITICAL)
        return drill(args)

    return handler


def _fault(args: argparse.Namespace) -> int:
    from simulators.drills import faults

    if args.drill_command == "postgres-stop":
        run = faults.postgres_stop(args.seconds, args.messages, args.rate)
    else:
        run = faults.DRILLS[args.drill_command](args.messages, args.rate, args.database_url)
    result = asyncio.run(run)
    print(json.dumps(faults.as_json(result)) if args.json else faults.report(result))
    return 0 if result.passed else 1


def _flood(args: argparse.Namespace) -> int:
    from simulators.drills import flood

    logging.getLogger("panel_gateway.ingest").setLevel(logging.ERROR)  # its garbage, on purpose
    result = asyncio.run(flood.run(args.rate, args.seconds, args.database_url))
    print(json.dumps(result) if args.json else flood.report(result))
    return 0 if flood.passed(result) else 1


def _login_flood(args: argparse.Namespace) -> int:
    from simulators.drills import login_flood

    run = login_flood.run(args.rate, args.addresses, args.probes, args.interval, args.database_url)
    result = asyncio.run(run)
    print(json.dumps(result) if args.json else login_flood.report(result))
    return 0 if login_flood.passed(result) else 1


def _serve_kill(args: argparse.Namespace) -> int:
    from simulators.drills import serve_kill

    result = asyncio.run(serve_kill.run(args.messages, args.rate, args.database_url))
    print(json.dumps(serve_kill.as_json(result)) if args.json else serve_kill.report(result))
    return 0 if result.passed else 1


def _broker_node_kill(args: argparse.Namespace) -> int:
    from simulators.drills import broker_node_kill

    result = asyncio.run(broker_node_kill.run(args.messages, args.rate, args.database_url))
    print(json.dumps(broker_node_kill.as_json(result)) if args.json else broker_node_kill.report(result))
    return 0 if result.passed else 1


def _db_failover(args: argparse.Namespace) -> int:
    from simulators.drills import db_failover

    logging.getLogger("panel_gateway").setLevel(logging.CRITICAL)  # its retries while no primary, on purpose
    result = asyncio.run(db_failover.run(args.messages, args.rate, args.standbys))
    print(json.dumps(result) if args.json else db_failover.report(result))
    return 0 if result["passed"] else 1


def _standby_check(args: argparse.Namespace) -> int:
    from control_center.core.db import create_engine, session_factory
    from control_center.core.settings import get_settings
    from control_center.watchdog import standby_check

    async def check() -> standby_check.Verdict:
        engine = create_engine(args.database_url or get_settings().database_url)
        try:
            return await standby_check.run(
                session_factory(engine), args.standbys, monitor_uri=args.switchover,
                formation=args.formation, max_lag_s=args.max_lag,
            )  # fmt: skip
        finally:
            await engine.dispose()

    verdict = asyncio.run(check())
    print(json.dumps(verdict.as_json()) if args.json else standby_check.report(verdict))
    return 0 if verdict.passed else 1
