"""``control-center db …``: the schema (``upgrade``) and the demo's data (``seed``)."""

from __future__ import annotations

import argparse

from control_center.cli.process import center_command, database_session
from control_center.core.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the newest schema")
    seed = db_sub.add_parser("seed", help="add demo subscribers if there are none")
    seed.add_argument("--count", type=int, default=40)
    db.set_defaults(handler=center_command(_db))


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from control_center.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    if args.db_command == "seed":
        from simulators.demo.seed import seed_demo

        async with database_session(settings) as session:
            created, responders = await seed_demo(session=session, settings=settings, count=args.count)
        print(f"seeded {created} subscribers, {responders} responders")
    else:
        print("database is at the newest schema")
    return 0
