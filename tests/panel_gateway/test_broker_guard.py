"""The embedded broker's door while the database is away: known panels come back, strangers do not."""

from __future__ import annotations

from panel_gateway.broker_access import Login, Role
from panel_gateway.broker_guard import BrokerGuard
from panel_gateway.broker_password import hash_password


async def test_a_panel_seen_before_logs_in_again_while_the_database_is_away() -> None:
    rows = {"1001": Login("1001", Role.PANEL, hash_password("its-password"), "1001")}
    database_up = True

    async def lookup(username: str) -> Login | None:
        if not database_up:
            raise ConnectionError("database unreachable")
        return rows.get(username)

    guard = BrokerGuard(topic_root="panels", lookup=lookup)
    assert await guard.admit("1001", "its-password") is not None

    database_up = False  # a failover: panels reconnecting now must not be locked out
    assert await guard.admit("1001", "its-password") is not None
    assert await guard.admit("1001", "a-guess") is None
    assert await guard.admit("1002", "its-password") is None  # never seen: nothing to go by


async def test_a_stranger_and_a_known_name_with_a_wrong_password_get_the_same_answer() -> None:
    async def lookup(username: str) -> Login | None:
        return (
            Login("1001", Role.PANEL, hash_password("its-password"), "1001") if username == "1001" else None
        )

    guard = BrokerGuard(topic_root="panels", lookup=lookup)
    assert await guard.admit("1001", "a-guess") is None
    assert await guard.admit("9999", "a-guess") is None
    assert await guard.admit("1001", None) is None
    assert await guard.admit(None, "its-password") is None
