"""``control-center demo``: the center on its embedded defaults, seeded, with a simulated fleet."""

from __future__ import annotations

import argparse
import sys

from control_center.cli.process import center_command
from control_center.core.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser("demo", help="run everything on the embedded defaults, with a simulated fleet")
    demo.add_argument("--port", type=int, help="HTTP port of the console (default 8000)")
    demo.add_argument("--panels", type=int, default=40, help="subscribers to seed and panels to simulate")
    demo.add_argument("--interval", type=float, default=30.0, help="mean seconds between a panel's signals")
    demo.add_argument("--seed", type=int, default=1, help="how the simulated households answer (runs repeat)")
    demo.set_defaults(handler=center_command(_demo, adjust=_settings))


def _settings(settings: Settings, args: argparse.Namespace) -> Settings:
    from simulators.demo.settings import demo_settings

    return demo_settings(settings, args.port)


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from simulators.demo_center import DemoAccess, print_answer, print_text, run_demo

    def banner(access: DemoAccess) -> None:
        print(f"Console: {settings.base_url}/login", flush=True)
        for login in access.logins:
            print(f"  login {login.login:<11} password {login.password}   ({login.role})", flush=True)
        print(f"API token: {access.token}", flush=True)
        print(f"API:     {settings.base_url}/api/incidents", flush=True)
        print(
            f"Broker:  {settings.broker.host}:{settings.broker.port}"
            f" ({'embedded' if settings.uses_embedded_broker else 'external'})",
            flush=True,
        )
        print(f"DC-09:   {settings.dc09_host}:{settings.dc09_port} (TCP and UDP)", flush=True)
        print(f"Database: {settings.database_url}", flush=True)
        if settings.telephony == "simulated":
            print("Texts:   each SMS of the simulated carrier is printed here, with its link", flush=True)
        print(f"Send an alarm: {sys.argv[0]} simulate --alarm fire    (Ctrl-C stops the demo)", flush=True)

    await run_demo(
        settings,
        args.panels,
        args.interval,
        on_ready=banner,
        on_text=print_text,
        on_answer=print_answer,
        seed=args.seed,
    )
    return 0
