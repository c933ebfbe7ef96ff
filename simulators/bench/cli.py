"""`control-center bench …` subcommands."""

from __future__ import annotations

import argparse
import asyncio
import json
import platform

from simulators.bench.decode import run_bench


def run_bench_command(args: argparse.Namespace) -> int:
    if args.bench_command == "decode":
        result = run_bench(args.frames)
        if args.json:
            print(json.dumps(result))
            return 0
        python = f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"
        print(f"decode bench: {result['frames']} frames per set, best of 3, {python}")
        print(f"{'set':<10} {'ours/s':>10} {'pysiaalarm/s':>13} {'ratio':>6}")
        for name, row in result["comparisons"].items():
            print(f"{name:<10} {row['ours_per_s']:>10} {row['peer_per_s']:>13} {row['ratio']:>6}")
        print(f"{'contact_id':<10} {result['contact_id_per_s']:>10} {'(no peer)':>13}")
        return 0
    if args.bench_command == "ingest":
        from simulators.bench import ingest

        result = asyncio.run(
            ingest.run(args.messages, args.panels, args.database_url, args.mqtt_url, args.batch)
        )
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"ingest bench: {result['messages']:,} messages from {result['panels']} panels, "
                f"{result['database']} + {result['broker']}"
            )
            print(f"raw broker ceiling (bare subscriber): {result['raw_per_s']:,}/s")
            print(
                f"ours (store, commit, then PUBACK):    {result['ours_per_s']:,}/s  ratio {result['ratio']}"
            )
            print(f"ack latency: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
        return 0
    if args.bench_command == "storm":
        from simulators.bench import storm

        result = storm.main(args.signals, args.database_url)
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"storm bench on {result['database']}: {result['queued_before']:,} trouble signals queued "
                f"(filled in {result['fill_seconds']} s), then a fire alarm"
            )
            print(
                f"fire: position {result['fire_queue_position']} in the operators' queue, "
                f"{result['fire_latency_ms']} ms from receipt (baseline with an empty inbox: "
                f"{result['baseline_latency_ms']} ms); the storm still queued behind it: "
                f"{result['storm_still_queued']}"
            )
        return 0
    if args.bench_command == "latency":
        from simulators.bench import latency

        result = asyncio.run(
            latency.run(args.rate, args.probes, args.interval, args.database_url, args.processes)
        )
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"latency bench: panel publish → console push, {result['probes']} probe alarms each, "
                f"{result['database']} + {result['broker']}, center in {result['processes']} process(es)"
            )
            print(
                f"baseline (no other traffic): p50 {result['baseline_p50_ms']} ms, "
                f"p99 {result['baseline_p99_ms']} ms"
            )
            print(
                f"under {result['background_per_s']:,} signals/s of background: p50 {result['p50_ms']} ms, "
                f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
            )
            st = result["stages_under_load"]
            print(
                "  of which (p50/p99): publish → stored by the gateway "
                f"{st['gateway_p50_ms']}/{st['gateway_p99_ms']} ms, → taken by the worker "
                f"{st['worker_p50_ms']}/{st['worker_p99_ms']} ms, → on the console "
                f"{st['console_p50_ms']}/{st['console_p99_ms']} ms"
            )
        return 0
    if args.bench_command == "load":
        from simulators.bench import load

        result = asyncio.run(
            load.run(args.panels, args.minutes, args.interval, args.processes, args.database_url)
        )
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"load bench: {result['connected']:,} of {result['panels']:,} panels connected, checking in "
                f"every {result['check_in_interval_s']:.0f} s for {result['minutes']} min "
                f"({result['database']})"
            )
            print(
                f"check-ins acknowledged: {result['acked']:,} ({result['acked_per_s']}/s, expected "
                f"{result['expected_per_s']}/s), ack p50 {result['ack_p50_ms']} ms, "
                f"p99 {result['ack_p99_ms']} ms; links lost: {result['links_lost']}"
            )
            for name in ("center", "broker", "generators"):
                r = result[name]
                print(
                    f"{name:<10} CPU avg {r['cpu_avg_pct']}% (max {r['cpu_max_pct']}%), "
                    f"RSS max {r['rss_max_mb']} MB"
                )
        return 0
    if args.bench_command == "dispatch":
        from simulators.bench import dispatch

        result = dispatch.run(args.responders, args.premises, args.k)
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"dispatch bench: the {result['k']} nearest of {result['responders']:,} responders for each "
                f"of {result['premises']:,} premises (index built in {result['index_build_ms']} ms)"
            )
            print(f"index (STRtree + exact ranking): p50 {result['p50_us']} µs, p99 {result['p99_us']} µs")
            print(
                f"baseline ({result['baseline']}, {result['baseline_premises']:,} premises): "
                f"p50 {result['baseline_p50_us']} µs, p99 {result['baseline_p99_us']} µs "
                f"→ {result['speedup_p50']}× at p50; answers agree"
            )
        return 0
    if args.bench_command == "fuzz":
        from simulators.bench import fuzz

        result = fuzz.run(args.inputs, args.seed)
        print(json.dumps(result) if args.json else fuzz.report(result))
        return 0 if result["exceptions"] == 0 else 1  # an exception that escapes a decoder is a bug
    return 2
