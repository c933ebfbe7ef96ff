"""The clerk's services on both databases: payments settle the oldest invoices and end the dunning,
a cancellation is previewed then confirmed (with the company's decision first when the reason is truly
unavoidable), extra arming cards are charged on the invoice, and an invoice renders as a qualified invoice
in Japanese."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing import closing, demand_service, equipment_service, invoice_service, payment_service, service
from billing.errors import BillingRefused
from billing.invoice_pdf import render_invoice_pdf
from billing.models import Contract, DemandRow, InvoiceRow
from billing.qualified_invoice import Issuer
from control_center.core.settings import Settings
from simulators.demo.subscribers import seed

D = dt.date
ISSUER = Issuer("セコム株式会社", "T1234567890123", "東京都渋谷区神宮前1-5-1")


START = D(2021, 1, 21)


async def contract(sessions, start: dt.date = START) -> int:
    async with sessions() as session:
        await seed(session=session, count=1)
        row = Contract(subscriber_id=1, premises_id=1, plan="rental", service_start=start, monthly_fee=10_000,
                       deposit=20_000)  # fmt: skip
        session.add(row)
        await session.commit()
        return row.id


async def bill(sessions, *days: dt.date) -> list[InvoiceRow]:
    made = []
    for day in days:
        async with sessions() as session:
            made += await service.run(session=session, on=day)
    return made


async def test_a_payment_settles_the_oldest_invoices_and_ends_the_dunning(sessions) -> None:
    contract_id = await contract(sessions)
    first, second = await bill(sessions, D(2025, 2, 25), D(2025, 3, 25))  # 11,000 each, due 3/31 and 4/30
    async with sessions() as session:
        await demand_service.send_demand(session=session, invoice_id=first.id, sent_on=D(2025, 4, 2),
                                         actor="clerk")  # fmt: skip
        await session.commit()
    async with sessions() as session:
        demand = await payment_service.dunning_state(
            session=session, contract_id=contract_id, on=D(2025, 5, 1)
        )
        assert [o.invoice_id for o in demand.overdue] == [
            first.id,
            second.id,
        ] and demand.overdue_total == 22_000
        row = await session.scalar(select(DemandRow).where(DemandRow.invoice_id == first.id))
        row.received_on = D(2025, 4, 3)
        await session.commit()
    async with sessions() as session:
        state = await payment_service.dunning_state(
            session=session, contract_id=contract_id, on=D(2025, 4, 24)
        )
        assert state.termination_allowed  # 20 days after the demand's receipt (seed 002 2.(6), 第10条)

    async with sessions() as session:
        part = await payment_service.record_payment(
            session=session, contract_id=contract_id, amount=15_000, received_on=D(2025, 4, 25),
            method="bank_transfer", recorded_by="clerk",
        )  # fmt: skip
        await session.commit()
    assert part.settled == [(first.id, 11_000), (second.id, 4_000)]
    assert (part.invoices_now_paid, part.unapplied) == ([first.id], 0)
    async with sessions() as session:
        state = await payment_service.dunning_state(
            session=session, contract_id=contract_id, on=D(2025, 5, 2)
        )
        assert not state.termination_allowed and [o.outstanding for o in state.overdue] == [7_000]
        assert not await service.termination_allowed(
            session=session, contract_id=contract_id, on=D(2025, 5, 2)
        )
        rest = await payment_service.record_payment(
            session=session, contract_id=contract_id, amount=10_000, received_on=D(2025, 5, 2), method="card",
            recorded_by="clerk",
        )  # fmt: skip
        await session.commit()
        assert (rest.invoices_now_paid, rest.unapplied) == ([second.id], 3_000)
        assert await payment_service.outstanding(session=session, contract_id=contract_id) == []
        loaded = await service.load(session=session, contract_id=contract_id)
        assert not service.fees_unpaid_on(loaded, D(2025, 5, 3))  # insurance cover again (4.(1)②a)
        for amount, method in ((0, "card"), (-5, "card"), (1_000, "cash")):
            with pytest.raises(BillingRefused):
                await payment_service.record_payment(
                    session=session, contract_id=contract_id, amount=amount, received_on=D(2025, 5, 2),
                    method=method, recorded_by="clerk",
                )  # fmt: skip


async def test_cancellation_preview_decision_then_confirm(sessions) -> None:
    contract_id = await contract(sessions)
    async with sessions() as session:
        early = await closing.preview_cancellation(
            session=session, contract_id=contract_id, terminated_on=D(2024, 1, 20), reason="expiry"
        )
        assert (early.reason.value, early.deposit_kept, early.deposit_returned) == ("subscriber", 20_000, 0)
        pending = await closing.preview_cancellation(
            session=session, contract_id=contract_id, terminated_on=D(2025, 4, 30), reason="unavoidable",
            removal_cost=15_000,
        )  # fmt: skip
        assert pending.pending_decision and pending.total is None
        with pytest.raises(BillingRefused, match="decision"):
            await closing.confirm_cancellation(
                session=session, contract_id=contract_id, terminated_on=D(2025, 4, 30), reason="unavoidable",
                removal_cost=15_000, confirmed_by="clerk",
            )  # fmt: skip
        with pytest.raises(BillingRefused, match="20 days"):
            await closing.preview_cancellation(
                session=session, contract_id=contract_id, terminated_on=D(2025, 4, 30), reason="non_payment"
            )
        await closing.record_decision(session=session, contract_id=contract_id, reduced_to=5_000,
                                      reason="もらい火による建物の損壊", decided_by="manager")  # fmt: skip
        await session.commit()
    async with sessions() as session:
        done = await closing.confirm_cancellation(
            session=session, contract_id=contract_id, terminated_on=D(2025, 4, 30), reason="unavoidable",
            removal_cost=15_000, confirmed_by="clerk", today=D(2025, 4, 30),
        )  # fmt: skip
        await session.commit()
    assert (done.fee, done.deposit_kept, done.removal_cost, done.total) == (5_000, 20_000, 15_000, 40_000)
    async with sessions() as session:
        row = await closing.cancellation_of(session=session, contract_id=contract_id)
        assert (row.total, row.confirmed_by, row.reason) == (40_000, "clerk", "unavoidable")
        loaded = await service.load(session=session, contract_id=contract_id)
        assert loaded.terminated_on == D(2025, 4, 30)
        (invoice,) = [i for i in loaded.invoices if i.kind == closing.SETTLEMENT]
        # The fee is compensation (不課税); the removal is taxed at 10 %: 5,000 + 15,000 + 1,500.
        assert (invoice.subtotal, invoice.tax, invoice.total, invoice.due_on) == (20_000, 1_500, 21_500,
                                                                                  D(2025, 5, 31))  # fmt: skip
        with pytest.raises(BillingRefused, match="already ended"):
            await closing.preview_cancellation(
                session=session, contract_id=contract_id, terminated_on=D(2025, 5, 1), reason="subscriber"
            )


async def test_extra_cards_are_charged_on_the_invoice(sessions) -> None:
    """Seed 002 お知らせ (2)④: 4 cards included; each extra one 800 yen (tax excluded) on the invoice."""
    contract_id = await contract(sessions)
    async with sessions() as session:
        assert await equipment_service.issue_cards(session=session, contract_id=contract_id, count=2,
                                                   on=D(2025, 3, 1)) == 1_600  # fmt: skip
        await session.commit()
    (invoice,) = await bill(sessions, D(2025, 2, 25))  # the service month 2/21–3/20
    assert (invoice.subtotal, invoice.tax, invoice.total) == (11_600, 1_160, 12_760)
    assert [line.description for line in invoice.lines].count("ライフカード追加発行") == 2


async def test_a_late_move_notice_and_a_paid_repair_are_recorded(sessions) -> None:
    contract_id = await contract(sessions)
    async with sessions() as session:
        late = await equipment_service.record_premises_change(
            session=session, contract_id=contract_id, kind="move", change_on=D(2025, 5, 1),
            notified_on=D(2025, 4, 20), recorded_by="clerk",
        )  # fmt: skip
        assert not late.in_time and late.deadline == D(2025, 4, 1)
        decision = await equipment_service.record_repair(
            session=session, contract_id=contract_id, day=D(2025, 3, 1), part="window_sensor",
            cause="subscriber", cost=4_000,
        )  # fmt: skip
        assert decision.charged
        await session.commit()
    (invoice,) = await bill(sessions, D(2025, 2, 25))
    assert invoice.subtotal == 14_000


async def test_the_invoice_pdf_is_a_qualified_invoice_in_japanese(sessions) -> None:
    contract_id = await contract(sessions)
    async with sessions() as session:
        await equipment_service.issue_cards(
            session=session, contract_id=contract_id, count=1, on=D(2025, 3, 1)
        )
        await session.commit()
    (row,) = await bill(sessions, D(2025, 2, 25))
    async with sessions() as session:
        invoice = await invoice_service.qualified_invoice(session=session, invoice_id=row.id, issuer=ISSUER)
    pdf = render_invoice_pdf(invoice)
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", "".join(page.extract_text() for page in reader.pages))
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("IPAGothic" in f for f in fonts)  # the contract's font, embedded
    for field in ("請求書（適格請求書）", "登録番号: T1234567890123", "セコム株式会社",
                  f"{invoice.recipient} 様", "10%対象 税抜 10,800円 消費税 1,080円",
                  "合計（税込） 11,880円", "ライフカード追加発行",
                  "発行日: 2025年02月21日", "2025/02/21〜03/20", "1円未満を切り捨て"):  # fmt: skip
        assert field in text, field
    assert invoice.total == row.total == 11_880


def test_the_issuer_comes_from_the_settings() -> None:
    with pytest.raises(BillingRefused, match="CC_INVOICE_REGISTRATION_NUMBER"):
        invoice_service.issuer_from(Settings())
    issuer = invoice_service.issuer_from(Settings(invoice_registration_number="T9876543210987"))
    assert issuer.registration_number == "T9876543210987"


async def test_a_claim_takes_unpaid_fees_stops_and_the_cover_from_the_records(sessions) -> None:
    """Seed 002 重要事項 4.(1)②a/b, 4.(2)①a/b: fees unpaid or all service stopped for a cause not on the
    company's side → neither insurance nor consolation money; a partial stop keeps the cover."""
    from billing.claims import Accident, decide
    from billing.invoicing import SuspensionCause

    contract_id = await contract(sessions)
    (invoice,) = await bill(sessions, D(2025, 2, 25))  # due 2025-03-31
    async with sessions() as session:
        stops = [(D(2025, 6, 1), D(2025, 6, 10), SuspensionCause.SUBSCRIBER),
                 (D(2025, 7, 1), D(2025, 7, 10), SuspensionCause.FORCE_MAJEURE_TOTAL),
                 (D(2025, 8, 1), D(2025, 8, 10), SuspensionCause.FORCE_MAJEURE_PARTIAL)]  # fmt: skip
        for start, end, cause in stops:
            await service.suspend(session=session, contract_id=contract_id, start=start, end=end, cause=cause)
        await session.commit()
    loss = dict(goods=200_000, building_damage=150_000)
    async with sessions() as session:
        loaded = await service.load(session=session, contract_id=contract_id)
        unpaid = decide(Accident(**loss, **service.claim_facts(loaded, D(2025, 4, 5))))
        assert unpaid.total == 0 and unpaid.insurance.exclusions == ["fees_unpaid"]
        await payment_service.record_payment(
            session=session, contract_id=contract_id, amount=invoice.total, received_on=D(2025, 4, 10),
            method="card", recorded_by="clerk",
        )  # fmt: skip
        await session.commit()
    async with sessions() as session:
        loaded = await service.load(session=session, contract_id=contract_id)
        expected = {
            D(2025, 4, 15): 195_000 + 100_000,
            D(2025, 6, 5): 0,
            D(2025, 7, 5): 0,
            D(2025, 8, 5): 295_000,
        }
        for day, total in expected.items():
            assert decide(Accident(**loss, **service.claim_facts(loaded, day))).total == total, day
