"""``control-center db …``: the schema (``upgrade``), the demo's data (``seed``) and the archive of the
legal record past its retention (``archive``, ``control_center/incidents/archive.py``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from control_center.cli.process import center_command, database_session
from control_center.core.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate to the newest schema")
    seed = db_sub.add_parser("seed", help="add demo subscribers if there are none")
    seed.add_argument("--count", type=int, default=40)
    archive = db_sub.add_parser(
        "archive",
        help="archive the signals and incident events of months past the 1-year retention, then drop them",
    )
    archive.add_argument("--before", required=True, help="archive every month before this one (YYYY-MM, UTC)")
    archive.add_argument(
        "--dir", type=Path, default=None, help="where the files go (default: CC_ARCHIVE_DIR)"
    )
    archive.add_argument("--dry-run", action="store_true", help="only say which months and how many rows")
    db.set_defaults(handler=center_command(_db))


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from control_center.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    if args.db_command == "archive":
        return await _archive(settings, args)
    if args.db_command == "seed":
        from simulators.demo.seed import seed_demo

        async with database_session(settings) as session:
            created, responders = await seed_demo(session=session, settings=settings, count=args.count)
        print(f"seeded {created} subscribers, {responders} responders")
    else:
        print("database is at the newest schema")
    return 0


async def _archive(settings: Settings, args: argparse.Namespace) -> int:
    from control_center.core.db import utcnow
    from control_center.core.partitions import Month, RetentionError
    from control_center.incidents.archive import ArchiveError, archive_before

    directory = args.dir or (Path(settings.archive_dir) if settings.archive_dir else None)
    if directory is None and not args.dry_run:
        print("error: no archive directory: give --dir or set CC_ARCHIVE_DIR", file=sys.stderr)
        return 2
    try:
        before = Month.parse(args.before)
    except ValueError as exc:
        print(f"error: --before: {exc}", file=sys.stderr)
        return 2
    try:
        async with database_session(settings) as session:
            done = await archive_before(
                session, before, directory or Path("."), now=utcnow(), dry_run=args.dry_run
            )
    except (RetentionError, ArchiveError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for month in done:
        counts = ", ".join(f"{table} {rows}" for table, rows in month.rows.items())
        verb = "would archive" if args.dry_run else f"archived to {directory} and dropped"
        print(f"{month.month}: {verb} ({counts})")
    if not done:
        print(f"nothing before {before} to archive")
    return 0
