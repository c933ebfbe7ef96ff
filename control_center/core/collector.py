"""Python's garbage collector set for a long-running process.

Once started, a process holds a few hundred thousand objects that live as long as it does (modules,
classes, SQLAlchemy's mappers and statement caches). By default every older-generation collection walks
them all again; in a storm, where each inbox group builds thousands of rows, that was a fifth of the
inbox's CPU (docs/benchmarks.md, "Storm"). Frozen, they are left out of every collection; the young
generation is collected every 10,000 allocations instead of 700 — more work each time, as much in all,
far fewer walks of the older generations.
"""

from __future__ import annotations

import gc

YOUNG = 10_000


def settle() -> None:
    """Called once the process has imported and set up what it keeps (the command line's start)."""
    gc.collect()  # what the start left behind is freed, not frozen
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG, older, oldest)
