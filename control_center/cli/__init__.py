"""``control-center`` command: demo, serve, gateway, simulate, db."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import signal
import sys

from sqlalchemy import select

from control_center.core.settings import Settings, get_settings

DEMO_DC09_PORT = 18090


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="control-center", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run everything on the embedded defaults, with a simulated fleet")
    demo.add_argument("--port", type=int, help="HTTP port of the console (default 8000)")
    demo.add_argument("--panels", type=int, default=40, help="subscribers to seed and panels to simulate")
    demo.add_argument("--interval", type=float, default=30.0, help="mean seconds between a panel's signals")

    sub.add_parser(
        "serve",
        help="console, API and inbox worker (and the embedded broker + gateway if no CC_MQTT_URL is set)",
    )
    sub.add_parser("gateway", help="MQTT gateway only: store signals, then acknowledge them")

    sim = sub.add_parser("simulate", help="simulated panels: a fleet, or one alarm with --alarm")
    from simulators.panel import ALARMS

    sim.add_argument("--alarm", choices=sorted(ALARMS), help="send one alarm and print the account used")
    sim.add_argument("--account", help="panel account to use (default: a seeded one with that service)")
    sim.add_argument("--transport", choices=["mqtt", "dc09"], default="mqtt",
                     help="how the alarm travels: MQTT, or SIA DC-09 over TCP to the receiver")  # fmt: skip
    sim.add_argument("--panels", type=int, default=40, help="fleet size (without --alarm)")
    sim.add_argument("--interval", type=float, default=30.0, help="mean seconds between a panel's signals")

    decode = sub.add_parser(
        "decode", help="decode DC-09 frames or Contact ID messages from stdin, one per line"
    )
    decode.add_argument(
        "--json", action="store_true", help="each line is a JSON string holding the exact frame"
    )
    decode.add_argument("--key", action="append", default=[], metavar="ACCOUNT=HEX", help="a DC-09 AES key")
    decode.add_argument("--now", help="the receiver clock for the timestamp window (ISO 8601; default: now)")

    bench = sub.add_parser("bench", help="benchmarks that measure their own baseline in the same run")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True)
    bench_decode = bench_sub.add_parser("decode", help="decoder frames/s, against pysiaalarm")
    bench_decode.add_argument("--json", action="store_true", help="print one JSON object")
    bench_decode.add_argument("--frames", type=int, default=5000, help="frames per set")
    bench_ingest = bench_sub.add_parser(
        "ingest", help="signals/s through broker, gateway and commit, vs the raw broker"
    )
    bench_ingest.add_argument("--json", action="store_true", help="print one JSON object")
    bench_ingest.add_argument("--messages", type=int, default=20_000)
    bench_ingest.add_argument("--panels", type=int, default=50)
    bench_ingest.add_argument("--batch", type=int, default=200, help="gateway group-commit size")
    bench_ingest.add_argument("--database-url", help="default: a temporary SQLite file")
    bench_ingest.add_argument("--mqtt-url", help="a broker URL, or 'embedded' (default: a private Mosquitto)")
    bench_storm = bench_sub.add_parser("storm", help="100k low-priority signals queued, then a fire alarm")
    bench_storm.add_argument("--json", action="store_true", help="print one JSON object")
    bench_storm.add_argument("--signals", type=int, default=100_000)
    bench_storm.add_argument("--database-url", help="default: a temporary SQLite file")

    bench_latency = bench_sub.add_parser("latency", help="panel publish → console push, p50/p99, under load")
    bench_latency.add_argument("--json", action="store_true", help="print one JSON object")
    bench_latency.add_argument("--rate", type=float, default=1000.0, help="background signals/s")
    bench_latency.add_argument("--probes", type=int, default=100, help="probe alarms, with and without load")
    bench_latency.add_argument("--interval", type=float, default=0.2, help="seconds between probes")
    bench_latency.add_argument("--database-url", help="default: a temporary SQLite file")
    bench_latency.add_argument(
        "--processes",
        choices=("one", "separate"),
        help="the center as gateway + serve processes (default on PostgreSQL), or all in one (SQLite)",
    )
    bench_load = bench_sub.add_parser(
        "load", help="thousands of panels connected and checking in; CPU and memory"
    )
    bench_load.add_argument("--json", action="store_true", help="print one JSON object")
    bench_load.add_argument("--panels", type=int, default=10_000)
    bench_load.add_argument("--minutes", type=float, default=5.0, help="how long the panels keep checking in")
    bench_load.add_argument(
        "--interval", type=float, default=60.0, help="seconds between a panel's check-ins"
    )
    bench_load.add_argument("--processes", type=int, default=4, help="load-generating processes")
    bench_load.add_argument("--database-url", help="default: a temporary SQLite file")
    bench_dispatch = bench_sub.add_parser(
        "dispatch", help="rank the nearest responders: index vs brute force"
    )
    bench_dispatch.add_argument("--json", action="store_true", help="print one JSON object")
    bench_dispatch.add_argument("--responders", type=int, default=10_000)
    bench_dispatch.add_argument("--premises", type=int, default=100_000)
    bench_dispatch.add_argument("--k", type=int, default=5, help="candidates ranked per premises")
    bench_fuzz = bench_sub.add_parser("fuzz", help="mutated inputs through every decoder, uncaught errors")
    bench_fuzz.add_argument("--json", action="store_true", help="print one JSON object")
    bench_fuzz.add_argument("--inputs", type=int, default=100_000)
    bench_fuzz.add_argument("--seed", type=int, default=1, help="the same seed gives the same inputs")

    drill = sub.add_parser("drill", help="fault drills: sent / stored / duplicates / lost")
    drill_sub = drill.add_subparsers(dest="drill_command", required=True)
    pg_stop = drill_sub.add_parser(
        "postgres-stop", help="a private PostgreSQL stops mid-stream, then returns"
    )
    pg_stop.add_argument("--seconds", type=float, default=10.0, help="how long the database is down")
    gw_kill = drill_sub.add_parser("gateway-kill", help="the gateway process is killed (SIGKILL) mid-stream")
    restart = drill_sub.add_parser("broker-restart", help="the broker stops mid-stream and starts again")
    for each in (gw_kill, restart):
        each.add_argument("--database-url", help="default: a temporary SQLite file")
    flood = drill_sub.add_parser(
        "flood",
        help="a fire in the middle of a flood of valid and garbage messages: its latency, nothing lost",
    )
    flood.add_argument("--rate", type=float, default=10_000.0, help="flood messages per second")
    flood.add_argument("--seconds", type=float, default=10.0, help="how long the flood lasts")
    flood.add_argument("--database-url", help="default: a temporary SQLite file")
    flood.add_argument("--json", action="store_true", help="print one JSON object")
    login_flood = drill_sub.add_parser(
        "login-flood", help="DC-09 ACK latency while wrong passwords flood the console, vs without"
    )
    login_flood.add_argument("--rate", type=float, default=100.0, help="login attempts per second in all")
    login_flood.add_argument("--addresses", type=int, default=64, help="client addresses (127.0.x.y)")
    login_flood.add_argument("--probes", type=int, default=200, help="DC-09 events, with and without flood")
    login_flood.add_argument("--interval", type=float, default=0.05, help="seconds between DC-09 events")
    login_flood.add_argument("--database-url", help="default: a temporary SQLite file")
    login_flood.add_argument("--json", action="store_true", help="print one JSON object")
    for each in (pg_stop, gw_kill, restart):
        each.add_argument("--messages", type=int, default=300)
        each.add_argument("--rate", type=float, default=20.0, help="signals per second")
        each.add_argument("--json", action="store_true", help="print one JSON object")

    from control_center.cli.billing import add_parser as add_billing
    from control_center.cli.broker import add_parsers as add_panel_identities
    from control_center.cli.users import add_parser as add_users

    add_billing(sub)
    add_users(sub)
    add_panel_identities(sub)  # panels credentials, broker mosquitto-config
    from control_center.cli.dc09_key import add_parser as add_dc09_key

    add_dc09_key(sub.choices["panels"])  # panels dc09-key: a DC-09 key and its plain-frame window

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the newest schema")
    seed = db_sub.add_parser("seed", help="add demo subscribers if there are none")
    seed.add_argument("--count", type=int, default=40)

    args = parser.parse_args(argv)
    if args.command == "decode":
        from control_center.cli.decode import run_decode

        return run_decode(args.key, args.now, args.json, sys.stdin, sys.stdout)
    if args.command == "billing" and args.billing_command != "run":
        from control_center.cli.billing import run_calculator

        return run_calculator(args)
    if args.command == "drill":
        from simulators.bench import drills

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        for expected in ("mqtt", "asyncio"):  # the simulated panels losing their broker, on purpose
            logging.getLogger(expected).setLevel(logging.CRITICAL)
        if args.drill_command == "flood":
            logging.getLogger("panel_gateway.ingest").setLevel(logging.ERROR)  # its garbage, on purpose
            return _flood_drill(args)
        if args.drill_command == "login-flood":
            return _login_flood_drill(args)
        if args.drill_command == "postgres-stop":
            result = asyncio.run(drills.postgres_stop(args.seconds, args.messages, args.rate))
        else:
            drill = drills.DRILLS[args.drill_command]
            result = asyncio.run(drill(args.messages, args.rate, args.database_url))
        if args.json:
            print(json.dumps(drills.report(result)))
        else:
            print(
                f"{result.drill}: sent {result.sent}, stored {result.stored}, "
                f"duplicates {result.duplicates}, lost {result.lost} "
                f"({'passed' if result.passed else 'FAILED'}, {result.seconds} s)"
            )
        return 0 if result.passed else 1
    if args.command == "bench":
        from simulators.bench.cli import run_bench_command

        return run_bench_command(args)
    settings = get_settings()
    if args.command == "demo":
        # The demo shows every transport: DC-09 on its own port unless one is configured.
        settings = settings.model_copy(
            update={
                "http_port": args.port or settings.http_port,
                "dc09_port": settings.dc09_port or DEMO_DC09_PORT,
            }
        )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("amqtt", "transitions", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(_dispatch(args, settings))
    except KeyboardInterrupt:
        return 130


def _flood_drill(args: argparse.Namespace) -> int:
    from simulators.bench import flood

    result = asyncio.run(flood.run(args.rate, args.seconds, args.database_url))
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"flood drill on {result['database']}: {result['sent']:,} messages accepted by the broker "
            f"({result['sent_per_s']:,}/s, {result['sent_garbage']:,} garbage); stored {result['stored']:,}, "
            f"dead-lettered {result['dead_lettered']:,}, lost {result['lost']}"
        )
        fire = result["fire_latency_ms"]
        seen = (
            f"on the console {fire} ms"
            if fire is not None
            else f"NOT on the console {flood.FIRE_PATIENCE:.0f} s"
        )
        print(
            f"fire {seen} after its publish "
            f"(baseline without the flood: {result['baseline_fire_latency_ms']} ms); "
            f"all drained {result['drained_after_s']} s after the flood began"
        )
    fire_ms = result["fire_latency_ms"]
    return 0 if result["lost"] == 0 and fire_ms is not None and fire_ms <= 1000 else 1


def _login_flood_drill(args: argparse.Namespace) -> int:
    from simulators.bench import login_flood

    result = asyncio.run(
        login_flood.run(args.rate, args.addresses, args.probes, args.interval, args.database_url)
    )
    if args.json:
        print(json.dumps(result))
    else:
        base, flood = result["baseline"], result["flood"]
        print(
            f"login-flood drill on {result['database']}: {result['login_attempts_per_s']} login attempts/s "
            f"from {result['addresses']} addresses, answers {result['answers']}"
        )
        print(
            f"DC-09 connect→ACK over {result['probes']} events: p50 {flood['p50_ms']} ms, "
            f"p99 {flood['p99_ms']} ms, max {flood['max_ms']} ms under the flood; "
            f"baseline p50 {base['p50_ms']} ms, p99 {base['p99_ms']} ms, max {base['max_ms']} ms"
        )
    return 0 if result["flood"]["p99_ms"] < 50 else 1


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    # SIGTERM (systemd, kill) stops as cleanly as Ctrl-C; uvicorn installs its own while it serves.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await _run_command(args, settings)
    except asyncio.CancelledError:
        return 0


async def _run_command(args: argparse.Namespace, settings: Settings) -> int:
    match args.command:
        case "demo":
            return await _demo(settings, args.panels, args.interval)
        case "serve":
            return await _serve(settings)
        case "gateway":
            return await _gateway(settings)
        case "simulate":
            return await _simulate(settings, args)
        case "db":
            return await _db(settings, args)
        case "billing":
            return await _billing_run(settings, args.on)
        case "users":
            from control_center.cli.users import run as run_users

            return await run_users(settings, args)
        case "panels" if args.panels_command == "dc09-key":
            from control_center.cli.dc09_key import run as run_dc09_key

            return await run_dc09_key(settings, args)
        case "panels" | "broker":
            from control_center.cli.broker import run as run_panel_identities

            return await run_panel_identities(settings, args)
    return 2


async def _demo(settings: Settings, panels: int, interval: float) -> int:
    from sqlalchemy import select

    from control_center.access.models import User
    from control_center.core.db import utcnow
    from control_center.core.secret_box import SecretBox
    from control_center.runtime import Runtime
    from control_center.subscribers.house_code import key_for
    from simulators import credentials
    from simulators.demo.responders import seed_dispatch
    from simulators.demo.subscribers import plan, seed
    from simulators.demo.users import ensure_demo_users
    from simulators.fleet import run_fleet
    from simulators.households import Households
    from simulators.responders import run_responders

    households = Households({}, set())
    runtime = Runtime(settings, households.answer_for)
    await runtime.prepare()
    async with runtime.sessions() as session:
        await seed(session=session, count=panels, key=key_for(settings))
        known = await Households.from_database(session, panels)
        households.codes, households.contacts = known.codes, known.contacts
        logins, token = await ensure_demo_users(session=session, at=utcnow())
        responder_user = await session.scalar(select(User.id).where(User.login == "responder"))
        await seed_dispatch(session=session, settings=settings, at=utcnow(), responder_user_id=responder_user)
        # The simulated panels log in like real ones, with credentials the center issued.
        fleet = await credentials.commission(
            session=session, box=SecretBox.from_settings(settings), accounts=[p.account for p in plan(panels)]
        )
    server = runtime.web_server()

    async def announce() -> None:
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.05)
        await runtime.gateway.ready.wait()
        print(f"Console: {settings.base_url}/login", flush=True)
        for login in logins:
            print(f"  login {login.login:<11} password {login.password}   ({login.role})", flush=True)
        print(f"API token: {token}", flush=True)
        print(f"API:     {settings.base_url}/api/incidents", flush=True)
        print(
            f"Broker:  {settings.broker.host}:{settings.broker.port}"
            f" ({'embedded' if settings.uses_embedded_broker else 'external'})",
            flush=True,
        )
        print(f"DC-09:   {settings.dc09_host}:{settings.dc09_port} (TCP and UDP)", flush=True)
        print(f"Database: {settings.database_url}", flush=True)
        print(f"Send an alarm: {sys.argv[0]} simulate --alarm fire    (Ctrl-C stops the demo)", flush=True)

    await runtime.run(
        server.serve(),
        *runtime.gateway_loops(),
        runtime.worker.run(),
        runtime.supervision.run(),
        *await runtime.receivers(),
        run_fleet(settings, fleet, interval),
        run_responders(runtime.sessions, settings, runtime.hub.publish),
        announce(),
    )
    return 0


async def _serve(settings: Settings) -> int:
    from control_center.runtime import Runtime

    runtime = Runtime(settings)
    await runtime.prepare()
    server = runtime.web_server()
    background = [runtime.worker.run(), runtime.supervision.run(), *await runtime.receivers()]
    if settings.uses_embedded_broker:
        background.extend(runtime.gateway_loops())
    await runtime.run(server.serve(), *background)
    return 0


async def _gateway(settings: Settings) -> int:
    from control_center.core.bus import Bus
    from control_center.core.db import create_engine, session_factory
    from control_center.core.hub import Hub
    from panel_gateway.heartbeat import Heartbeat
    from panel_gateway.ingest import Ingest
    from panel_gateway.transports.mqtt import MqttGateway

    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    bus = Bus(settings.database_url, Hub())  # wakes the inbox workers of the serve processes
    gateway = MqttGateway(settings, Ingest(sessions, on_stored=bus.signals_stored))
    # Its state for the watchdogs of the serve processes, which cannot see this one's memory.
    heartbeat = Heartbeat(sessions, gateway, settings.mqtt_client_id, settings.gateway_heartbeat_seconds)
    try:
        # A task group, not gather: on SIGTERM it waits for every loop to finish, so the heartbeat
        # can still record "stopped" before the engine is disposed.
        async with asyncio.TaskGroup() as loops:
            for loop in (gateway.run(), heartbeat.run(), bus.run()):
                loops.create_task(loop)
    finally:
        await engine.dispose()
    return 0


async def _pick_account(settings: Settings, alarm: str) -> str | None:
    from control_center.core.db import create_engine, session_factory
    from control_center.subscribers.models import PanelAccount, PremisesService
    from simulators.panel import ALARM_SERVICE

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            accounts = list(
                await session.scalars(
                    select(PanelAccount.account)
                    .join(PremisesService, PremisesService.premises_id == PanelAccount.premises_id)
                    .where(PremisesService.service_type == ALARM_SERVICE[alarm])
                )
            )
    finally:
        await engine.dispose()
    return random.choice(accounts) if accounts else None


async def _simulate(settings: Settings, args: argparse.Namespace) -> int:
    import aiomqtt

    from simulators.panel import SimulatedPanel

    if args.alarm:
        account = args.account or await _pick_account(settings, args.alarm)
        if account is None:
            print(f"no seeded panel subscribes to {args.alarm}; give --account", file=sys.stderr)
            return 2
        if args.transport == "dc09":
            return await _simulate_dc09(settings, account, args.alarm)
        password = (await _simulated_panels(settings, [account])).get(account)
        if password is None:
            print(
                f"account {account} is not a simulated MQTT panel (none, another transport, or credentials"
                " issued by `control-center panels credentials`); give another --account",
                file=sys.stderr,
            )
            return 2
        try:
            # On a broker that enforces identities the client id is the user name: this takes the fleet
            # panel's session over for a moment, and that panel reconnects.
            async with SimulatedPanel(
                settings, account, client_id=f"panel-{account}-cli", password=password
            ) as panel:
                message_id = await panel.alarm(args.alarm)
        except aiomqtt.MqttError as exc:
            target = settings.broker
            print(f"cannot reach the broker at {target.host}:{target.port}: {exc}", file=sys.stderr)
            return 1
        print(f"account {account}: {args.alarm} alarm sent (msg_id {message_id})")
        return 0

    from simulators.demo.subscribers import plan
    from simulators.fleet import run_fleet

    accounts = [args.account] if args.account else [p.account for p in plan(args.panels)]
    fleet = await _simulated_panels(settings, accounts)
    if not fleet:
        print(
            "none of these accounts is a simulated MQTT panel (seed them: control-center db seed)",
            file=sys.stderr,
        )
        return 2
    with contextlib.suppress(asyncio.CancelledError):
        await run_fleet(settings, fleet, args.interval)
    return 0


async def _simulated_panels(settings: Settings, accounts: list[str]) -> dict[str, str]:
    """The simulated panels' MQTT passwords; those without credentials are commissioned first."""
    from control_center.core.db import create_engine, session_factory
    from control_center.core.secret_box import SecretBox
    from simulators import credentials

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            box = SecretBox.from_settings(settings)
            return await credentials.commission(session=session, box=box, accounts=accounts)
    finally:
        await engine.dispose()


