"""Process limits a center process needs at scale: open files (one per MQTT connection, on the broker
and on each panel's side) and the listen backlog.

A panel connection costs the broker one file descriptor; past RLIMIT_NOFILE the broker's accept()
fails (EMFILE) and, on Mosquitto and amqtt alike, the connections already held start to fail with it
(issue 20: 30,000 panels on a 20,000-descriptor limit ended with none connected). So a process raises
its soft limit to the hard one at startup, and a broker takes no more connections than
``connection_capacity`` of that limit, refusing the rest cleanly.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SOMAXCONN = Path("/proc/sys/net/core/somaxconn")


@dataclass(frozen=True, slots=True)
class OpenFiles:
    soft: int  # what this process may open now
    hard: int  # what it could raise the soft limit to
    before: int  # the soft limit it started with


def _finite(limit: int) -> int:
    return 1 << 20 if limit == resource.RLIM_INFINITY else limit


def raise_open_files() -> OpenFiles:
    """Raise RLIMIT_NOFILE's soft limit to the hard limit (raising the hard one needs CAP_SYS_RESOURCE:
    systemd's LimitNOFILE=, or ``prlimit`` as root); logs what it got."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard
    if soft != target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("open files: cannot raise the soft limit %d to %d (%s)", soft, target, exc)
            target = soft
    got = OpenFiles(_finite(target), _finite(hard), _finite(soft))
    log.info(
        "open files: soft limit %d (was %d), hard %d: at most %d broker connections in one process",
        got.soft, got.before, got.hard, connection_capacity(got.soft),
    )  # fmt: skip
    return got


def connection_capacity(fd_limit: int) -> int:
    """Connections a broker may hold on ``fd_limit`` descriptors: the rest is kept for its listeners,
    log, persistence, database connections and the odd DNS lookup (2 % and 64 more)."""
    return max(1, fd_limit - 64 - fd_limit // 50)


def listen_backlog() -> int | None:
    """The kernel's cap on a listen() backlog (net.core.somaxconn), None where it cannot be read."""
    try:
        return int(SOMAXCONN.read_text())
    except (OSError, ValueError):
        return None
