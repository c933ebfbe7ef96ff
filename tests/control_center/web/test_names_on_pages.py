"""People are shown by name, not by login, where a page says who did something (issue 17)."""

from __future__ import annotations

import re

import httpx

from control_center.access import service
from control_center.access.roles import Role
from control_center.core.db import utcnow
from tests.control_center.web.test_flash_and_escaping import app  # noqa: F401
from tests.helpers import add_user


async def named_operator(app, sessions) -> httpx.AsyncClient:  # noqa: F811
    async with sessions() as session:
        user = await service.create_user(session=session, login="yamada", name="山田太郎", role=Role.OPERATOR,
                                         password="x" * 12, actor="admin", at=utcnow())  # fmt: skip
        token = await service.issue_token(session=session, user=user, label="t", actor="admin", at=utcnow())
        await session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=bearer)


async def test_the_audit_page_the_supervisor_and_the_timeline_show_names(app, sessions) -> None:  # noqa: F811
    async with await named_operator(app, sessions) as yamada:
        await yamada.post("/console/incidents/1/claim")
        timeline = (await yamada.get("/console/incidents/1")).text
    _, supervisor = await add_user(sessions, "supervisor", "chief")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=supervisor
    ) as chief:
        audit = (await chief.get("/console/audit", params={"actor": "yamada"})).text
        desk = (await chief.get("/console/supervisor")).text
    claimed = re.search(r'<tr data-event="claimed">.*?</tr>', timeline, re.S).group(0)
    assert "山田太郎" in claimed and ">yamada<" not in claimed
    cells = re.findall(r'<span title="yamada" data-login="yamada">([^<]*)</span>', audit)
    assert cells and set(cells) == {"山田太郎"}  # every row, one way: the name
    assert '<span title="yamada">山田太郎</span>' in desk
