"""Loops that retry on any error must still stop when their task is cancelled.

A driver may turn the ``CancelledError`` delivered mid-query into another exception (psycopg's
pipeline raised ``AssertionError`` while ``control-center serve`` shut down); a loop catching
``Exception`` would then retry forever and the process would never exit on SIGTERM.
"""

from __future__ import annotations

import asyncio


def stop_if_cancelled() -> None:
    """Call first in an ``except Exception`` that retries: re-raises the pending cancellation."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
