"""Login throttling rules (pure): which failures count where, and when an attempt must wait.

Failed logins are counted in three scopes, each with failures allowed within a window and then a
block that doubles with every further failure, up to a cap:

- **pair** (this login from this address): 5 failures, then 15 min, doubling up to 24 h. The guesser
  is locked out of that login; the user at another address is not.
- **address** (any login from this address; IPv6 by /64): 20 failures per hour, then 1 min, doubling
  up to 1 h. One address can neither flood nor sweep many logins.
- **login** (this login from every address): 20 failures per day, then 15 min, doubling up to 1 h,
  but only for addresses that already failed this login ``LOGIN_BLOCK_AFTER`` times. The user, even
  after a typo or two during an attack, still gets in; a distributed attack cannot lock them out,
  and each new attacking address gets that many guesses.

Every attempt counts as a failure *before* its password is checked, in one atomic upsert per scope,
so concurrent guesses cannot overrun a limit; a successful login takes its counts back. Unknown
logins are counted exactly like known ones, so the answers reveal nothing about which logins exist.

Electronic signing has a lock of its own (``billing/esign/service.py``), different on purpose: five
wrong secrets in a row (password, one-time code, PIN) lock a signer with no time limit, and a one-time
code is spent after five wrong tries. Its PIN guards a signing key, so a lock that expired would hand
out fresh PIN guesses without end, and a signature can wait for a call to the center; a staff login's
blocks expire because the operators of a 24-hour center must get back in without waiting for anyone.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    ADDRESS = "addr"
    LOGIN = "login"
    PAIR = "pair"


@dataclass(frozen=True, slots=True)
class Rule:
    free: int  # failures within the window before the first block
    window: dt.timedelta  # failures older than this (from the window's first one) are forgotten
    first_block: dt.timedelta
    max_block: dt.timedelta

    def block(self, failures: int) -> dt.timedelta | None:
        """How long the scope is blocked after its ``failures``-th failure (None: not yet)."""
        if failures < self.free:
            return None
        return min(self.first_block * 2 ** min(failures - self.free, 32), self.max_block)


# Under a login-wide block, an address is refused once it has failed this login this often. At 1 the
# red team locked the real operator out for an hour with a single typo of theirs during an attack.
LOGIN_BLOCK_AFTER = 3

RULES: dict[Scope, Rule] = {
    Scope.PAIR: Rule(5, dt.timedelta(hours=24), dt.timedelta(minutes=15), dt.timedelta(hours=24)),
    Scope.ADDRESS: Rule(20, dt.timedelta(hours=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)),
    Scope.LOGIN: Rule(20, dt.timedelta(hours=24), dt.timedelta(minutes=15), dt.timedelta(hours=1)),
}


def address_of(host: str | None) -> str:
    """The address a client is counted under: IPv4 as is, IPv6 by its /64 (one subscriber's network)."""
    try:
        ip = ipaddress.ip_address(host or "")
    except ValueError:
        return (host or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def keys(login: str, address: str) -> dict[Scope, str]:
    """The counter keys of one attempt (the login as normalised for sign-in; at most 64 characters)."""
    login = login.strip().lower()[:64]
    return {
        Scope.ADDRESS: f"addr:{address}",
        Scope.LOGIN: f"login:{login}",
        Scope.PAIR: f"pair:{login}|{address}",
    }


@dataclass(frozen=True, slots=True)
class Counted:
    """One scope after this attempt was counted: its failures now, and its block from before."""

    failures: int
    blocked_until: dt.datetime | None


def wait_until(counted: dict[Scope, Counted], now: dt.datetime) -> dt.datetime | None:
    """When this attempt may be retried, if it must wait; None when it may go on to the password."""
    blocks = [
        c.blocked_until
        for scope, c in counted.items()
        if c.blocked_until is not None
        and c.blocked_until > now
        # A blocked login refuses only addresses that failed it before, several times (this attempt
        # is already counted).
        and (scope is not Scope.LOGIN or counted[Scope.PAIR].failures - 1 >= LOGIN_BLOCK_AFTER)
    ]
    return max(blocks) if blocks else None


def new_blocks(counted: dict[Scope, Counted], now: dt.datetime) -> dict[Scope, dt.datetime]:
    """The blocks this attempt sets, as if it fails (a success takes them back)."""
    found = {}
    for scope, c in counted.items():
        length = RULES[scope].block(c.failures)
        if length is not None:
            found[scope] = now + length
    return found
