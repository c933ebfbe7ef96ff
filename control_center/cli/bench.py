"""``control-center bench …``: benchmarks that measure their own baseline in the same run
(``simulators/bench/``); each prints its figures, or one JSON object with ``--json``."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from typing import Any

DATABASE_URL = "default: a temporary SQLite file"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    bench = sub.add_parser("bench", help="benchmarks that measure their own baseline in the same run")
    benches = bench.add_subparsers(dest="bench_command", required=True)

    def add(name: str, summary: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = benches.add_parser(name, help=summary)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.set_defaults(handler=run)
        return parser

    decode = add("decode", "decoder frames/s, against pysiaalarm", _decode)
    decode.add_argument("--frames", type=int, default=5000, help="frames per set")
    ingest = add("ingest", "signals/s through broker, gateway and commit, vs the raw broker", _ingest)
    ingest.add_argument("--messages", type=int, default=20_000)
    ingest.add_argument("--panels", type=int, default=50)
    ingest.add_argument("--batch", type=int, default=200, help="gateway group-commit size")
    ingest.add_argument("--database-url", help=DATABASE_URL)
    ingest.add_argument("--mqtt-url", help="a broker URL, or 'embedded' (default: a private Mosquitto)")
    guard = add("guard", "short benches held against their own baselines; exit 1 on a regression", _guard)
    guard.add_argument("--database-url", help=DATABASE_URL)
    storm = add("storm", "100k low-priority signals queued, then a fire alarm", _storm)
    storm.add_argument("--signals", type=int, default=100_000)
    storm.add_argument("--database-url", help=DATABASE_URL)
    latency = add("latency", "panel publish → console push, p50/p99, under load", _latency)
    latency.add_argument("--rate", type=float, default=1000.0, help="background signals/s")
    latency.add_argument("--probes", type=int, default=100, help="probe alarms, with and without load")
    latency.add_argument("--interval", type=float, default=0.2, help="seconds between probes")
    latency.add_argument("--database-url", help=DATABASE_URL)
    latency.add_argument(
        "--processes",
        choices=("one", "separate"),
        help="the center as gateway + serve processes (default on PostgreSQL), or all in one (SQLite)",
    )
    load = add("load", "a fleet of MQTT and DC-09 UDP panels live; supervision exact, CPU and memory", _load)
    load.add_argument("--panels", type=int, default=10_000, help="in all (default mix: MQTT up to the limit)")
    load.add_argument("--mqtt", type=int, help="panels on persistent MQTT connections")
    load.add_argument("--udp", type=int, help="panels polling over DC-09 UDP")
    load.add_argument("--minutes", type=float, default=5.0, help="how long the panels keep checking in")
    load.add_argument("--interval", type=float, default=90.0, help="seconds between a panel's check-ins")
    load.add_argument("--processes", type=int, default=4, help="MQTT load-generating processes (at most)")
    load.add_argument(
        "--max-connections", type=int, help="the broker's limit (default: from the open-file limit)"
    )
    load.add_argument(
        "--silence-every", type=int, default=200, help="every n-th panel falls silent (0: none)"
    )
    load.add_argument("--sweep-seconds", type=float, default=5.0, help="how often supervision sweeps")
    load.add_argument("--database-url", help=DATABASE_URL)
    dispatch = add("dispatch", "rank the nearest responders: index vs brute force", _dispatch)
    dispatch.add_argument("--responders", type=int, default=10_000)
    dispatch.add_argument("--premises", type=int, default=100_000)
    dispatch.add_argument("--k", type=int, default=5, help="candidates ranked per premises")
    fuzz = add("fuzz", "mutated inputs through every decoder, uncaught errors", _fuzz)
    fuzz.add_argument("--inputs", type=int, default=100_000)
    fuzz.add_argument("--seed", type=int, default=1, help="the same seed gives the same inputs")
    supervision = add("supervision", "false overdue per 10,000 path-days on a simulated fleet", _supervision)
    supervision.add_argument("--paths", type=int, default=4000)
    supervision.add_argument("--days", type=float, default=30.0)
    supervision.add_argument("--seed", type=int, default=1, help="the same seed gives the same fleet")
    supervision.add_argument("--sweep-seconds", type=float, default=5.0, help="how often the sweep runs")


def _show(args: argparse.Namespace, result: dict[str, Any], report: Callable[[dict[str, Any]], str]) -> int:
    print(json.dumps(result) if args.json else report(result))
    return 0


def _decode(args: argparse.Namespace) -> int:
    from simulators.bench import decode

    return _show(args, decode.run_bench(args.frames), decode.report)


def _ingest(args: argparse.Namespace) -> int:
    from simulators.bench import ingest

    run = ingest.run(args.messages, args.panels, args.database_url, args.mqtt_url, args.batch)
    return _show(args, asyncio.run(run), ingest.report)


def _guard(args: argparse.Namespace) -> int:
    from simulators.bench import guard

    result = guard.main(args.database_url)
    _show(args, result, guard.report)
    return 0 if result["passed"] else 1


def _storm(args: argparse.Namespace) -> int:
    from simulators.bench import storm

    return _show(args, storm.main(args.signals, args.database_url), storm.report)


def _latency(args: argparse.Namespace) -> int:
    from simulators.bench import latency

    run = latency.run(args.rate, args.probes, args.interval, args.database_url, args.processes)
    return _show(args, asyncio.run(run), latency.report)


def _load(args: argparse.Namespace) -> int:
    from simulators.bench import load

    run = load.run(
        args.panels, args.minutes, args.interval, args.processes, args.database_url,
        mqtt=args.mqtt, udp=args.udp, max_connections=args.max_connections,
        silence_every=args.silence_every, sweep_seconds=args.sweep_seconds,
    )  # fmt: skip
    return _show(args, asyncio.run(run), load.report)


def _dispatch(args: argparse.Namespace) -> int:
    from simulators.bench import dispatch

    return _show(args, dispatch.run(args.responders, args.premises, args.k), dispatch.report)


def _fuzz(args: argparse.Namespace) -> int:
    from simulators.bench import fuzz

    result = fuzz.run(args.inputs, args.seed)
    _show(args, result, fuzz.report)
    return 0 if result["exceptions"] == 0 else 1  # an exception that escapes a decoder is a bug


def _supervision(args: argparse.Namespace) -> int:
    from simulators.bench import supervision

    result = supervision.run(args.paths, args.days, args.seed, args.sweep_seconds)
    return _show(args, result, supervision.report)
