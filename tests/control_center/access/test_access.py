"""Access control: each role's allowed and refused actions on pages and API, logins, CSRF, secrets."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from control_center.access import service
from control_center.access.headers import content_security_policy, origin_of
from control_center.access.models import User
from control_center.access.roles import Role
from control_center.access.service import LoginThrottled
from control_center.app import create_app
from control_center.core.audit import AuditEntry
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents.models import Incident
from dispatch.models import Assignment, Depot, Responder
from tests.control_center.factories import HOUSE_CODE, premises
from tests.control_center.supervisor_desk.test_supervisor import T0, alarms
from tests.helpers import PASSWORD, add_user

ROLES = ("operator", "supervisor", "responder", "billing_clerk", "administrator")


@pytest.fixture
async def app(database_url: str, sessions):
    await premises(sessions, account="7001")
    await alarms(sessions, (130, "7001"))
    return create_app(
        Settings(_env_file=None, database_url=database_url, max_request_bytes=4096), sessions, Hub()
    )


@pytest.fixture
async def as_role(app, sessions) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One API client per role, each with its user's Bearer token."""
    clients = {}
    for role in ROLES:
        _, headers = await add_user(sessions, role)
        clients[role] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
        )
    yield clients
    for client in clients.values():
        await client.aclose()


