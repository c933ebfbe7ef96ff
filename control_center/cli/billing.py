"""`control-center billing …`: the calculators print JSON; `run` bills the day's service months."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from pydantic import ValidationError

from billing.cancellation import Plan, Reason
from billing.claims import TheftLoss, theft_insurance
from billing.schemas import CancellationFeeRequest, ClaimRequest, claim_json, settle_request, settlement_json
from control_center.cli.process import center_command
from control_center.core.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    billing = sub.add_parser("billing", help="contract money: cancellation fee, claims, the billing run")
    commands = billing.add_subparsers(dest="billing_command", required=True)

    fee = commands.add_parser("cancellation-fee", help="settlement on termination, as JSON")
    fee.add_argument("--start", required=True, type=dt.date.fromisoformat, help="service start, YYYY-MM-DD")
    fee.add_argument("--terminated", required=True, type=dt.date.fromisoformat, help="termination date")
    fee.add_argument("--monthly", required=True, type=int, help="monthly fee in force, yen, tax excluded")
    fee.add_argument("--deposit", type=int, default=0, help="deposit held, yen")
    fee.add_argument("--reason", choices=[r.value for r in Reason], default=Reason.SUBSCRIBER.value)
    fee.add_argument("--plan", choices=[p.value for p in Plan], default=Plan.RENTAL.value)
    fee.add_argument("--removal-cost", type=int, default=0, help="equipment removal cost, yen")
    fee.add_argument("--unpaid-fees", type=int, default=0, help="fees unpaid at termination, yen")
    fee.set_defaults(handler=run_calculator)

    claim = commands.add_parser(
        "claim", help="theft insurance and consolation money for one accident, as JSON"
    )
    for name in ("cash", "goods", "shop-cash", "shop-goods", "building-damage"):
        claim.add_argument(f"--{name}", type=int, default=0, help="yen")
    claim.add_argument("--noticed-after-days", type=int, default=0)
    claim.add_argument("--fees-unpaid", action="store_true")
    claim.add_argument(
        "--service-stopped", action="store_true", help="all service stopped for the subscriber's reasons"
    )
    claim.add_argument("--by-family", action="store_true")
    claim.add_argument("--outside-premises", action="store_true")

    claim.set_defaults(handler=run_calculator)

    run = commands.add_parser("run", help="invoice the service months running on a day (idempotent)")
    run.add_argument("--on", type=dt.date.fromisoformat, help="the day (default: today in Asia/Tokyo)")
    run.set_defaults(handler=center_command(_billing_run))


def run_calculator(args: argparse.Namespace) -> int:
    try:
        if args.billing_command == "cancellation-fee":
            body = CancellationFeeRequest(
                start=args.start,
                terminated=args.terminated,
                monthly=args.monthly,
                deposit=args.deposit,
                reason=args.reason,
                plan=args.plan,
                removal_cost=args.removal_cost,
                unpaid_fees=args.unpaid_fees,
            )
            print(json.dumps(settlement_json(settle_request(body)), ensure_ascii=False))
            return 0
        body = ClaimRequest(
            cash=args.cash, goods=args.goods, shop_cash=args.shop_cash, shop_goods=args.shop_goods,
            building_damage=args.building_damage, fees_unpaid=args.fees_unpaid,
            service_stopped_by_subscriber=args.service_stopped, noticed_after_days=args.noticed_after_days,
            by_family_member=args.by_family, outside_premises=args.outside_premises,
        )  # fmt: skip
        loss = TheftLoss(**body.model_dump(exclude={"building_damage"}))
        print(json.dumps(claim_json(theft_insurance(loss), body.building_damage)))
        return 0
    except ValidationError as exc:
        for error in exc.errors():
            print(f"--{'-'.join(map(str, error['loc'])).replace('_', '-')}: {error['msg']}", file=sys.stderr)
        return 2


async def _billing_run(settings: Settings, args: argparse.Namespace) -> int:
    from billing.scheduler import billing_run

    created = await billing_run(settings.database_url, args.on)
    print(f"{len(created)} invoice(s) issued")
    return 0
