"""Whether a failure is the database's state (retry as it is) or the data's (retrying cannot help)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes that say the database is unwell, not that a row is bad: connection, transaction
# rollback (deadlock, serialization), insufficient resources, object not in prerequisite state (a lock
# not available within lock_timeout), operator intervention, system error.
_AWAY_SQLSTATES = frozenset({"08", "40", "53", "55", "57", "58"})
# And single codes of other classes that a failover produces: a connection kept to a node that was
# just demoted to a standby refuses writes (25006 read_only_sql_transaction) until it is replaced.
_AWAY_CODES = frozenset({"25006"})


def database_away(exc: BaseException) -> bool:
    """Whether a failed statement or commit is the database's state (retry as it is), not the data's."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)  # PostgreSQL's verdict, when there is one
        if isinstance(sqlstate, str) and len(sqlstate) == 5:
            return sqlstate[:2] in _AWAY_SQLSTATES or sqlstate in _AWAY_CODES
        return isinstance(exc, OperationalError | InterfaceError)  # e.g. SQLite's "database is locked"
    return isinstance(exc, OSError | PoolTimeout | DisconnectionError)
