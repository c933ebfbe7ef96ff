"""What a PostgreSQL failover throws at the gateway is the database being away: the batch is kept,
unacknowledged, and retried until the new primary takes it (never dead-lettered, never acknowledged)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError

from panel_gateway.ingest import database_away


@pytest.mark.parametrize(
    "error",
    [
        # A pooled connection to the old primary, which pg_auto_failover demoted to a standby.
        pytest.param(InternalError("INSERT", {}, psycopg.errors.ReadOnlySqlTransaction()), id="read-only"),
        # The old primary shut down fast by its keeper while our statement ran.
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.AdminShutdown()), id="admin-shutdown"),
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.CrashShutdown()), id="crash-shutdown"),
        # kill -9 of the primary: the socket closes under the statement.
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.ConnectionFailure()), id="conn-failure"),
        # No node is writable yet (target_session_attrs=read-write during the promotion): no SQLSTATE.
        pytest.param(
            OperationalError("connect", {}, psycopg.OperationalError("no server is read-write")),
            id="no-primary-yet",
        ),
        # The new primary still in recovery for a moment.
        pytest.param(OperationalError("INSERT", {}, psycopg.errors.CannotConnectNow()), id="starting-up"),
    ],
)
def test_a_failovers_errors_get_the_batch_retried(error: Exception) -> None:
    assert database_away(error)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(InternalError("INSERT", {}, psycopg.errors.InFailedSqlTransaction()), id="failed-txn"),
        pytest.param(ProgrammingError("INSERT", {}, psycopg.errors.UndefinedColumn()), id="bug"),
    ],
)
def test_other_errors_of_the_same_classes_are_not_mistaken_for_a_failover(error: Exception) -> None:
    """Only the read-only refusal of class 25 is a failover; a failed transaction is a bug to see."""
    assert not database_away(error)
