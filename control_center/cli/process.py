"""How a command that works on the center runs as a process: its settings and logging, Ctrl-C and
SIGTERM, and its database session."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.key_check import WrongKey
from control_center.core.settings import Settings, get_settings

Handler = Callable[[argparse.Namespace], int]
CenterCommand = Callable[[Settings, argparse.Namespace], Awaitable[int]]


def center_command(
    command: CenterCommand, adjust: Callable[[Settings, argparse.Namespace], Settings] | None = None
) -> Handler:
    """The handler that runs ``command(settings, args)``: the environment's settings (``adjust``-ed),
    logging at their level, and an exit status of 0 on SIGTERM and 130 on Ctrl-C."""

    def handler(args: argparse.Namespace) -> int:
        settings = get_settings()
        if adjust is not None:
            settings = adjust(settings, args)
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        for noisy in ("amqtt", "transitions", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        try:
            return asyncio.run(_until_sigterm(command, settings, args))
        except KeyboardInterrupt:
            return 130
        except WrongKey as exc:  # refused before anything was served: say why, no traceback
            print(f"control-center: {exc}", file=sys.stderr)
            return 2

    return handler


async def _until_sigterm(command: CenterCommand, settings: Settings, args: argparse.Namespace) -> int:
    # SIGTERM (systemd, kill) stops as cleanly as Ctrl-C; uvicorn installs its own while it serves.
    task = asyncio.current_task()
    assert task is not None

    def stop() -> None:
        # While uvicorn serves, its own SIGTERM handler has already asked it to shut down gracefully
        # (the loop still hears of the signal through its wake-up fd): cancelling as well would tear
        # the web server's lifespan down mid-way, with a traceback in the log.
        if getattr(signal.getsignal(signal.SIGTERM), "__module__", "") != "asyncio.unix_events":
            return
        task.cancel()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    try:
        return await command(settings, args)
    except asyncio.CancelledError:
        return 0


@contextlib.asynccontextmanager
async def database_session(settings: Settings, *, migrate: bool = False) -> AsyncIterator[AsyncSession]:
    """One session on the center's database (``migrate``: brought to the newest schema first), its
    engine disposed afterwards: a command is a short-lived process."""
    from control_center.core.db import create_engine, session_factory
    from control_center.migrate import upgrade_async

    if migrate:
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()