def browser(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


# (method, path, form or JSON, roles allowed)
MATRIX = [
    ("GET", "/api/incidents", None, {"operator", "supervisor"}),
    ("GET", "/console", None, {"operator", "supervisor"}),
    ("GET", "/console/incidents/1", None, {"operator", "supervisor"}),
    ("GET", "/console/subscribers", None, {"operator", "supervisor", "billing_clerk"}),
    ("GET", "/console/subscribers/1", None, {"operator", "supervisor", "billing_clerk"}),
    ("GET", "/console/supervisor", None, {"supervisor"}),
    ("GET", "/api/supervisor/figures", None, {"supervisor"}),
    ("GET", "/api/records.csv?from=2026-11-22&to=2026-11-22", None, {"supervisor"}),
    ("GET", "/console/audit", None, {"supervisor", "administrator"}),
    ("GET", "/api/audit", None, {"supervisor", "administrator"}),
    ("GET", "/console/admin", None, {"administrator"}),
    ("GET", "/api/billing/contracts/1", None, {"billing_clerk"}),  # 404 (no contract) once admitted
    ("POST", "/api/billing/cancellation-fee",
     {"json": {"start": "2021-01-21", "terminated": "2025-04-30", "monthly": 10000}}, {"billing_clerk"}),
    ("GET", "/api/me", None, set(ROLES)),
]  # fmt: skip


async def test_each_role_is_admitted_or_refused_on_pages_and_api(as_role) -> None:
    wrong = []
    for method, path, body, allowed in MATRIX:
        for role, client in as_role.items():
            response = await client.request(method, path, **(body or {}))
            admitted = response.status_code not in (401, 403)
            if admitted != (role in allowed) or response.status_code >= 500:
                wrong.append((method, path, role, response.status_code))
            if not admitted:
                assert response.status_code == 403 and "may not" in response.json()["detail"]
    assert wrong == []


async def test_refused_changes_change_nothing(as_role, sessions) -> None:
    bulk = {"services": ["A"], "reason": "storm"}
    refused = [
        await as_role["operator"].post("/console/supervisor/bulk", data=bulk),
        await as_role["billing_clerk"].post("/console/incidents/1/claim"),
        await as_role["responder"].post("/console/incidents/1/claim"),
        await as_role["administrator"].post("/console/incidents/1/claim"),
        await as_role["operator"].post(
            "/console/admin/users", data={"login": "mallory", "role": "administrator", "password": "x" * 12}
        ),
        await as_role["supervisor"].post(
            "/console/admin/dc09-keys", data={"account": "7001", "key_hex": "0" * 32}
        ),
        await as_role["billing_clerk"].post("/api/premises/1/trips", json={}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    async with sessions() as session:
        incident = await session.get(Incident, 1)
        assert (incident.closed_at, incident.claimed_by) == (None, None)
        assert await session.scalar(select(User).where(User.login == "mallory")) is None
    # The same actions by the right roles go through.
    assert (await as_role["operator"].post("/console/incidents/1/claim")).status_code == 303
    async with sessions() as session:
        assert (await session.get(Incident, 1)).claimed_by == "operator"


async def test_a_responder_sees_an_incident_only_while_assigned(as_role, sessions) -> None:
    responder = as_role["responder"]
    assert (await responder.get("/api/incidents/1")).status_code == 403
    async with sessions() as session:
        user_id = await session.scalar(select(User.id).where(User.login == "responder"))
        depot = Depot(name="栄待機所", prefecture="愛知県", lat=35.17, lon=136.9)
        me = Responder(user_id=user_id, name="対処員", depot=depot, lat=35.17, lon=136.9)
        assignment = Assignment(incident_id=1, responder=me, assigned_at=T0, assigned_by="operator")
        session.add(assignment)
        await session.commit()
    seen = await responder.get("/api/incidents/1")
    assert seen.status_code == 200 and seen.json()["account"] == "7001"
    assert (await responder.get("/api/incidents")).status_code == 403  # never the whole queue
    async with sessions() as session:
        (await session.get(Assignment, assignment.id)).ended_at = T0 + dt.timedelta(hours=1)
        await session.commit()
    assert (await responder.get("/api/incidents/1")).status_code == 403


async def test_signed_out_browsers_go_to_login_and_api_clients_get_401(app) -> None:
    async with browser(app) as client:
        page = await client.get("/console/incidents/1", headers={"accept": "text/html"})
        api = await client.get("/api/incidents")
        forged = await client.get("/api/incidents", headers={"Authorization": "Bearer cct_forged"})
        public = [await client.get(p) for p in ("/healthz", "/openapi.json", "/login")]
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/console/incidents/1"
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
    assert forged.status_code == 401
    assert [r.status_code for r in public] == [200, 200, 200]


async def login(client: httpx.AsyncClient, login_: str, password: str = PASSWORD) -> httpx.Response:
    """Through the form, as a browser does: the page sets the login's double-submit token."""
    form = (await client.get("/login")).text
    token = re.search(r'name="login_csrf" value="([^"]+)"', form).group(1)
    data = {"login": login_, "password": password, "next": "/console", "login_csrf": token}
    return await client.post("/login", data=data)


async def test_a_login_posted_from_elsewhere_is_refused(app, sessions) -> None:
    await add_user(sessions, "operator", "mori")
    async with browser(app) as client:
        forged = await client.post("/login", data={"login": "mori", "password": PASSWORD, "login_csrf": "x"})
    assert forged.status_code == 403 and "cc_session" not in forged.headers.get("set-cookie", "")


async def test_login_then_forms_need_the_csrf_token_and_logout_ends_the_session(app, sessions) -> None:
    await add_user(sessions, "operator", "sato")
    async with browser(app) as client:
        signed_in = await login(client, "sato")
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/console"
        cookie = signed_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        page = (await client.get("/console/incidents/1")).text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)

        no_token = await client.post("/console/incidents/1/claim")
        wrong = await client.post("/console/incidents/1/claim", data={"csrf_token": "0" * 64})
        assert (no_token.status_code, wrong.status_code) == (403, 403)
        async with sessions() as session:
            assert (await session.get(Incident, 1)).claimed_by is None

        assert (
            await client.post("/console/incidents/1/claim", data={"csrf_token": token})
        ).status_code == 303
        async with sessions() as session:
            assert (await session.get(Incident, 1)).claimed_by == "sato"

        stolen = client.cookies.get("cc_session")
        assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
    async with browser(app) as replay:
        replay.cookies.set("cc_session", stolen)
        assert (await replay.get("/api/incidents")).status_code == 401


async def test_five_failures_from_one_address_lock_it_out_of_that_login_for_fifteen_minutes(
    app, sessions
) -> None:
    await add_user(sessions, "operator", "tanaka")
    async with browser(app) as client:  # every request from 127.0.0.1
        failures = [(await login(client, "tanaka", "wrong-password")).status_code for _ in range(5)]
        locked = await login(client, "tanaka")  # the right password, but this address is locked out
        unknown = await login(client, "nobody")
    assert failures == [401] * 5 and locked.status_code == 429 and unknown.status_code == 401
    assert 14 * 60 < int(locked.headers["retry-after"]) <= 15 * 60 and "15分後" in locked.text
    async with sessions() as session:
        with pytest.raises(LoginThrottled) as refused:
            await service.sign_in(
                session=session, login="tanaka", password=PASSWORD, address="127.0.0.1", at=utcnow()
            )
        until = refused.value.wait.until
        principal, _ = await service.sign_in(
            session=session, login="tanaka", password=PASSWORD, address="127.0.0.1", at=until
        )
        assert principal.login == "tanaka"
        user_id = await session.scalar(select(User.id).where(User.login == "tanaka"))
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.subject.in_([f"user:{user_id}", "address:127.0.0.1"])
                )
            )
        )
    assert actions.count("login_failed") == 5 and "locked" in actions


