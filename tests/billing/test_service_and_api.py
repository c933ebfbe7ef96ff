"""The billing run on both databases, the billing API, the CLI and the console's subscriber page."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from functools import partial

import httpx
import pytest

from billing import demand_service, service
from billing.cancellation import Plan, Reason, settle
from billing.invoicing import SuspensionCause
from billing.models import Contract, InvoiceRow
from billing.tax import RATES
from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from simulators.demo.subscribers import seed
from tests.helpers import add_user

D = dt.date


async def contract(sessions, start: dt.date | None = None, monthly: int = 10_000) -> int:
    async with sessions() as session:
        await seed(session=session, count=1)
        start = start or D(2019, 1, 21)
        row = Contract(
            subscriber_id=1,
            premises_id=1,
            plan="rental",
            service_start=start,
            monthly_fee=monthly,
            deposit=20_000,
        )
        session.add(row)
        await session.commit()
        return row.id


async def the_invoice(session, contract_id: int, on: dt.date) -> InvoiceRow:
    """The billing run of ``on``; the one invoice it issues for the contract."""
    (invoice,) = [i for i in await service.run(session=session, on=on) if i.contract_id == contract_id]
    return invoice


async def invoices(sessions, contract_id: int) -> list[InvoiceRow]:
    async with sessions() as session:
        loaded = await service.load(session=session, contract_id=contract_id)
        return list(loaded.invoices)


async def test_the_run_bills_each_period_once_across_a_tax_change(sessions) -> None:
    contract_id = await contract(sessions)
    async with sessions() as session:
        first = await service.run(session=session, on=D(2019, 9, 25), rates=RATES[:2])  # before the law
    async with sessions() as session:
        again = await service.run(session=session, on=D(2019, 9, 26), rates=RATES[:2])
    assert len([i for i in first if i.contract_id == contract_id]) == 1 and again == []
    (issued,) = await invoices(sessions, contract_id)
    assert (issued.total, issued.due_on) == (10_800, D(2019, 10, 31))

    # The 10 % rate now applies to part of an invoice already issued at 8 %: the difference is billed once.
    async with sessions() as session:
        await service.run(session=session, on=D(2019, 10, 5), rates=RATES)
    async with sessions() as session:
        assert await service.run(session=session, on=D(2019, 10, 6), rates=RATES) == []
    monthly, adjustment = await invoices(sessions, contract_id)
    assert adjustment.kind == "tax_adjustment" and adjustment.adjusts_invoice_id == monthly.id
    assert (adjustment.total, adjustment.due_on) == (132, D(2019, 11, 30))
    assert {line.rate for line in adjustment.lines} == {"0.08", "0.10"}


async def test_an_invoice_issued_under_the_current_rates_is_split_and_never_adjusted(sessions) -> None:
    contract_id = await contract(sessions)
    async with sessions() as session:
        await service.run(session=session, on=D(2019, 9, 25))
        await service.run(session=session, on=D(2019, 10, 25))
    september, october = await invoices(sessions, contract_id)
    assert [(line.amount, line.rate) for line in september.lines] == [(3_333, "0.08"), (6_667, "0.10")]
    assert (september.total, october.total) == (10_932, 11_000)


async def test_unpaid_fees_show_and_count_in_the_settlement(sessions) -> None:
    contract_id = await contract(sessions, start=D(2021, 1, 21))
    async with sessions() as session:
        await service.run(session=session, on=D(2025, 3, 25))
    async with sessions() as session:
        loaded = await service.load(session=session, contract_id=contract_id)
    assert not service.fees_unpaid_on(loaded, D(2025, 4, 30))  # due 30 April: not yet past due
    assert service.fees_unpaid_on(loaded, D(2025, 5, 1))
    settlement = service.settlement(loaded, D(2025, 5, 1), Reason.NON_PAYMENT)
    assert settlement.unpaid_fees == 11_000
    assert settlement.total == settlement.fee + 20_000 + 11_000


@pytest.fixture
async def client(database_url: str, sessions):
    _, clerk = await add_user(sessions, "billing_clerk")
    app = create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=clerk
    ) as c:
        yield c


async def test_the_api_calculators(client: httpx.AsyncClient) -> None:
    fee = await client.post(
        "/api/billing/cancellation-fee",
        json={"start": "2021-01-21", "terminated": "2025-04-30", "monthly": 10000, "deposit": 20000},
    )
    assert fee.status_code == 200
    assert {k: fee.json()[k] for k in ("fee", "remaining_months", "deposit_kept", "total")} == {
        "fee": 17200,
        "remaining_months": 8.6,
        "deposit_kept": 20000,
        "total": 37200,
    }
    claim = await client.post(
        "/api/billing/claim", json={"cash": 800000, "goods": 1200000, "building_damage": 1500000}
    )
    assert (claim.json()["insurance"], claim.json()["consolation"]) == (1_695_000, 1_000_000)
    bad = await client.post(
        "/api/billing/cancellation-fee", json={"start": "2021-01-21", "terminated": "x", "monthly": -1}
    )
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"terminated", "monthly"}


async def test_a_contract_and_its_subscriber_page(client: httpx.AsyncClient, sessions) -> None:
    contract_id = await contract(sessions, start=D(2024, 2, 29))
    body = (await client.get(f"/api/billing/contracts/{contract_id}")).json()
    assert body["service_start"] == "2024-02-29" and body["deposit"] == 20000
    assert body["expiry"] >= "2029-02-28"
    assert (await client.get("/api/billing/contracts/99999")).status_code == 404
    page = await client.get("/console/subscribers/1")
    assert page.status_code == 200 and "解約金" in page.text and f'data-contract="{contract_id}"' in page.text


def test_the_cli_prints_the_worked_examples_as_json() -> None:
    def cli(*args: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "control_center.cli", "billing", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return json.loads(out.stdout)  # all it prints: one JSON object

    worked = (
        "--start",
        "2021-01-21",
        "--terminated",
        "2025-04-30",
        "--monthly",
        "10000",
        "--deposit",
        "20000",
    )
    fee = cli("cancellation-fee", *worked)
    assert (fee["fee"], fee["remaining_months"], fee["deposit_kept"], fee["total"]) == (
        17200,
        8.6,
        20000,
        37200,
    )
    purchase = cli("cancellation-fee", *worked, "--plan", "purchase")
    assert purchase["total"] == 0
    claim = cli("claim", "--cash", "800000", "--goods", "1200000", "--building-damage", "150000")
    assert (claim["insurance"], claim["consolation"]) == (1_695_000, 100_000)
    assert cli("claim", "--goods", "100000", "--fees-unpaid")["insurance"] == 0


async def demand_sent_and_received(session, invoice_id: int) -> None:
    """The written demand sent on 2 May 2025 and received the next day."""
    await demand_service.send_demand(session=session, invoice_id=invoice_id, sent_on=D(2025, 5, 2),
                                     actor="clerk")  # fmt: skip
    await demand_service.record_receipt(session=session, invoice_id=invoice_id, received_on=D(2025, 5, 3),
                                        actor="clerk")  # fmt: skip


async def test_non_payment_demand_then_termination_after_20_days(sessions) -> None:
    contract_id = await contract(sessions, start=D(2021, 1, 21))
    async with sessions() as session:
        invoice = await the_invoice(session, contract_id, D(2025, 3, 25))
    async with sessions() as session:
        with pytest.raises(ValueError, match="past its due date"):
            await demand_service.send_demand(session=session, invoice_id=invoice.id, sent_on=D(2025, 4, 30),
                                             actor="clerk")  # fmt: skip
        await demand_sent_and_received(session, invoice.id)
        await session.commit()
    async with sessions() as session:
        assert not await service.termination_allowed(
            session=session, contract_id=contract_id, on=D(2025, 5, 23)
        )
        with pytest.raises(ValueError, match="20 days"):
            await service.terminate(
                session=session, contract_id=contract_id, on=D(2025, 5, 23), reason=Reason.NON_PAYMENT
            )
        assert await service.termination_allowed(session=session, contract_id=contract_id, on=D(2025, 5, 24))
        result = await service.terminate(
            session=session,
            contract_id=contract_id,
            on=D(2025, 5, 24),
            reason=Reason.NON_PAYMENT,
            removal_cost=15_000,
        )
        await session.commit()
    assert (result.unpaid_fees, result.deposit_kept, result.removal_cost) == (11_000, 20_000, 15_000)
    assert (
        result.fee
        == settle(
            plan=Plan.RENTAL,
            service_start=D(2021, 1, 21),
            terminated=D(2025, 5, 24),
            monthly=10_000,
            reason=Reason.SUBSCRIBER,
        ).fee
    )


async def test_a_paid_invoice_ends_the_dunning(sessions) -> None:
    contract_id = await contract(sessions, start=D(2021, 1, 21))
    async with sessions() as session:
        invoice = await the_invoice(session, contract_id, D(2025, 3, 25))
    async with sessions() as session:
        await demand_sent_and_received(session, invoice.id)
        await service.record_payment(session=session, invoice_id=invoice.id, paid_on=D(2025, 5, 10))
        await session.commit()
    async with sessions() as session:
        assert not await service.termination_allowed(
            session=session, contract_id=contract_id, on=D(2025, 6, 1)
        )


async def test_price_rises_need_notice_and_a_refusal_is_unavoidable(sessions) -> None:
    contract_id = await contract(sessions, start=D(2021, 1, 21))
    async with sessions() as session:
        rise = partial(
            service.change_price,
            session=session,
            contract_id=contract_id,
            effective_from=D(2025, 4, 1),
            monthly=12_000,
        )
        with pytest.raises(ValueError, match="notified before"):
            await rise(notified_on=D(2025, 4, 1))
        await rise(notified_on=D(2025, 1, 10))
        await session.commit()
    async with sessions() as session:
        result = await service.terminate(
            session=session, contract_id=contract_id, on=D(2025, 4, 30), reason=Reason.SUBSCRIBER
        )
    assert result.reason is Reason.UNAVOIDABLE and result.decision_required
    assert result.formula_fee == 12_000 * 86 // 50  # the fee in force on the day: 12,000 × 8.6 / 5


async def test_a_recorded_waiver_and_a_force_majeure_suspension(sessions) -> None:
    contract_id = await contract(sessions, start=D(2021, 1, 21))
    async with sessions() as session:
        await service.suspend(
            session=session,
            contract_id=contract_id,
            start=D(2025, 3, 21),
            end=D(2025, 4, 4),
            cause=SuspensionCause.FORCE_MAJEURE_TOTAL,
        )
        with pytest.raises(ValueError, match="only a suspension"):
            await service.suspend(
                session=session,
                contract_id=contract_id,
                start=D(2025, 5, 1),
                end=None,
                cause=SuspensionCause.FORCE_MAJEURE_TOTAL,
                waiver_reason="x",
            )
        await service.decide_fee(
            session=session,
            contract_id=contract_id,
            reduced_to=0,
            reason="もらい火による全焼",
            decided_by="supervisor-1",
        )
        await session.commit()
    async with sessions() as session:
        invoice = await the_invoice(session, contract_id, D(2025, 3, 25))
        assert invoice.subtotal == 10_000 * 16 // 31  # 15 of 31 days without service are not charged
        result = await service.terminate(
            session=session, contract_id=contract_id, on=D(2025, 4, 30), reason=Reason.UNAVOIDABLE
        )
    assert (result.formula_fee, result.fee, result.decision_required) == (17_200, 0, False)
