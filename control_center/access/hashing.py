"""Slow hashes (argon2) off the event loop, a bounded number at a time, at a lower CPU priority.

argon2 costs ~50 ms of CPU and 64 MiB per call on purpose. On the event loop that also answers DC-09
panels and acknowledges MQTT, ~11 logins/s pushed the panels' ACKs from 6 ms to 0.5 s. Here every
hash and verification runs in a pool of its own threads (argon2-cffi releases the GIL), ``WORKERS``
at once, with one core left to the loop; on Linux those threads also run niced, so when the CPU is
short the loop (and the alarms) get it first. At most ``MAX_WAITING`` calls may be queued or
running: past that a request is refused with ``HashingBusy`` (the caller answers 503) instead of
piling up memory and delay behind a flood from many addresses the login throttle has not stopped yet.

A request takes its ``Place`` in the queue first, before it does any other work (the login
throttle's database writes), so that a refused request costs nothing else.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

WORKERS = max(1, (os.cpu_count() or 2) - 1)
MAX_WAITING = 16 * WORKERS
# The lowest priority: with a core to spare, hashing runs as fast as ever (the drill's checks/s did not
# drop); on a saturated machine sign-ins slow down rather than alarms (control-center drill login-flood).
NICENESS = 19


def _lower_priority() -> None:
    # Linux keeps a nice value per thread; argon2's own lane threads inherit it from this one.
    if sys.platform == "linux":
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="argon2", initializer=_lower_priority)
_lock = threading.Lock()
_pending = 0  # places taken and not given back (all event loops of the process)
_runs = 0  # slow hashes actually computed since start: what a test counts, and what a flood costs


class HashingBusy(Exception):
    """Too many password checks are waiting already: try again in a moment."""


def busy() -> bool:
    """Whether a new place would be refused now."""
    return _pending >= MAX_WAITING


def runs() -> int:
    """How many slow hashes (hashing or verifying) this process has computed."""
    return _runs


def _give_back() -> None:
    global _pending
    with _lock:
        _pending -= 1


class Place:
    """One place in the hashing queue, for one call; given back when the call ends, or by ``close``
    when it is not used."""

    def __init__(self) -> None:
        global _pending
        with _lock:
            if _pending >= MAX_WAITING:
                raise HashingBusy
            _pending += 1
        self._open = True

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args)`` in the hashing pool; its exceptions are raised here."""
        if not self._open:
            raise RuntimeError("this place in the hashing queue was used already")
        self._open = False
        try:
            future = asyncio.get_running_loop().run_in_executor(
                _pool, functools.partial(_counted, fn, *args, **kwargs)
            )
        except BaseException:
            _give_back()
            raise
        return await future  # the thread gives the place back, even if this await is cancelled

    def close(self) -> None:
        if self._open:
            self._open = False
            _give_back()


def _counted(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    global _runs
    try:
        with _lock:
            _runs += 1
        return fn(*args, **kwargs)
    finally:
        _give_back()


async def off_loop(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args)`` in the hashing pool, taking a place now (``HashingBusy`` when there is none)."""
    return await Place().run(fn, *args, **kwargs)
