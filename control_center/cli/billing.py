"""`control-center billing …`: the calculators print JSON (each decision with the seed clause it comes
from); `run` bills the day's service months; `decide`, `cancel`, `pay`, `invoice-pdf` and `cards` work on
the database as the clerk's page does (billing/closing.py, billing/payment_service.py, …)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from billing import premises_changes, repairs
from billing.cancellation import Plan, Reason
from billing.claims import StopCause, decide
from billing.payments import Method
from billing.schemas import CancellationFeeRequest, ClaimRequest, claim_json, settle_request, settlement_json
from control_center.cli.process import center_command
from control_center.core.settings import Settings

DATE = dt.date.fromisoformat

# The claim's exclusions as flags: (option, field, help). Each one is a row of billing/claims.py EXCLUSIONS.
CLAIM_FLAGS = (
    ("--fees-unpaid", "fees_unpaid", "fees unpaid when it happened (4.(1)②a, 4.(2)①a)"),
    ("--service-stopped", "service_stopped",
     "all service or the equipment stopped for a cause not on the company's side (4.(1)②b, 4.(2)①b)"),
    ("--intent", "intent", "the subscriber's intent or gross negligence"),
    ("--by-family", "by_family_member", "done by (or with) a family member"),
    ("--by-employee", "by_employee", "done by (or with) an employee (使用人)"),
    ("--outside-premises", "outside_premises", "the things were outside the premises"),
    ("--intrusion-not-shown", "intrusion_not_shown", "an intrusion from outside cannot be shown"),
    ("--war", "war", "war, riot or unrest"),
    ("--earthquake", "earthquake", "earthquake, eruption or tsunami"),
    ("--flood", "flood", "flood, storm surge or landslide (typhoon, storm)"),
    ("--disaster", "disaster", "theft during another calamity (a great fire …)"),
    ("--fire-or-explosion-from-theft", "fire_or_explosion_from_theft",
     "fire or explosion caused by the theft (the insurance does not pay; the building's damage may get "
     "consolation money)"),
    ("--nuclear", "nuclear", "nuclear hazard"),
    ("--loss-or-shoplifting", "loss_or_shoplifting", "loss or shoplifting"),
    ("--freezing", "freezing", "freezing or a change of temperature (consolation money)"),
    ("--business-without-notice", "business_without_notice",
     "a business started or changed at the premises without telling the company (2.(10)②)"),
    ("--shop-cash-outside-safe", "shop_cash_outside_safe", "the shop's cash was not in a safe (4.(1)①)"),
)  # fmt: skip


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    billing = sub.add_parser("billing", help="contract money: fees, claims, payments, invoices")
    commands = billing.add_subparsers(dest="billing_command", required=True)

    fee = commands.add_parser("cancellation-fee", help="settlement on termination, as JSON")
    fee.add_argument("--start", required=True, type=DATE, help="service start, YYYY-MM-DD")
    fee.add_argument("--terminated", required=True, type=DATE, help="termination date")
    fee.add_argument("--monthly", required=True, type=int, help="monthly fee in force, yen, tax excluded")
    fee.add_argument("--deposit", type=int, default=0, help="deposit held, yen")
    fee.add_argument("--reason", choices=[r.value for r in Reason], default=Reason.SUBSCRIBER.value)
    fee.add_argument("--plan", choices=[p.value for p in Plan], default=Plan.RENTAL.value)
    fee.add_argument("--removal-cost", type=int, default=0, help="equipment removal cost, yen")
    fee.add_argument("--unpaid-fees", type=int, default=0, help="fees unpaid at termination, yen")
    fee.add_argument("--notified-on", type=DATE, help="reason company: the day its written notice arrived")
    fee.add_argument("--proven-damages", type=int, help="non-payment: the company's proven damages, yen")
    fee.add_argument("--large-equipment-addition", action="store_true",
                     help="a large equipment addition shortly before the end (2.(6))")  # fmt: skip
    fee.add_argument("--reduced-to", type=int, help="unavoidable reason: the decided fee, yen (0 = waived)")
    fee.add_argument("--decision-reason", help="why the company reduced or waived the fee")
    fee.add_argument("--decided-by", help="who decided")
    fee.set_defaults(handler=run_calculator)

    claim = commands.add_parser(
        "claim", help="theft insurance and consolation money for one accident, as JSON with the clauses"
    )
    for name in ("cash", "goods", "shop-cash", "shop-goods", "building-damage", "excluded-articles"):
        claim.add_argument(f"--{name}", type=int, default=0, help="yen")
    claim.add_argument("--noticed-after-days", type=int, default=0, help="days until the theft was noticed")
    claim.add_argument("--service-stopped-cause", choices=StopCause.ALL,
                       help="why all service was stopped (company = still covered)")  # fmt: skip
    claim.add_argument("--accident-on", type=DATE, help="the accident's day (cover: service start to end)")
    claim.add_argument("--service-start", type=DATE, help="the day the service started or resumed")
    claim.add_argument("--service-ended", type=DATE, help="the day the contract ended")
    for option, dest, text in CLAIM_FLAGS:
        claim.add_argument(option, dest=dest, action="store_true", help=text)
    claim.set_defaults(handler=run_calculator)

    notice = commands.add_parser("change-notice", help="was a change at the premises told in time? (JSON)")
    notice.add_argument("--kind", required=True, choices=[k.value for k in premises_changes.ChangeKind])
    notice.add_argument("--change-on", required=True, type=DATE)
    notice.add_argument("--notified-on", required=True, type=DATE)
    notice.set_defaults(handler=run_calculator)

    repair = commands.add_parser("repair", help="does the subscriber pay for a repair? (JSON)")
    repair.add_argument("--plan", choices=[p.value for p in Plan], default=Plan.RENTAL.value)
    repair.add_argument("--installed-on", required=True, type=DATE)
    repair.add_argument("--on", required=True, type=DATE)
    repair.add_argument("--cause", required=True, choices=[c.value for c in repairs.Cause])
    repair.add_argument("--gas-sensor", action="store_true")
    repair.add_argument("--earlier-gas-replacements", type=int, default=0)
    repair.add_argument("--contract-ended", action="store_true", help="the contract is no longer in force")
    repair.set_defaults(handler=run_calculator)

    run = commands.add_parser("run", help="invoice the service months running on a day (idempotent)")
    run.add_argument("--on", type=DATE, help="the day (default: today in Asia/Tokyo)")
    run.set_defaults(handler=center_command(_billing_run))

    decision = commands.add_parser(
        "decide", help="record the company's decision on a truly unavoidable reason (reduce or waive the fee)"
    )
    decision.add_argument("--contract", required=True, type=int)
    decision.add_argument("--reduced-to", required=True, type=int, help="the fee, yen (0 = waived)")
    decision.add_argument("--reason", required=True, help="why")
    decision.add_argument("--by", required=True, help="who decided (login)")
    decision.set_defaults(handler=center_command(_decide))

    cancel = commands.add_parser("cancel", help="settlement preview for a contract (and --confirm to end it)")
    cancel.add_argument("--contract", required=True, type=int)
    cancel.add_argument("--on", required=True, type=DATE, help="termination date")
    cancel.add_argument("--reason", choices=[r.value for r in Reason], default=Reason.SUBSCRIBER.value)
    cancel.add_argument("--removal-cost", type=int, default=0)
    cancel.add_argument("--notified-on", type=DATE)
    cancel.add_argument("--confirm", action="store_true", help="end the contract and bill the settlement")
    cancel.add_argument("--by", help="who confirms (login), with --confirm")
    cancel.set_defaults(handler=center_command(_cancel))

    pay = commands.add_parser("pay", help="record a payment; it settles the oldest invoices first")
    pay.add_argument("--contract", required=True, type=int)
    pay.add_argument("--amount", required=True, type=int, help="yen")
    pay.add_argument("--on", required=True, type=DATE, help="the day the money was received")
    pay.add_argument("--method", required=True, choices=[m.value for m in Method])
    pay.add_argument("--by", required=True, help="who records it (login)")
    pay.add_argument("--reference", default="")
    pay.set_defaults(handler=center_command(_pay))

    pdf = commands.add_parser("invoice-pdf", help="write an invoice as a qualified invoice PDF (Japanese)")
    pdf.add_argument("--invoice", required=True, type=int)
    pdf.add_argument("--out", required=True, type=Path)
    pdf.set_defaults(handler=center_command(_invoice_pdf))

    demand = commands.add_parser(
        "demand", help="send a written demand for an overdue invoice, and/or record the day it arrived"
    )
    demand.add_argument("--invoice", required=True, type=int)
    demand.add_argument("--sent-on", type=DATE, help="the day the demand was sent")
    demand.add_argument(
        "--received-on", type=DATE, help="the day it reached the subscriber (termination: 21 days later)"
    )
    demand.add_argument("--by", default="cli", help="who records it (login), for the audit log")
    demand.set_defaults(handler=center_command(_demand))

    card = commands.add_parser("cards", help="hand over arming cards; extra ones are charged 800 yen each")
    card.add_argument("--contract", required=True, type=int)
    card.add_argument("--count", required=True, type=int)
    card.add_argument("--on", required=True, type=DATE)
    card.set_defaults(handler=center_command(_cards))


def _print(body: dict[str, Any]) -> None:
    print(json.dumps(body, ensure_ascii=False))


def run_calculator(args: argparse.Namespace) -> int:
    try:
        if args.billing_command == "cancellation-fee":
            body = CancellationFeeRequest(
                start=args.start, terminated=args.terminated, monthly=args.monthly, deposit=args.deposit,
                reason=args.reason, plan=args.plan, removal_cost=args.removal_cost,
                unpaid_fees=args.unpaid_fees,
                notified_on=args.notified_on, proven_damages=args.proven_damages,
                large_equipment_addition=args.large_equipment_addition, reduced_to=args.reduced_to,
                decision_reason=args.decision_reason, decided_by=args.decided_by,
            )  # fmt: skip
            _print(settlement_json(settle_request(body)))
            return 0
        if args.billing_command == "change-notice":
            check = premises_changes.check_notice(args.kind, args.change_on, args.notified_on)
            _print({"kind": check.kind.value, "change_on": check.change_on.isoformat(),
                    "notified_on": check.notified_on.isoformat(), "deadline": check.deadline.isoformat(),
                    "in_time": check.in_time, "clause": check.clause})  # fmt: skip
            return 0
        if args.billing_command == "repair":
            if args.earlier_gas_replacements < 0:
                print("--earlier-gas-replacements: 0 or more", file=sys.stderr)
                return 2
            verdict = repairs.decide(
                plan=args.plan, installed_on=args.installed_on, on=args.on, cause=args.cause,
                contract_in_force=not args.contract_ended, gas_sensor=args.gas_sensor,
                earlier_gas_replacements=args.earlier_gas_replacements,
            )  # fmt: skip
            _print({"charged": verdict.charged, "why": verdict.why, "clause": verdict.clause})
            return 0
        fields = {dest: getattr(args, dest) for _, dest, _ in CLAIM_FLAGS}
        claim = ClaimRequest(
            cash=args.cash, goods=args.goods, shop_cash=args.shop_cash, shop_goods=args.shop_goods,
            excluded_articles=args.excluded_articles, building_damage=args.building_damage,
            noticed_after_days=args.noticed_after_days, service_stopped_cause=args.service_stopped_cause,
            accident_on=args.accident_on, service_start=args.service_start, service_ended=args.service_ended,
            **fields,
        )  # fmt: skip
        _print(claim_json(decide(claim.accident())))
        return 0
    except ValidationError as exc:
        for error in exc.errors():
            where = "-".join(map(str, error["loc"])).replace("_", "-")
            message = error["msg"].removeprefix("Value error, ")
            print(f"--{where}: {message}" if where else message, file=sys.stderr)
        return 2


async def _billing_run(settings: Settings, args: argparse.Namespace) -> int:
    from billing.scheduler import billing_run

    created = await billing_run(settings.database_url, args.on)
    print(f"{len(created)} invoice(s) issued")
    return 0


async def _in_session(settings: Settings, work: Any) -> int:
    from billing.errors import BillingRefused
    from billing.pdf_font import FontMissing
    from control_center.core.db import create_engine, session_factory

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            try:
                await work(session)
            except (BillingRefused, LookupError, FontMissing) as exc:
                await session.rollback()
                print(str(exc).strip("'\""), file=sys.stderr)
                return 2
            await session.commit()
        return 0
    finally:
        await engine.dispose()


async def _decide(settings: Settings, args: argparse.Namespace) -> int:
    from billing import closing

    async def work(session: Any) -> None:
        await closing.record_decision(session=session, contract_id=args.contract, reduced_to=args.reduced_to,
                                      reason=args.reason, decided_by=args.by)  # fmt: skip
        _print({"contract": args.contract, "reduced_to": args.reduced_to, "reason": args.reason,
                "decided_by": args.by,
                "clause": "seed 002 重要事項 2.(5)①ただし書; ご利用規定（レンタル）第9条②"})  # fmt: skip

    return await _in_session(settings, work)


async def _cancel(settings: Settings, args: argparse.Namespace) -> int:
    from billing import closing
    from billing.errors import BillingRefused

    async def work(session: Any) -> None:
        common = dict(session=session, contract_id=args.contract, terminated_on=args.on, reason=args.reason,
                      removal_cost=args.removal_cost, notified_on=args.notified_on)  # fmt: skip
        if args.confirm:
            if not args.by:
                raise BillingRefused("--by: who confirms the cancellation")
            result = await closing.confirm_cancellation(**common, confirmed_by=args.by)
        else:
            result = await closing.preview_cancellation(**common)
        _print({"contract": args.contract, "confirmed": args.confirm, **settlement_json(result)})

    return await _in_session(settings, work)


async def _pay(settings: Settings, args: argparse.Namespace) -> int:
    from billing import payment_service

    async def work(session: Any) -> None:
        result = await payment_service.record_payment(
            session=session, contract_id=args.contract, amount=args.amount, received_on=args.on,
            method=args.method, recorded_by=args.by, reference=args.reference,
        )  # fmt: skip
        settled = [{"invoice": i, "amount": a} for i, a in result.settled]
        _print({"payment": result.payment_id, "settled": settled,
                "unapplied": result.unapplied, "invoices_now_paid": result.invoices_now_paid})  # fmt: skip

    return await _in_session(settings, work)


async def _invoice_pdf(settings: Settings, args: argparse.Namespace) -> int:
    from billing import invoice_service
    from billing.errors import BillingRefused
    from billing.invoice_pdf import render_invoice_pdf

    async def work(session: Any) -> None:
        issuer = invoice_service.issuer_from(settings)
        invoice = await invoice_service.qualified_invoice(
            session=session, invoice_id=args.invoice, issuer=issuer
        )
        try:
            args.out.write_bytes(render_invoice_pdf(invoice))
        except OSError as exc:  # a missing directory, no permission: say so, not a traceback
            raise BillingRefused(f"--out: cannot write {args.out}: {exc.strerror}") from None
        _print({"invoice": invoice.number, "total": invoice.total, "tax": invoice.tax, "out": str(args.out)})

    return await _in_session(settings, work)


async def _cards(settings: Settings, args: argparse.Namespace) -> int:
    from billing import cards, equipment_service

    async def work(session: Any) -> None:
        charged = await equipment_service.issue_cards(
            session=session, contract_id=args.contract, count=args.count, on=args.on
        )
        _print({"contract": args.contract, "cards": args.count, "charged": charged, "clause": cards.CLAUSE})

    return await _in_session(settings, work)


async def _demand(settings: Settings, args: argparse.Namespace) -> int:
    from billing import demand_service
    from billing.errors import BillingRefused

    async def work(session: Any) -> None:
        if args.sent_on is None and args.received_on is None:
            raise BillingRefused("--sent-on and/or --received-on: what to record")
        result = None
        if args.sent_on is not None:
            result = await demand_service.send_demand(
                session=session, invoice_id=args.invoice, sent_on=args.sent_on, actor=args.by
            )
        if args.received_on is not None:
            result = await demand_service.record_receipt(
                session=session, invoice_id=args.invoice, received_on=args.received_on, actor=args.by
            )
        assert result is not None
        allowed = result.termination_allowed_from
        _print({"demand": result.demand_id, "invoice": result.invoice_id, "contract": result.contract_id,
                "sent_on": result.sent_on.isoformat(),
                "received_on": result.received_on.isoformat() if result.received_on else None,
                "termination_allowed_from": allowed.isoformat() if allowed else None,
                "clause": demand_service.CLAUSE})  # fmt: skip

    return await _in_session(settings, work)
