"""`control-center bench …` subcommands."""

from __future__ import annotations

import argparse
import json
import platform

from control_center.bench.decode import run_bench


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
    return 2
