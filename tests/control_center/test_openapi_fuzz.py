"""The published OpenAPI spec, fuzzed with schemathesis: whatever a client sends, never a 5xx.

Runs on SQLite through the ASGI app in process (schemathesis drives it with Starlette's test client,
a fresh event loop per request, hence NullPool). Each operation is called with a token of a role that
may use it, so the fuzzing reaches the handlers instead of stopping at 403.
"""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from control_center.access.models import User
from control_center.app import create_app
from control_center.core.db import create_engine, session_factory, utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.migrate import upgrade_async
from simulators.demo.responders import seed_dispatch
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import alarms
from tests.helpers import add_user

ROLE_FOR = (
    ("/api/billing", "billing_clerk"),
    ("/api/supervisor", "supervisor"),
    ("/api/records", "supervisor"),
    ("/api/audit", "supervisor"),
    ("/api/responder", "responder"),
)


@pytest.fixture(scope="module")
def tokens_and_app(tmp_path_factory):
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz')}/fuzz.sqlite3"

    async def prepare() -> dict[str, dict[str, str]]:
        await upgrade_async(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        await premises(sessions, account="8001")
        await alarms(sessions, (130, "8001"))
        roles = ("operator", "supervisor", "billing_clerk", "responder")
        headers = {role: (await add_user(sessions, role))[1] for role in roles}
        async with sessions() as session:  # depots and responders, the first one signed in as "responder"
            user_id = await session.scalar(select(User.id).where(User.login == "responder"))
            await seed_dispatch(
                session=session, settings=Settings(_env_file=None), at=utcnow(), responder_user_id=user_id
            )
        await engine.dispose()
        return headers

    headers = asyncio.run(prepare())
    sessions = session_factory(create_engine(url, poolclass=NullPool))
    return headers, create_app(Settings(_env_file=None, database_url=url), sessions, Hub())


def test_no_request_gets_a_server_error(tokens_and_app) -> None:
    headers, app = tokens_and_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    server_errors: list[str] = []

    for operation in operations:
        role = next((r for prefix, r in ROLE_FOR if operation.path.startswith(prefix)), "operator")
        _fuzz(operation, headers[role], server_errors)
    assert server_errors == []


def _fuzz(operation, headers: dict[str, str], server_errors: list[str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            server_errors.append(
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"
            )

    fuzz()
