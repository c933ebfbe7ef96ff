"""The outside tester's findings on the billing clerk's page and API (issue 21), on both databases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from control_center.app import create_app
from control_center.core.audit import AuditEntry
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from tests.control_center.console.test_subscriber_desk import REGISTRATION, Household, household
from tests.helpers import add_user


@pytest.fixture
async def clerk(database_url: str, sessions) -> AsyncIterator[tuple[Household, httpx.AsyncClient]]:
    home = await household(sessions)
    settings = Settings(_env_file=None, database_url=database_url, invoice_registration_number=REGISTRATION)
    app = create_app(settings, sessions, Hub())
    _, headers = await add_user(sessions, "billing_clerk")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers=headers | {"Accept-Language": "ja"},
    ) as client:
        yield home, client


def flash_of(page: str) -> str:
    return re.search(r'<p class="flash[^"]*" role="(?:status|alert)"[^>]*>([^<]*)</p>', page).group(1)


async def changes(sessions, contract_id: int) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject == f"contract:{contract_id}", AuditEntry.action == "change"
            )
        )
        return [a.detail for a in rows]


async def test_the_written_demand_is_sent_and_received_on_the_page_then_non_payment_ends_it(clerk, sessions):
    """Seed 002 重要事項 2.(6): a written demand for the unpaid fees; unpaid 20 days after the day it was
    received (the first day not counted), the company may end the contract — from receipt + 21 days."""
    home, client = clerk
    path = f"/console/subscribers/{home.subscriber_id}"
    first = home.invoice_ids[0]  # due 2026-09-30
    page = (await client.get(path)).text
    assert f'data-demand-form="{first}"' in page and 'data-termination-allowed="0"' in page
    base = f"{path}/contracts/{home.contract_id}/invoices/{first}"
    early = await client.post(f"{base}/demand", data={"sent_on": "2026-09-30"})  # not yet past due
    assert "due date" in flash_of((await client.get(early.headers["location"])).text)
    sent = await client.post(f"{base}/demand", data={"sent_on": "2026-10-05"})
    page = (await client.get(sent.headers["location"])).text
    assert "催告書を 2026-10-05 に送付" in flash_of(page)
    assert f'data-receipt-form="{first}"' in page and f'data-demand-form="{first}"' not in page
    received = await client.post(f"{base}/demand/receipt", data={"received_on": "2026-10-07"})
    page = (await client.get(received.headers["location"])).text
    assert "2026-10-28 から可能" in flash_of(page)  # 7 October + 21 days
    assert 'data-termination-allowed="1"' in page and f'data-receipt-form="{first}"' not in page

    query = {"contract": str(home.contract_id), "reason": "non_payment", "removal": "0"}
    too_soon = (await client.get(path, params=query | {"end": "2026-10-27"})).text
    assert "20 days" in too_soon and "data-preview" not in too_soon
    allowed = (await client.get(path, params=query | {"end": "2026-10-28"})).text
    assert 'data-reason="non_payment"' in allowed
    details = await changes(sessions, home.contract_id)
    assert any("sent 2026-10-05" in d for d in details) and any("received 2026-10-07" in d for d in details)


async def test_the_written_demand_through_the_api(clerk, sessions) -> None:
    """Seed 002 重要事項 2.(6), through POST /api/billing/invoices/{id}/demand and …/demand/receipt."""
    home, client = clerk
    first = home.invoice_ids[0]
    assert (await client.post(f"/api/billing/invoices/{first}/demand/receipt",
                              json={"received_on": "2026-10-07"})).status_code == 409  # fmt: skip
    sent = await client.post(f"/api/billing/invoices/{first}/demand", json={"sent_on": "2026-10-05"})
    assert sent.status_code == 201 and sent.json()["termination_allowed_from"] is None
    again = await client.post(f"/api/billing/invoices/{first}/demand", json={"sent_on": "2026-10-06"})
    assert again.status_code == 409
    before = await client.post(
        f"/api/billing/invoices/{first}/demand/receipt", json={"received_on": "2026-10-04"}
    )
    assert before.status_code == 409
    got = await client.post(
        f"/api/billing/invoices/{first}/demand/receipt", json={"received_on": "2026-10-07"}
    )
    assert got.status_code == 200 and got.json()["termination_allowed_from"] == "2026-10-28"
    assert (
        await client.post("/api/billing/invoices/999999/demand", json={"sent_on": "2026-10-05"})
    ).status_code == 404
    ending = {"terminated_on": "2026-10-28", "reason": "non_payment"}
    preview = await client.post(
        f"/api/billing/contracts/{home.contract_id}/cancellation/preview", json=ending
    )
    assert preview.status_code == 200 and preview.json()["reason"] == "non_payment"
    assert len([d for d in await changes(sessions, home.contract_id) if d.startswith("demand")]) == 2


async def test_company_termination_without_the_notice_date_is_refused_on_the_page_and_api(clerk, sessions):
    """Seed 002 重要事項 2.(9): the company ends the contract 3 months after its written notice arrived."""
    home, client = clerk
    base = f"/api/billing/contracts/{home.contract_id}"
    ending = {"terminated_on": "2026-11-25", "reason": "company"}
    refused = await client.post(f"{base}/cancellation", json=ending)
    assert refused.status_code == 409 and "notice" in refused.json()["detail"]
    path = f"/console/subscribers/{home.subscriber_id}"
    form = {"end": "2026-11-25", "reason": "company", "removal": "0"}
    posted = await client.post(f"{path}/contracts/{home.contract_id}/cancellation", data=form)
    assert "notice" in flash_of((await client.get(posted.headers["location"])).text)
    done = await client.post(f"{base}/cancellation", json=ending | {"notified_on": "2026-08-20"})
    assert done.status_code == 200 and done.json()["deposit_returned"] == 20_000
