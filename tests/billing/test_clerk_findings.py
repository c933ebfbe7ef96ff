"""The outside tester's findings on the clerk's and accountant's work (issue 21), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from billing import equipment_service, service
from billing.models import Contract, InvoiceRow
from control_center.core.audit import AuditEntry
from simulators.demo.subscribers import seed
from tests.billing.test_cli_workflow import cli

D = dt.date
START = D(2021, 1, 21)


async def contract(sessions, start: dt.date = START, plan: str = "rental", deposit: int = 20_000) -> int:
    async with sessions() as session:
        await seed(session=session, count=1)
        row = Contract(subscriber_id=1, premises_id=1, plan=plan, service_start=start, monthly_fee=10_000,
                       deposit=deposit)  # fmt: skip
        session.add(row)
        await session.commit()
        return row.id


async def bill(sessions, contract_id: int, *days: dt.date) -> list[InvoiceRow]:
    made = []
    for day in days:
        async with sessions() as session:
            made += [i for i in await service.run(session=session, on=day) if i.contract_id == contract_id]
    return made


async def test_a_card_handed_over_after_the_months_invoice_goes_on_the_next_one(sessions) -> None:
    """Seed 002 セコムからのお知らせ (2)④: each extra card is 800 yen + tax, billed; a card handed over after
    the month's invoice was issued is billed on the next invoice, once."""
    contract_id = await contract(sessions)
    async with sessions() as session:
        await equipment_service.issue_cards(session=session, contract_id=contract_id, count=1,
                                            on=D(2027, 3, 1))  # fmt: skip
        await session.commit()
    (march,) = await bill(sessions, contract_id, D(2027, 3, 2))  # the service month 2/21–3/20
    assert [line.description for line in march.lines].count("ライフカード追加発行") == 1
    async with sessions() as session:
        charged = await equipment_service.issue_cards(session=session, contract_id=contract_id, count=1,
                                                      on=D(2027, 3, 10))  # fmt: skip
        await session.commit()
    assert charged == 800
    assert await bill(sessions, contract_id, D(2027, 3, 10)) == []  # this month's invoice is already out
    (april,) = await bill(sessions, contract_id, D(2027, 4, 2))  # the service month 3/21–4/20
    cards = [line for line in april.lines if line.description == "ライフカード追加発行"]
    assert [(c.start, c.amount) for c in cards] == [(D(2027, 3, 10), 800)]
    assert (april.subtotal, april.tax, april.total) == (10_800, 1_080, 11_880)
    (may,) = await bill(sessions, contract_id, D(2027, 5, 2))
    assert [line.description for line in may.lines] == ["月額料金"]  # billed once only


async def test_the_written_demand_from_the_command_line(database_url, sessions) -> None:
    """Seed 002 重要事項 2.(6): `billing demand` sends the demand and records the day it arrived; the
    contract may be ended for non-payment from that day + 21 days (20 days, the first not counted)."""
    contract_id = await contract(sessions)
    (invoice,) = await bill(sessions, contract_id, D(2025, 2, 25))  # due 2025-03-31
    i, c = str(invoice.id), str(contract_id)
    assert "due date" in cli(database_url, "demand", "--invoice", i, "--sent-on", "2025-03-31", ok=False)
    sent = cli(database_url, "demand", "--invoice", i, "--sent-on", "2025-04-02", "--by", "clerk")
    assert (sent["sent_on"], sent["received_on"], sent["termination_allowed_from"]) == (
        "2025-04-02",
        None,
        None,
    )
    ending = ("cancel", "--contract", c, "--reason", "non_payment")
    assert "20 days" in cli(database_url, *ending, "--on", "2025-05-01", ok=False)
    got = cli(database_url, "demand", "--invoice", i, "--received-on", "2025-04-04", "--by", "clerk")
    assert got["termination_allowed_from"] == "2025-04-25"
    assert "20 days" in cli(database_url, *ending, "--on", "2025-04-24", ok=False)
    assert cli(database_url, *ending, "--on", "2025-04-25")["reason"] == "non_payment"
    async with sessions() as session:
        details = [
            a.detail for a in await session.scalars(select(AuditEntry).where(AuditEntry.actor == "clerk"))
        ]
    assert [d.split(" for ")[1] for d in details] == [
        f"invoice {i} sent 2025-04-02",
        f"invoice {i} received 2025-04-04",
    ]


def test_a_termination_before_the_service_start_is_refused_and_months_never_exceed_60() -> None:
    """Seed 002 重要事項 2.(1)①, 2.(5)①: the term is 5 years from the service start, so the remaining months
    are at most 60 and a termination before the start has no settlement."""
    from billing.cancellation import Reason, SettlementRefused, settle

    with pytest.raises(SettlementRefused, match="before the service start"):
        settle(plan="rental", service_start=D(2025, 1, 21), terminated=D(2021, 4, 30), monthly=10_000,
               reason=Reason.SUBSCRIBER)  # fmt: skip
    first_day = settle(plan="rental", service_start=D(2025, 1, 21), terminated=D(2025, 1, 21), monthly=10_000,
                       reason=Reason.SUBSCRIBER)  # fmt: skip
    assert first_day.remaining_months <= 60 and first_day.fee <= 10_000 * 60 // 5
    err = cli("sqlite+aiosqlite:////nonexistent.db", "cancellation-fee", "--start", "2025-01-21",
              "--terminated", "2021-04-30", "--monthly", "10000", ok=False)  # fmt: skip
    assert "before the service start" in err


async def test_company_termination_needs_the_notice_date(database_url, sessions) -> None:
    """Seed 002 重要事項 2.(9), ご利用規定（レンタル）第8条: the company ends the contract 3 months after its
    written notice; without the day the notice arrived nothing is confirmed."""
    contract_id = await contract(sessions)
    c = str(contract_id)
    ending = ("cancel", "--contract", c, "--on", "2026-11-25", "--reason", "company")
    assert "notice" in cli(database_url, *ending, "--confirm", "--by", "billing", ok=False)
    async with sessions() as session:
        assert (await session.get(Contract, contract_id)).terminated_on is None
    done = cli(database_url, *ending, "--notified-on", "2026-08-20", "--confirm", "--by", "billing")
    assert (done["confirmed"], done["deposit_returned"], done["fee"]) == (True, 20_000, 0)


async def test_a_purchase_plan_contract_has_no_deposit(sessions) -> None:
    """Seed 002 重要事項 3. (the purchase plan): no deposit — the demo data hold none, and none can be set."""
    async with sessions() as session:
        await seed(session=session, count=40)
        await session.commit()
        rows = list(await session.scalars(select(Contract).where(Contract.plan == "purchase")))
    assert rows and all(row.deposit == 0 for row in rows)
    with pytest.raises(ValueError, match="no deposit"):
        Contract(subscriber_id=1, premises_id=1, plan="purchase", service_start=START, monthly_fee=4_000,
                 deposit=20_000)  # fmt: skip