async def test_every_change_to_a_user_is_in_the_audit_log_under_the_user(sessions) -> None:
    at = utcnow()
    async with sessions() as session:
        user = await service.create_user(
            session=session, login="Mori", name="", role=Role.OPERATOR, password=PASSWORD, actor="adm", at=at
        )
        mine = f"user:{user.id}"
        token = await service.issue_token(session=session, user=user, label="script", actor="adm", at=at)
        token_id = (await service.tokens_of(session=session))[0].id
        await service.revoke_token(session=session, token_id=token_id, actor="adm", at=at)
        await service.set_password(session=session, user=user, password=PASSWORD + "!", actor="adm", at=at)
        await service.set_active(session=session, user=user, active=False, actor="adm", at=at)
        await session.commit()
        with pytest.raises(service.LoginRefused):
            await service.sign_in(session=session, login="nobody", password="x", address="10.0.0.9", at=at)
        await session.commit()
        entries = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.subject, e.action, e.actor, e.detail) for e in entries] == [
        (mine, "create", "adm", "mori as operator"),
        (mine, "token_issued", "adm", f"token {token_id} script"),
        (mine, "token_revoked", "adm", f"token {token_id}"),
        (mine, "password", "adm", ""),
        (mine, "deactivate", "adm", ""),
        ("user:?", "login_failed", "nobody", "10.0.0.9 (inactive or unknown)"),
    ]
    assert token not in str([e.detail for e in entries])


async def test_revoked_tokens_and_deactivated_users_are_refused(app, sessions) -> None:
    _, headers = await add_user(sessions, "operator", "kato")
    async with browser(app) as client:
        assert (await client.get("/api/me", headers=headers)).json()["login"] == "kato"
        async with sessions() as session:
            user = await session.scalar(select(User).where(User.login == "kato"))
            await service.set_active(session=session, user=user, active=False, actor="admin", at=T0)
            await session.commit()
        assert (await client.get("/api/me", headers=headers)).status_code == 401
        assert (await login(client, "kato")).status_code == 401


