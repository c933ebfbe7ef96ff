"""``control-center`` command: demo, serve, gateway, simulate, decode, bench, drill, billing, users,
panels, broker, db."""

from __future__ import annotations

import argparse

from control_center.cli import bench, billing, broker, db, decode, demo, drill, panels, serve, simulate, users
from control_center.core import collector

# Each adds its command(s) with a handler; in the order ``--help`` lists them.
COMMANDS = (demo, serve, simulate, decode, bench, drill, billing, users, panels, broker, db)
# The processes that run for hours (and the benches and drills that measure them as they run): the
# collector set for them once they have started (not for a short command, nor a test calling ``main``).
LONG_RUNNING = {"demo", "serve", "gateway", "bench", "drill", "broker"}


def parser() -> argparse.ArgumentParser:
    commands = argparse.ArgumentParser(prog="control-center", description=__doc__)
    sub = commands.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return commands


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in LONG_RUNNING:
        collector.settle()
    return args.handler(args)
