"""The subscriber page: what an operator sees (no money) and the billing clerk's work on it — search,
payments, the invoice PDF, the month's run, and a cancellation previewed, decided and confirmed
(control_center/console/subscribers.py, billing/views.py)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from billing import service
from billing.cancellation import cancellation_fee, remaining_months
from billing.models import Contract, InvoiceRow, PaymentRow
from control_center.app import create_app
from control_center.core.audit import AuditEntry
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.subscribers.models import EmergencyContact, Premises, PremisesService, Subscriber
from tests.helpers import add_user

REGISTRATION = "T1234567890123"
D = dt.date
START = D(2024, 4, 21)  # expiry 2029-04-20: years left, so ending early costs a fee


@dataclass
class Household:
    subscriber_id: int
    contract_id: int
    invoice_ids: list[int]


async def household(sessions) -> Household:
    """中村 太郎 (ナカムラ タロウ), one house with three contacts, a rental contract from 21 April 2024 at
    5,500 yen, and two months invoiced in the autumn of 2026 (both past due now)."""
    async with sessions() as session:
        subscriber = Subscriber(name="中村 太郎", name_kana="ナカムラ タロウ", phone="090-1234-5678")
        place = Premises(
            subscriber=subscriber, address="愛知県名古屋市中村区名駅1-1-1", lat=35.17, lon=136.88,
            phone="052-123-4567", house_code_hash="x",
            services=[PremisesService(service_type=letter) for letter in "ABCD"],
            contacts=[
                EmergencyContact(position=n, name=f"連絡先{n}", phone=f"090-0000-000{n}") for n in (1, 2, 3)
            ],
        )  # fmt: skip
        contract = Contract(
            subscriber=subscriber, premises=place, plan="rental", service_start=START,
            monthly_fee=5_500, deposit=20_000,
        )  # fmt: skip
        session.add(contract)
        await session.commit()
        ids = (subscriber.id, contract.id)
    async with sessions() as session:
        issued = [
            *await service.run(session=session, on=D(2026, 8, 21)),
            *await service.run(session=session, on=D(2026, 9, 21)),
        ]
    return Household(*ids, [i.id for i in issued if i.contract_id == ids[1]])


@pytest.fixture
async def desk(database_url: str, sessions) -> AsyncIterator[tuple[Household, dict[str, httpx.AsyncClient]]]:
    home = await household(sessions)
    settings = Settings(_env_file=None, database_url=database_url, invoice_registration_number=REGISTRATION)
    app = create_app(settings, sessions, Hub())
    clients = {}
    for role in ("operator", "billing_clerk"):
        _, headers = await add_user(sessions, role)
        clients[role] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://t",
            headers=headers | {"Accept-Language": "ja"},
        )
    yield home, clients
    for client in clients.values():
        await client.aclose()


async def test_search_by_kana_phone_and_name_with_or_without_the_space(desk) -> None:
    home, clients = desk
    link = f'href="/console/subscribers/{home.subscriber_id}"'
    for role, client in clients.items():
        for typed in (
            "ナカムラ",
            "なかむら",
            "なかむら たろう",
            "中村太郎",
            "中村 太郎",
            "09012345678",
            "090-1234-5678",
            "052-123-4567",
        ):
            page = await client.get("/console/subscribers", params={"q": typed})
            assert page.status_code == 200 and link in page.text, (role, typed)
        assert link not in (await client.get("/console/subscribers", params={"q": "ヤマダ"})).text


async def test_operators_see_what_an_alarm_needs_but_not_the_money(desk, sessions) -> None:
    home, clients = desk
    operator, clerk = clients["operator"], clients["billing_clerk"]
    path = f"/console/subscribers/{home.subscriber_id}"
    seen = await operator.get(path)
    assert seen.status_code == 200
    assert "愛知県名古屋市中村区名駅1-1-1" in seen.text and "連絡先1" in seen.text and "連絡先3" in seen.text
    for money in ("data-contract", "5,500", "20,000", "請求書", "invoice-pdf", "入金", "解約"):
        assert money not in seen.text, money
    invoice_id = home.invoice_ids[0]
    refused = [
        await operator.get(f"/api/billing/contracts/{home.contract_id}"),
        await operator.get(f"/api/billing/invoices/{invoice_id}/pdf"),
        await operator.post(
            f"{path}/contracts/{home.contract_id}/payments",
            data={"amount": "6050", "received_on": "2026-11-01", "method": "card"},
        ),
        await operator.post("/console/billing/run", data={"subscriber_id": str(home.subscriber_id)}),
        await operator.post(
            f"{path}/contracts/{home.contract_id}/decision",
            data={"reduced_to": "0", "decision_reason": "x", "end": "2026-12-31", "reason": "unavoidable"},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PaymentRow)) == 0
    shown = await clerk.get(path)
    assert f'data-contract="{home.contract_id}"' in shown.text and "5,500円" in shown.text
    assert f'href="/api/billing/invoices/{invoice_id}/pdf"' in shown.text and "連絡先1" in shown.text


async def test_a_payment_settles_the_oldest_invoice_and_the_invoice_pdf_is_qualified(desk, sessions) -> None:
    home, clients = desk
    clerk = clients["billing_clerk"]
    path = f"/console/subscribers/{home.subscriber_id}"
    before = await clerk.get(path)
    first, second = home.invoice_ids
    async with sessions() as session:
        total = (await session.get(InvoiceRow, first)).total
    assert f'data-overdue="{first}"' in before.text and 'data-fees-unpaid="1"' in before.text

    posted = await clerk.post(
        f"{path}/contracts/{home.contract_id}/payments",
        data={
            "amount": str(total),
            "received_on": "2026-11-02",
            "method": "convenience_store",
            "reference": "R-1",
        },
    )
    assert posted.status_code == 303 and posted.headers["location"] == path
    after = await clerk.get(path)
    flash = re.search(r"<p class=\"flash\" role=\"status\" data-flash>([^<]*)</p>", after.text).group(1)
    assert flash == f"{total:,} 円の入金を記録しました。完済になった請求書 1 件、過入金 0 円。"
    assert f'data-invoice="{first}" data-paid="1"' in after.text
    assert f'data-invoice="{second}" data-paid="0"' in after.text
    assert "コンビニ" in after.text and "R-1" in after.text
    bad = await clerk.post(
        f"{path}/contracts/{home.contract_id}/payments",
        data={"amount": "0", "received_on": "2026-11-02", "method": "cash"},
    )
    assert bad.status_code == 422

    pdf = await clerk.get(f"/api/billing/invoices/{first}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert REGISTRATION in text and "中村 太郎" in text and f"{total:,}" in text
    assert (await clerk.get("/api/billing/invoices/999999/pdf")).status_code == 404
    async with sessions() as session:
        actions = {
            (a.action, a.subject)
            for a in await session.scalars(select(AuditEntry).where(AuditEntry.actor == "billing_clerk"))
        }
    assert ("change", f"contract:{home.contract_id}") in actions
    assert ("download", f"invoice:{first}") in actions


async def test_the_months_invoices_are_issued_from_the_page_once(desk, sessions) -> None:
    home, clients = desk
    clerk = clients["billing_clerk"]
    path = f"/console/subscribers/{home.subscriber_id}"
    said = []
    for _ in range(2):
        await clerk.post("/console/billing/run", data={"subscriber_id": str(home.subscriber_id)})
        said.append((await clerk.get(path)).text)
    assert re.search(r"1 件の請求書を発行しました", said[0]), said[0][-2000:]
    assert re.search(r"0 件の請求書を発行しました", said[1])
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(InvoiceRow).where(InvoiceRow.contract_id == home.contract_id)
        )
    assert count == 3  # the two of the autumn and this month's


async def test_a_cancellation_is_previewed_decided_and_confirmed(desk, sessions) -> None:
    home, clients = desk
    clerk = clients["billing_clerk"]
    path = f"/console/subscribers/{home.subscriber_id}"
    query = {
        "contract": str(home.contract_id),
        "end": "2026-12-31",
        "reason": "subscriber",
        "removal": "10000",
    }
    preview = await clerk.get(path, params=query)
    # The subscriber's own reason, early: the fee by the formula, the deposit kept, removal and unpaid fees.
    fee = cancellation_fee(5_500, remaining_months(START, D(2026, 12, 31)).value)
    unpaid = int(re.search(r'data-unpaid="(\d+)"', preview.text).group(1))
    assert fee > 0 and unpaid > 0
    assert f'data-fee="{fee}"' in preview.text and 'data-deposit-kept="20000"' in preview.text
    assert 'data-removal="10000"' in preview.text
    assert f'data-total="{fee + 20_000 + 10_000 + unpaid}"' in preview.text
    async with sessions() as session:  # a preview changes nothing
        assert (await session.get(Contract, home.contract_id)).terminated_on is None

    query |= {"end": "2026-10-20", "reason": "unavoidable"}
    pending = await clerk.get(path, params=query)
    assert 'data-total="pending"' in pending.text and "会社の判断" in pending.text
    assert re.search(r'<button name="confirm" disabled>', pending.text)
    form = {"end": query["end"], "reason": "unavoidable", "removal": "10000"}
    refused = await clerk.post(f"{path}/contracts/{home.contract_id}/cancellation", data=form)
    assert refused.status_code == 303 and "contract=" in refused.headers["location"]
    async with sessions() as session:
        assert (await session.get(Contract, home.contract_id)).terminated_on is None

    decided = await clerk.post(
        f"{path}/contracts/{home.contract_id}/decision",
        data=form | {"reduced_to": "0", "decision_reason": "隣家からの延焼で建物が全焼"},
    )
    assert decided.status_code == 303
    back = await clerk.get(decided.headers["location"])
    assert 'data-fee="0"' in back.text and 'data-decision="0"' in back.text
    assert re.search(r'<button name="confirm">', back.text)
    unpaid = int(re.search(r'data-unpaid="(\d+)"', back.text).group(1))
    assert f'data-total="{10_000 + 20_000 + unpaid}"' in back.text  # removal + kept deposit + unpaid fees

    confirmed = await clerk.post(f"{path}/contracts/{home.contract_id}/cancellation", data=form)
    done = await clerk.get(confirmed.headers["location"])
    assert f'data-terminated="{query["end"]}"' in done.text and "契約を終了しました" in done.text
    assert f'data-ended-total="{10_000 + 20_000 + unpaid}"' in done.text and "billing_clerk" in done.text
    again = await clerk.post(f"{path}/contracts/{home.contract_id}/cancellation", data=form)
    said = await clerk.get(again.headers["location"])
    assert "already ended" in said.text or "終了" in said.text
    async with sessions() as session:
        details = [
            a.detail
            for a in await session.scalars(
                select(AuditEntry).where(
                    AuditEntry.subject == f"contract:{home.contract_id}", AuditEntry.action == "change"
                )
            )
        ]
    assert any(d.startswith("fee decision") for d in details) and any(
        d.startswith("cancelled on") for d in details
    )


async def test_a_contract_of_another_subscriber_is_not_found(desk) -> None:
    home, clients = desk
    clerk = clients["billing_clerk"]
    posted = await clerk.post(
        f"/console/subscribers/{home.subscriber_id + 1000}/contracts/{home.contract_id}/payments",
        data={"amount": "100", "received_on": "2026-11-02", "method": "card"},
    )
    unknown_reason = await clerk.get(
        f"/console/subscribers/{home.subscriber_id}",
        params={"contract": home.contract_id, "end": "2026-12-01", "reason": "whim"},
    )
    assert (posted.status_code, unknown_reason.status_code) == (404, 422)


async def test_the_page_is_japanese_first_and_english_on_request(desk) -> None:
    home, clients = desk
    clerk = clients["billing_clerk"]
    path = f"/console/subscribers/{home.subscriber_id}"
    query = {"contract": str(home.contract_id), "end": "2026-12-31", "reason": "unavoidable"}
    ja = (await clerk.get(path, params=query)).text
    en = (await clerk.get(path, params=query | {"lang": "en"})).text
    for japanese in (
        "入金を記録する",
        "銀行振込",
        "コンビニ払い",
        "解約金",
        "会社の判断待ち",
        "支払期限超過",
    ):
        assert japanese in ja and japanese not in en, japanese
    for english in ("Record the payment", "Bank transfer", "Convenience store", "Cancellation fee"):
        assert english in en, english
    assert "pending the company's decision" in en.replace("&#39;", "'")


async def test_the_same_work_through_the_api_and_operators_refused_there(desk, sessions) -> None:
    home, clients = desk
    operator, clerk = clients["operator"], clients["billing_clerk"]
    base = f"/api/billing/contracts/{home.contract_id}"
    ending = {"terminated_on": "2026-10-20", "reason": "unavoidable", "removal_cost": 10_000}
    calls = [
        ("/api/billing/run", {}),
        (f"{base}/payments", {"amount": 6050, "received_on": "2026-11-02", "method": "card"}),
        (f"{base}/cancellation/preview", ending),
        (f"{base}/cancellation", ending),
        (f"{base}/decision", {"reduced_to": 0, "reason": "延焼"}),
    ]
    assert [(await operator.post(path, json=body)).status_code for path, body in calls] == [403] * 5

    issued = (await clerk.post("/api/billing/run")).json()["issued"]
    paid = await clerk.post(
        f"{base}/payments", json={"amount": 6050, "received_on": "2026-11-02", "method": "card"}
    )
    assert len(issued) == 1 and paid.status_code == 201
    assert paid.json()["settled"] == [{"invoice_id": home.invoice_ids[0], "amount": 6050}]
    pending = (await clerk.post(f"{base}/cancellation/preview", json=ending)).json()
    assert pending["status"] == "pending_decision" and pending["total"] is None
    refused = await clerk.post(f"{base}/cancellation", json=ending)
    assert refused.status_code == 409 and "decision" in refused.json()["detail"]
    assert (await clerk.post(f"{base}/decision", json={"reduced_to": 0, "reason": "延焼"})).status_code == 201
    final = (await clerk.post(f"{base}/cancellation/preview", json=ending)).json()
    assert (final["status"], final["fee"], final["deposit_kept"], final["removal_cost"]) == (
        "final",
        0,
        20_000,
        10_000,
    )
    confirmed = await clerk.post(f"{base}/cancellation", json=ending)
    assert confirmed.status_code == 200 and confirmed.json()["total"] == final["total"]
    assert (await clerk.post(f"{base}/cancellation", json=ending)).status_code == 409  # already ended
    missing = await clerk.post("/api/billing/contracts/999999/cancellation/preview", json=ending)
    wrong = await clerk.post(
        f"{base}/payments", json={"amount": -5, "received_on": "2026-11-02", "method": "cash"}
    )
    assert (missing.status_code, wrong.status_code) == (404, 422)