async def _simulate_dc09(settings: Settings, account: str, alarm: str) -> int:
    from panel_gateway.protocols.contact_id import Qualifier
    from simulators.dc09_panel import Dc09Panel
    from simulators.panel import ALARMS

    port = settings.dc09_port or DEMO_DC09_PORT
    code, _device = ALARMS[alarm]
    from control_center.cli.dc09_key import key_of

    panel = Dc09Panel(settings.dc09_host, port, account, key=await key_of(settings, account))
    frame = panel.frame(f"#{account}|{Qualifier.NEW.value}{code:03d} 01 001", token="ADM-CID")
    try:
        (answer,) = await panel.send_tcp(frame)
    except OSError as exc:
        print(f"cannot reach the DC-09 receiver at {settings.dc09_host}:{port}: {exc}", file=sys.stderr)
        return 1
    token = getattr(answer, "token", None)
    print(f"account {account}: {alarm} alarm sent over DC-09, receiver answered {token or answer}")
    return 0 if token == "ACK" else 1


async def _billing_run(settings: Settings, on: object) -> int:
    from billing.scheduler import billing_run

    created = await billing_run(settings.database_url, on)
    print(f"{len(created)} invoice(s) issued")
    return 0


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from control_center.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    if args.db_command == "seed":
        from control_center.core.db import create_engine, session_factory, utcnow
        from control_center.subscribers.house_code import key_for
        from simulators.demo.responders import seed_dispatch
        from simulators.demo.subscribers import seed

        engine = create_engine(settings.database_url)
        async with session_factory(engine)() as session:
            created = await seed(session=session, count=args.count, key=key_for(settings))
            responders = await seed_dispatch(session=session, settings=settings, at=utcnow())
        await engine.dispose()
        print(f"seeded {created} subscribers, {responders} responders")
    else:
        print("database is at the newest schema")
    return 0