async def test_the_administrator_manages_users_and_tokens_from_the_page(app, sessions) -> None:
    await add_user(sessions, "administrator", "root")
    async with browser(app) as client:
        await login(client, "root")
        token = re.search(
            r'name="csrf_token" value="([0-9a-f]+)"', (await client.get("/console/admin")).text
        ).group(1)
        made = await client.post(
            "/console/admin/users",
            data={
                "csrf_token": token,
                "login": "Yamada",
                "name": "山田",
                "role": "billing_clerk",
                "password": "x" * 12,
            },
        )
        short = await client.post(
            "/console/admin/users",
            data={"csrf_token": token, "login": "ito", "role": "operator", "password": "short"},
        )
        refused = (await client.get(short.headers["location"])).text
        async with sessions() as session:
            user = await session.scalar(select(User).where(User.login == "yamada"))
        issued = await client.post(
            f"/console/admin/users/{user.id}/tokens", data={"csrf_token": token, "label": "ci"}
        )
        api_token = re.search(r"<code data-token>(cct_[\w-]+)</code>", issued.text).group(1)
    assert made.status_code == 303 and 'role="alert"' in refused and "10 characters" in refused
    assert user.password_hash.startswith("$argon2id$") and "x" * 12 not in user.password_hash
    async with browser(app) as script:
        me = await script.get("/api/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.json() == {"login": "yamada", "name": "山田", "role": "billing_clerk"}
    async with sessions() as session:
        stored = list(await session.scalars(select(service.ApiToken.token_hash)))
    assert api_token not in stored  # only its hash


async def test_audit_search_finds_who_viewed_a_subscriber(as_role, sessions) -> None:
    await as_role["operator"].get("/console/incidents/1")
    await as_role["operator"].get("/api/incidents/1")
    found = await as_role["supervisor"].get(
        "/api/audit", params={"subject": "subscriber:1", "action": "view"}
    )
    none = await as_role["supervisor"].get(
        "/api/audit", params={"actor": "someone-else", "subject": "subscriber:1"}
    )
    page = await as_role["administrator"].get("/console/audit", params={"actor": "operator"})
    assert [r["actor"] for r in found.json()] == ["operator", "operator"]
    assert {r["detail"] for r in found.json()} == {"incident 1", "incident 1 (API)"}
    assert none.json() == []
    assert page.status_code == 200 and "subscriber:1" in page.text


async def test_security_headers_and_request_size_limit(as_role) -> None:
    page = await as_role["operator"].get("/console")
    api = await as_role["operator"].get("/api/incidents")
    for response in (page, api):
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    big = await as_role["operator"].post("/api/premises/1/trips", content=b"{" + b" " * 5000 + b"}",
                                         headers={"content-type": "application/json"})  # fmt: skip
    assert big.status_code == 413 and "bytes" in big.json()["detail"]


async def test_no_response_or_log_line_shows_a_house_code(as_role, sessions, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL parameters too
    try:
        operator = as_role["operator"]
        responses = [await operator.post("/console/incidents/1/claim")]
        for digits in ("999", HOUSE_CODE):  # a wrong code, then the right one
            responses.append(
                await operator.post("/console/incidents/1/verify", data={"name": "山田", "digits": digits})
            )
            responses.append(await operator.get(responses[-1].headers["location"]))
        responses += [await operator.get("/api/incidents/1"), await as_role["supervisor"].get("/api/audit")]
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    async with sessions() as session:
        incident = await session.get(Incident, 1)
        audit_text = " ".join(await session.scalars(select(AuditEntry.detail)))
        events = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert incident.verified and events > 0
    code = re.compile(rf"(?<![0-9A-Za-z]){HOUSE_CODE}(?![0-9A-Za-z])")
    for response in responses:
        assert not code.search(response.text + str(response.headers)), response.url
    assert not any(code.search(r.getMessage()) for r in caplog.records)
    assert any("verification_attempts" in r.getMessage() for r in caplog.records)  # the SQL was logged
    assert not code.search(audit_text)


@pytest.mark.parametrize(
    ("tile_url", "allowed"),
    [
        ("https://tiles.center.example:8443/{z}/{x}/{y}.png", "https://tiles.center.example:8443"),
        ("/tiles/{z}/{x}/{y}.png", None),  # served by this site: 'self' already covers it
        ("https://evil.example;script-src *;/{z}/{x}/{y}.png", None),  # no directive smuggled in
        ("javascript:alert(1)", None),
        (None, None),
    ],
)
def test_a_tile_server_is_the_only_other_image_origin(tile_url: str | None, allowed: str | None) -> None:
    policy = content_security_policy(origin_of(tile_url))
    images = next(d for d in policy.split("; ") if d.startswith("img-src"))
    assert images == f"img-src 'self' data:{' ' + allowed if allowed else ''}"
    assert "script-src 'self';" in policy and policy.count("script-src") == 1
